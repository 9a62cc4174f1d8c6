"""``python -m geodata``: geocode names, build the index, simplify the governorates.

    python -m geodata geocode [--country CC] [--in AREA ...] [--online] [NAME ...]

prints one JSON object a line per name (from the arguments, or one a line from standard input)
with at least ``query, name, lat, lon, precision, radius_km, ambiguous, admin1, admin1_pcode,
admin2, admin2_pcode, admin3, admin3_pcode, country, source, alternatives`` (each alternative with
its governorate, district and sub-district). A name it cannot resolve prints ``lat: null`` and a ``reason``; the batch goes
on and the exit code is 1 at the end. ``--in`` (repeatable) gives the admin areas every name lies
in, as a dataset's own fields would (``geodata.resolve(..., context=...)``).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from typing import Iterable, Iterator, Optional, TextIO

FIRST_KEYS = ("query", "name", "lat", "lon", "precision", "radius_km", "ambiguous", "admin1", "admin1_pcode",
              "admin2", "admin2_pcode", "admin3", "admin3_pcode", "country", "source", "alternatives",
              "gazetteer_id")


def _names(args: list[str], stdin: TextIO) -> Iterator[str]:
    if args:
        yield from args
        return
    for line in stdin:
        line = line.strip()
        if line:
            yield line


def _ordered(d) -> dict:
    if hasattr(d, "as_dict"):
        d = d.as_dict()
    out = {k: d.get(k) for k in FIRST_KEYS}
    for k, v in d.items():
        if k not in out:
            out[k] = v
    if out.get("lat") is None:
        out["reason"] = d.get("reason") or "not found"
    return out


def cmd_geocode(ns: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    import geodata

    country: Optional[str] = ns.country
    if country is not None and country.strip().lower() in ("", "none", "any", "-"):
        country = None
    online = True if ns.online else None
    failed = 0
    for name in _names(ns.names, stdin):
        try:
            d = geodata.resolve(name, country, context=tuple(ns.areas or ()), online=online)
        except Exception as exc:  # a bug must not stop the batch
            d = {"query": name, "lat": None, "reason": f"error: {type(exc).__name__}: {exc}"}
        if d.get("lat") is None:
            failed += 1
        out.write(json.dumps(_ordered(d), ensure_ascii=False) + "\n")
        out.flush()
    return 1 if failed else 0


def cmd_build_index(ns: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from . import gazetteer

    t0 = time.perf_counter()
    g = gazetteer.load(rebuild=ns.force)
    out.write(json.dumps({"path": str(g.path) if g.path else None, "built": g.built, "records": len(g),
                          "keys": g.key_count, "seconds": round(time.perf_counter() - t0, 2),
                          "cache_dir": str(gazetteer.default_cache_dir())}) + "\n")
    return 0


def cmd_simplify(ns: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from . import governorates

    n = governorates.write_simplified(ns.src, ns.dst or governorates.GEOJSON_PATH, ns.tolerance)
    out.write(json.dumps({"written": str(ns.dst or governorates.GEOJSON_PATH), "bytes": n}) + "\n")
    return 0


def cmd_build_gazetteer(ns: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from . import syria_build

    t0 = time.perf_counter()
    stats = syria_build.write(ns.src)
    stats["seconds"] = round(time.perf_counter() - t0, 1)
    out.write(json.dumps(stats) + "\n")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m geodata", description="Offline geocoding of place phrases.")
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("geocode", help="resolve place names to coordinates (JSON lines)",
                       description="Resolve each NAME (or each line of standard input) and print one JSON "
                                   "object a line. Exit code 1 if any name was not found.")
    g.add_argument("names", nargs="*", metavar="NAME")
    g.add_argument("--country", default="SY",
                   help="ISO country code (or name) that breaks ties; default SY; 'none' for no hint")
    g.add_argument("--in", dest="areas", action="append", metavar="AREA",
                   help="an admin area (governorate, district, sub-district) every name lies in, as a "
                        "dataset's own fields give it; repeat for several (e.g. --in 'Ariha district' --in Idlib)")
    g.add_argument("--online", action="store_true",
                   help="ask Nominatim (OpenStreetMap) for names the offline gazetteer lacks "
                        "(also: CONFLICT_MAP_NOMINATIM=1)")
    g.set_defaults(func=cmd_geocode)
    b = sub.add_parser("build-index", help="build (or load) the cached gazetteer index and report it")
    b.add_argument("--force", action="store_true", help="rebuild even if the cache is current")
    b.set_defaults(func=cmd_build_index)
    bg = sub.add_parser("build-gazetteer", help="process ../shared/data/gazetteer into geodata/data/ "
                                                "(syria_places.csv.gz, syr_admin.geojson.gz)")
    bg.add_argument("--src", default=None, help="folder of the gazetteer inputs (default ../shared/data/gazetteer)")
    bg.set_defaults(func=cmd_build_gazetteer)
    s = sub.add_parser("simplify-governorates", help="simplify OCHA admin-1 GeoJSON into geodata/data/")
    s.add_argument("src")
    s.add_argument("--dst")
    s.add_argument("--tolerance", type=float, default=0.001, help="Douglas-Peucker tolerance in degrees")
    s.set_defaults(func=cmd_simplify)
    return p


def main(argv: Optional[Iterable[str]] = None, out: TextIO = None, stdin: TextIO = None) -> int:
    out = out or sys.stdout
    stdin = stdin or sys.stdin
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("geodata").setLevel(logging.INFO)
    ns = parser().parse_args(list(argv) if argv is not None else None)
    try:
        return ns.func(ns, out, stdin)
    except BrokenPipeError:  # `... | head`
        return 0
    except KeyboardInterrupt:
        return 130
