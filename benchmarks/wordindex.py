"""The word index (events/wordindex.py) against a scan of search_text, on one stored import or on a
stress set of real words, printing one JSON line.

    python benchmarks/wordindex.py --folder DATA/synthetic     # an import (`python -m events import`)
    python benchmarks/wordindex.py --stress 1000000            # a stress set (below)

For each term: the rows the index gives and the time it takes (`WordIndex.rows`, with no limit on
postings, so that the limit, MAX_POSTINGS, can be chosen from these figures), against DuckDB's
`contains(search_text, term)` over events.parquet; the two must give the same rows. With --stress
(or --rebuild) it also times `wordindex.build` and reports its peak memory and the files' sizes.

The stress set: N search texts of 45 words each (benchmarks/synthetic.py's `real_word_texts`: words of
data no one here wrote, the UCDP GED sample's texts and the gazetteer's names, drawn Zipf-wise). Its
vocabulary is ~440,000 words (the synthetic import's is ~12,000), closer to what a real ACLED export's
notes hold. Only the search_text column is written.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.synthetic import real_word_texts  # noqa: E402

TERMS = ["aleppo", "homs", "idlib", "village", "killed", "armed", "shel", "march", "2013", "5167", "al-", "ma",
         "x", "حلب", "zzzz", "a", "e", "1", "s"]


BUILD = """
import json, sys, time
from events import wordindex
t = time.perf_counter()
n = wordindex.build(sys.argv[1])  # what an import does while it writes events.parquet, from the file
# (VmHWM, not ru_maxrss: on Linux an exec'd child's ru_maxrss starts at its parent's)
hwm = next(int(ln.split()[1]) for ln in open("/proc/self/status") if ln.startswith("VmHWM:"))
print(json.dumps({"postings": n, "build_s": round(time.perf_counter() - t, 1), "build_peak_mb": round(hwm / 1024)}))
"""


def _build(folder: Path) -> dict:
    """wordindex.build in a process of its own, so that its peak memory is its own."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", BUILD, str(folder)], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folder", help="a stored import's folder (holding events.parquet)")
    ap.add_argument("--stress", type=int, help="make a stress set of this many texts instead")
    ap.add_argument("--rebuild", action="store_true", help="build the index again (into a temporary folder)")
    ap.add_argument("--terms", nargs="*", default=TERMS)
    args = ap.parse_args()
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from events import store, wordindex

    out: dict = {}
    if args.stress:
        folder = Path(tempfile.mkdtemp(prefix="wordindex-"))
        t = time.perf_counter()
        texts = real_word_texts(args.stress, 45)
        pq.write_table(pa.table({"search_text": pa.array(texts, pa.string())}), folder / "events.parquet",
                       compression=store.EVENTS_COMPRESSION, row_group_size=store.ROW_GROUP)
        del texts
        out.update(texts=args.stress, make_s=round(time.perf_counter() - t, 1))
    elif args.folder:
        folder = Path(args.folder)
        if args.rebuild:
            tmp = Path(tempfile.mkdtemp(prefix="wordindex-"))
            (tmp / "events.parquet").symlink_to((folder / "events.parquet").resolve())
            folder = tmp
    else:
        ap.error("--folder or --stress")
    if args.stress or args.rebuild:
        out.update(_build(folder))
    n_rows = pq.ParquetFile(folder / "events.parquet").metadata.num_rows
    out["events"] = n_rows
    out["events_parquet_mb"] = round((folder / "events.parquet").stat().st_size / 1e6, 1)
    for name in (wordindex.WORDS, wordindex.POSTINGS):
        out[name.replace(".parquet", "_mb")] = round((folder / name).stat().st_size / 1e6, 1)
    t = time.perf_counter()
    wi = wordindex.WordIndex.open(folder, n_rows)
    out["open_s"] = round(time.perf_counter() - t, 3)
    out["words"] = len(wi.words)
    wi.max_postings = 10**12
    con = duckdb.connect()
    con.execute("CREATE VIEW events AS SELECT search_text, file_row_number AS _row FROM "
                f"read_parquet('{folder / 'events.parquet'}', file_row_number = true)")
    rows = []
    for term in args.terms:
        hits = wi.matching_words(term)
        t = time.perf_counter()
        got = wi.rows(term)
        t_index = time.perf_counter() - t
        t = time.perf_counter()
        scan = con.execute("SELECT _row FROM events WHERE contains(search_text, ?) ORDER BY _row",
                           [term]).fetchnumpy()["_row"]
        t_scan = time.perf_counter() - t
        if not np.array_equal(got, scan):
            raise SystemExit(f"the index and the scan disagree on {term!r}: {len(got)} against {len(scan)} rows")
        rows.append({"term": term, "words": int(len(hits)), "postings": int(wi.counts[hits].sum()),
                     "rows": int(len(scan)), "index_s": round(t_index, 3), "scan_s": round(t_scan, 3)})
        print(f"[wordindex] {term!r}: {rows[-1]}", file=sys.stderr)
    out["terms"] = rows
    out["max_postings"] = wordindex.MAX_POSTINGS
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
