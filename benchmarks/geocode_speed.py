"""How fast geodata answers: a fresh process's first name, then 10,000 more.

    python benchmarks/geocode_speed.py [--names 10000] [--cache-dir DIR] [--min-population N] [--rebuild]

1. Makes sure the gazetteer index is built and cached, in a child process whose peak memory is
   reported (``--rebuild`` forces a build; targets: 60 s and 1 GB).
2. Starts a fresh Python process that imports geodata and resolves one name; the time from
   process start to that first answer is the "first answer" figure (target: 1 s).
3. The same process then resolves N distinct names (default 10,000: GeoNames names worldwide,
   names of the Syria gazetteer in their sources' spellings (Latin and Arabic), reporters'
   spellings, descriptors, relative phrases and misses) with ``geodata.resolve_many`` and reports
   the time, wall and CPU (target: 1 s more)
   and its resident memory (target: 500 MB), then the same names again (the LRU cache).

Prints the figures; asserts nothing (times depend on the machine; tests never assert them).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, sys, time
t_start = float(sys.argv[1])
import geodata
first = geodata.resolve("Hmeimim air base")
t_first = time.time()
print(json.dumps({"first_answer_s": t_first - t_start, "first": first["name"]}), flush=True)
names = json.load(open(sys.argv[2], encoding="utf-8"))
import resource
t = time.perf_counter()
c = time.process_time()
results = geodata.resolve_many(names)  # the batch path (the same code as resolve, per name)
t_batch = time.perf_counter() - t
c_batch = time.process_time() - c
t = time.perf_counter()
for n in names:
    geodata.resolve(n)
t_again = time.perf_counter() - t
found = sum(r["lat"] is not None for r in results)
rss = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 1e6
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
print(json.dumps({"batch_s": t_batch, "batch_cpu_s": c_batch, "again_s": t_again, "found": found,
                  "n": len(names), "rss_mb": rss, "peak_mb": peak}), flush=True)
"""

BUILD = r"""
import json, resource, sys, time
from geodata import gazetteer
t = time.perf_counter()
g = gazetteer.load(rebuild=sys.argv[1] == "1")
print(json.dumps({"path": str(g.path), "records": len(g), "keys": g.key_count, "built": g.built,
                  "seconds": time.perf_counter() - t, "mb": g.path.stat().st_size / 1e6 if g.path else 0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3}))
"""

SYRIAN_SPELLINGS = ["Hmeimim", "Khmeimim", "Hmeymim", "Deir Ezzor", "Dayr az Zawr", "Deir el-Zor", "Lattakia",
                    "Al-Ladhiqiyah", "Hassakeh", "al-Hasaka", "Raqqa", "Ar-Raqqah", "Idleb", "Tadmor", "Palmyra",
                    "Qamishli", "Kamishli", "Homs", "Hims", "Hama", "Hamah", "Aleppo", "Halab", "حلب", "دمشق",
                    "Damascus", "Daraa", "Dar'a", "Deraa", "As-Suwayda", "Sweida", "Quneitra", "Tartous", "Tartus",
                    "Manbij", "Kobani", "Afrin", "Azaz", "Jableh", "Douma", "Darayya", "Al-Bab", "Tabqa"]
DESCRIPTORS = ["{} province", "{} governorate", "the province of {}", "{} airbase", "{} city", "{} countryside"]
RELATIVE = ["near {}", "40 km from {}", "outskirts of {}", "north of {}", "{} and its suburbs"]


def names_for_benchmark(n: int, seed: int = 7) -> list[str]:
    """N distinct realistic names (so the LRU cache does not help the first pass)."""
    from geodata.gazetteer import Sources

    rng = random.Random(seed)
    with open(Sources.default().cities, encoding="utf-8") as f:
        cities = list(json.load(f).values())
    syrian = [c for c in cities if c["countrycode"] == "SY"]
    out: list[str] = []
    seen: set[str] = set()

    def add(s):
        if s not in seen:
            seen.add(s)
            out.append(s)

    for s in SYRIAN_SPELLINGS:
        add(s)
    from geodata.syria_build import read_places

    places = read_places()
    for p in rng.sample(places, 2500):  # the Syria gazetteer's villages, in any source's spelling
        add(rng.choice(p["names"].split("|")))
    for c in rng.sample(syrian, min(250, len(syrian))):
        alts = [a for a in c["alternatenames"] if a] or [c["name"]]
        add(rng.choice(alts))
        add(c["name"].lower())
    base = SYRIAN_SPELLINGS[:30]
    for tpl in DESCRIPTORS:
        for s in base:
            add(tpl.format(s))
    for tpl in RELATIVE:
        for s in base[:20]:
            add(tpl.format(s))
    for i in range(200):  # misses
        add(f"Qx{i}zzv place")
    while len(out) < n:  # the rest: GeoNames names worldwide, in any of their spellings
        c = rng.choice(cities)
        add(rng.choice([c["name"], *c["alternatenames"]]) if c["alternatenames"] else c["name"])
    rng.shuffle(out)
    return out[:n]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--names", type=int, default=10_000)
    ap.add_argument("--cache-dir", help="index cache directory (default: the normal one)")
    ap.add_argument("--min-population", type=int, help="CONFLICT_MAP_MIN_POPULATION for a smaller index")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the index to time the build")
    args = ap.parse_args()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["CONFLICT_MAP_NOMINATIM"] = "0"
    if args.cache_dir:
        env["CONFLICT_MAP_CACHE"] = args.cache_dir
    if args.min_population:
        env["CONFLICT_MAP_MIN_POPULATION"] = str(args.min_population)
    os.environ.update({k: v for k, v in env.items() if k.startswith("CONFLICT_MAP_")})

    build = subprocess.run([sys.executable, "-c", BUILD, "1" if args.rebuild else "0"], env=env, cwd=ROOT,
                           capture_output=True, text=True, check=True)
    b = json.loads(build.stdout)
    print(f"index: {b['path']} ({b['records']:,} records, {b['keys']:,} keys, {b['mb']:.1f} MB)")
    print(f"index build: {b['seconds']:.1f} s, peak memory {b['peak_mb']:.0f} MB  (targets 60 s, 1 GB)"
          if b["built"] else f"index: already cached (loaded in {b['seconds']:.2f} s; --rebuild to time a build)")

    names = names_for_benchmark(args.names)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(names, f, ensure_ascii=False)
        names_path = f.name
    try:
        t0 = time.time()
        proc = subprocess.Popen([sys.executable, "-c", CHILD, repr(t0), names_path], env=env, cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)
        first = json.loads(proc.stdout.readline())
        wall_first = time.time() - t0
        batch = json.loads(proc.stdout.readline())
        proc.wait(timeout=600)
    finally:
        os.unlink(names_path)
    print(f"fresh process, first answer ({first['first']!r}): {wall_first:.2f} s  (target 1 s)")
    print(f"{batch['n']:,} distinct names: {batch['batch_s']:.2f} s wall ({batch['batch_cpu_s']:.2f} s CPU), "
          f"{batch['batch_s'] / batch['n'] * 1e6:.0f} µs/name, {batch['found']:,} found  (target 1 s)")
    print(f"resident memory after them: {batch['rss_mb']:.0f} MB (peak {batch['peak_mb']:.0f} MB; target 500 MB)")
    print(f"the same {batch['n']:,} again (LRU cache): {batch['again_s']:.3f} s")
    print(f"machine load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
