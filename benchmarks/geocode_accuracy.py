"""How often the offline geocoder puts a real dataset's place names in the right place.

    python benchmarks/geocode_accuracy.py [--csv ../shared/data/ucdp_ged231_sample1000.csv] [--misses]
                                          [--with-admin] [--prec N] [--field COLUMN]

Reads the Syria rows of a UCDP GED file (names as GED writes them in ``where_coordinates``, with
GED's own coordinates and ``where_prec``) and resolves each distinct name with ``country="SY"``.
For the exact places (``where_prec`` 1) it prints: the share resolved within 10 km of GED's point
(of distinct names, and weighted by events), the wrong places (answered, but more than 10 km
away), the names not found, and the answers outside Syria. ``--with-admin`` also resolves
"NAME, GOVERNORATE" with GED's ``adm_1`` (a second figure: a dataset's own governorate breaking
ties), and with GED's ``adm_2`` and ``adm_1`` passed as the record's context
(``geodata.resolve(name, context=...)``, what an import does). ``--misses`` lists every name that
was not right. ``--field where_description`` measures the sources' own words instead (a
held-out set: other spellings, often with more text around the name); ``--prec 2`` the events
GED places near a named place (GED gives that place's point).

The names are GED's; none of them was added to the gazetteer (that would measure nothing).
Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_CSV = ROOT / ".." / "shared" / "data" / "ucdp_ged231_sample1000.csv"
RIGHT_KM = 10.0


def km(lat1, lon1, lat2, lon2) -> float:
    p = math.pi / 180
    a = (math.sin((lat2 - lat1) * p / 2) ** 2
         + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2)
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


def evaluate(rows, resolve, with_admin: bool = False) -> dict:
    """rows: dicts with name, lat, lon, events (and adm_1). Returns counts and the misses."""
    out = {"names": 0, "events": 0, "right": 0, "right_events": 0, "wrong": 0, "wrong_events": 0,
           "coarse": 0, "coarse_events": 0, "wrong_flagged": 0,
           "not_found": 0, "not_found_events": 0, "outside": 0, "ambiguous": 0, "misses": []}
    for r in rows:
        q = r["name"]
        if with_admin == "text" and r.get("adm_1"):
            q = f"{q}, {r['adm_1']}"
            res = resolve(q)
        elif with_admin:
            ctx = tuple(x for x in (r.get("adm_2"), r.get("adm_1")) if x)
            res = resolve(q, ctx)
            q = f"{q} [{' / '.join(ctx)}]"
        else:
            res = resolve(q)
        out["names"] += 1
        out["events"] += r["events"]
        if res.get("ambiguous"):
            out["ambiguous"] += 1
        if res.get("lat") is None:
            out["not_found"] += 1
            out["not_found_events"] += r["events"]
            out["misses"].append((q, "not found", None, res.get("reason", "")))
            continue
        if res.get("country") not in ("SY", None):
            out["outside"] += 1
        d = km(r["lat"], r["lon"], res["lat"], res["lon"])
        if d <= RIGHT_KM:
            out["right"] += 1
            out["right_events"] += r["events"]
        elif (res.get("precision") or 1) >= 2 and d <= (res.get("radius_km") or 0):
            # an honest coarser answer (a district, a governorate) whose disc holds GED's point
            out["coarse"] += 1
            out["coarse_events"] += r["events"]
            out["misses"].append((q, f"coarser: precision {res.get('precision')}, {d:.0f} km off, "
                                     f"radius {res.get('radius_km')} km", res.get("name"), ""))
        else:
            out["wrong_flagged"] += bool(res.get("ambiguous"))
            out["wrong"] += 1
            out["wrong_events"] += r["events"]
            out["misses"].append((q, f"{d:.0f} km off", res.get("name"), res.get("admin2") or res.get("admin1")))
    return out


def ged_rows(path: Path, prec: int = 1, field: str = "where_coordinates") -> list[dict]:
    """Distinct (name, point) pairs of GED's Syria rows of one where_prec, with the row's adm_1
    and adm_2 as GED writes them ("Idlib governorate", "Ariha district"): the same fields an
    import passes to geodata as the record's context."""
    import pandas as pd

    d = pd.read_csv(path, low_memory=False)
    d = d[(d["country"] == "Syria") & (d["where_prec"] == prec) & d[field].notna()]
    rows = []
    for (name, lat, lon), g in d.groupby([field, "latitude", "longitude"], sort=True):
        adm1 = str(g["adm_1"].iloc[0]).replace(" governorate", "") if g["adm_1"].notna().any() else ""
        adm2 = str(g["adm_2"].iloc[0]) if g["adm_2"].notna().any() else ""
        rows.append({"name": " ".join(str(name).split()), "lat": float(lat), "lon": float(lon), "events": len(g),
                     "adm_1": adm1, "adm_2": adm2})
    return rows


def report(label: str, r: dict) -> str:
    n, e = r["names"] or 1, r["events"] or 1
    return (f"{label}: {r['names']} distinct names ({r['events']} events)\n"
            f"  right (within {RIGHT_KM:g} km): {r['right']} names = {100 * r['right'] / n:.1f}%, "
            f"{r['right_events']} events = {100 * r['right_events'] / e:.1f}%\n"
            f"  coarser but true (precision 2-4, GED's point inside the answer's radius): {r['coarse']} names "
            f"({r['coarse_events']} events)\n"
            f"  wrong place: {r['wrong']} names = {100 * r['wrong'] / n:.1f}% ({r['wrong_events']} events; "
            f"{r['wrong_flagged']} of them flagged ambiguous)\n"
            f"  not found: {r['not_found']} names ({r['not_found_events']} events)\n"
            f"  answers outside Syria: {r['outside']}; flagged ambiguous: {r['ambiguous']}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--csv", default=str(DEFAULT_CSV))
    ap.add_argument("--misses", action="store_true", help="list every name that was not right")
    ap.add_argument("--with-admin", action="store_true",
                    help="also resolve with GED's adm_2 and adm_1 as the record's context (what an import "
                         "passes), and as the text 'NAME, adm_1'")
    ap.add_argument("--prec", type=int, default=1, help="GED where_prec of the rows (default 1: exact places; 2: "
                                                        "events near a named place, whose point GED gives)")
    ap.add_argument("--field", default="where_coordinates",
                    help="the name column: where_coordinates (GED's gazetteer name) or where_description "
                         "(the source's own words: other spellings, often with more text)")
    ns = ap.parse_args(argv)
    import geodata

    rows = ged_rows(Path(ns.csv), ns.prec, ns.field)
    t = time.perf_counter()
    label = f"UCDP GED Syria, where_prec {ns.prec}, {ns.field}"
    runs = [("the name alone", False)]
    if ns.with_admin:
        runs += [("with GED's adm_2 and adm_1 as context", True), ("as the text 'NAME, adm_1'", "text")]
    for what, mode in runs:
        res = evaluate(rows, lambda q, ctx=(): geodata.resolve(q, "SY", context=ctx), with_admin=mode)
        print(report(f"{label}, {what}", res))
        if ns.misses:
            for m in res["misses"]:
                print("   ", m)
    print(f"({time.perf_counter() - t:.1f} s including the index load)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
