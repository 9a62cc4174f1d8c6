"""Tune the similarity threshold of the last-resort fuzzy matcher on a labelled set.

    python benchmarks/fuzzy_threshold.py [--src ../shared/data/gazetteer]

The labelled set comes from real data no one on this project wrote, and not from the benchmark
names: Who's On First Latin spellings of Syrian localities that OCHA lists under another spelling.
Each WOF locality whose Arabic name equals an OCHA community's (normalised) within 3 km is a
label: its Latin spellings that OCHA's English name does not already match (after the loose key)
are queries, OCHA's point is the truth. The matcher (rapidfuzz ``fuzz.ratio`` of loose keys, the
same as :meth:`geodata.gazetteer.Gazetteer.fuzzy_candidates`) searches OCHA's English names only
(not WOF's, which would contain the answer). For each threshold it prints the share of queries
answered and, of those, the share within 10 km of the truth; the threshold in
``geodata.resolver.SIMILAR_THRESHOLD`` is the lowest one whose answers are at least 90 % right.
It also prints the share right by the query's length (``SIMILAR_MIN_LEN_IN_AREA``) and, for the
transliteration skeleton tier, by the number of consonants, over Syria and within the governorate
(``geodata.gazetteer.SKELETON_MIN``).
"""
from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def km(lat1, lon1, lat2, lon2) -> float:
    p = math.pi / 180
    a = (math.sin((lat2 - lat1) * p / 2) ** 2
         + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2)
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


def labelled(src: Path):
    from geodata.normalize import key_loose

    with open(src / "ocha_communities.csv", encoding="utf-8") as f:
        ocha = list(csv.DictReader(f))
    by_ar = defaultdict(list)
    for r in ocha:
        by_ar[key_loose(r["name_ar"])].append(r)
    keys = defaultdict(list)  # OCHA English loose key -> points
    gkeys = defaultdict(lambda: defaultdict(list))  # governorate -> the same
    for r in ocha:
        keys[key_loose(r["name_en"])].append((float(r["lat"]), float(r["lon"])))
        gkeys[r["admin1_pcode"]][key_loose(r["name_en"])].append((float(r["lat"]), float(r["lon"])))
    out = []
    with open(src / "wof_localities.csv", encoding="utf-8") as f:
        for w in csv.DictReader(f):
            if w.get("deprecated") or w.get("is_current") == "0" or not w.get("name_ar"):
                continue
            lat, lon = float(w["lat"]), float(w["lon"])
            hits = [r for r in by_ar.get(key_loose(w["name_ar"]), ())
                    if km(lat, lon, float(r["lat"]), float(r["lon"])) <= 3.0]
            if len(hits) != 1:
                continue
            truth = hits[0]
            names = [w["name"], *(s.strip() for s in (w.get("names_en_all") or "").split("|")),
                     *(s.strip() for s in (w.get("names_latin_other") or "").split("|"))]
            for n in dict.fromkeys(x for x in names if x):
                k = key_loose(n)
                if len(k) >= 5 and k.isascii() and k not in keys:
                    out.append((n, k, float(truth["lat"]), float(truth["lon"]), truth["admin1_pcode"]))
    return out, keys, gkeys


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default=str(ROOT / ".." / "shared" / "data" / "gazetteer"))
    ns = ap.parse_args(argv)
    from rapidfuzz import fuzz, process

    queries, keys, gkeys = labelled(Path(ns.src))
    print(f"labelled queries: {len(queries)} (WOF spellings OCHA writes otherwise)")
    for label, scope in (("anywhere in Syria", lambda g: keys), ("within the governorate the text names",
                                                                lambda g: gkeys[g])):
        results = []
        for n, k, lat, lon, gov in queries:
            pool = scope(gov)
            best = process.extract(k, list(pool), scorer=fuzz.ratio, limit=3)
            if not best:
                continue
            top = best[0][1]
            pts = pool[best[0][0]]
            tied = [b for b in best if b[1] == top]
            unique = len(tied) == 1 and len(pts) == 1
            right = min(km(lat, lon, a, b) for a, b in pts) <= 10.0
            results.append((top, right, unique))
            results[-1] += (len(k),)
        print(f"{label}:\nthreshold  answered  right-of-answered  (unique best only)")
        for t in range(76, 101, 2):
            ans = [r for r in results if r[0] >= t and r[2]]
            ok = sum(r[1] for r in ans)
            print(f"  {t:>3}     {100 * len(ans) / len(queries):5.1f}%   {100 * ok / max(1, len(ans)):5.1f}%  "
                  f"({len(ans)} answered, {len(ans) - ok} wrong)")
        # by the query's length: a one-letter change in a short name is a different village
        for lo, hi in ((5, 6), (7, 8), (9, 99)):
            cells = []
            for t in (84, 90, 96):
                ans = [r for r in results if r[0] >= t and r[2] and lo <= r[3] <= hi]
                cells.append(f"{t}: {100 * sum(r[1] for r in ans) / max(1, len(ans)):5.1f}% of {len(ans)}")
            print(f"  keys of {lo}-{hi if hi < 99 else ''} letters, right-of-answered at " + ", ".join(cells))
    # The transliteration skeleton tier (geodata.normalize.skeleton), on the same labels.
    from geodata.normalize import skeleton

    skel = defaultdict(list)
    for k, pts in keys.items():
        sk = skeleton(k)
        if sk:
            skel[sk] += pts
    gskel = defaultdict(lambda: defaultdict(list))
    for g, kk in gkeys.items():
        for k, pts in kk.items():
            sk = skeleton(k)
            if sk:
                gskel[g][sk] += pts
    for label, scope in (("anywhere in Syria", lambda g: skel), ("within the governorate", lambda g: gskel[g])):
        by_len = defaultdict(lambda: [0, 0, 0, 0])  # answered, right, unique, unique right
        for n, k, lat, lon, gov in queries:
            sk = skeleton(k) or ""
            pts = scope(gov).get(sk)
            if not pts:
                continue
            c = by_len[min(len(sk), 6)]
            ok = min(km(lat, lon, a, b) for a, b in pts) <= 10.0
            c[0] += 1
            c[1] += ok
            if len(pts) == 1:
                c[2] += 1
                c[3] += ok
        print(f"skeleton tier, {label} (the consonants of a name; geodata.gazetteer.SKELETON_MIN):")
        for L in sorted(by_len):
            a, ok, u, uok = by_len[L]
            print(f"  {L}{'+' if L == 6 else ' '} consonants: {a} queries match; one place: {100 * uok / max(1, u):5.1f}% "
                  f"right ({u}); any right among several: {100 * ok / max(1, a):5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
