"""Where a streamed import's time goes: `python benchmarks/import_speed.py --events N` (or
`--file F`) imports N synthetic ACLED rows (benchmarks/synthetic.py) the way
`python -m events import` does (events.importers.stream into store.DatasetWriter), in this
process, and prints one JSON line: the wall time of each phase (the encoding scan and header,
the first pass over ids and dates, reading the chunks, the row logic per chunk, writing the
parts (each sorted by date), their merge into events.parquet with the word index built alongside
(its last step also on its own), the rest of finish), the total and the peak resident memory.
Run it under the benchmark lock: `flock /work/wt/bench.lock python benchmarks/import_speed.py ...`.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MAKE_CSV = """
import sys
from benchmarks.synthetic import synthetic_acled
open(sys.argv[1], "wb").write(synthetic_acled(int(sys.argv[2]), real_words=int(sys.argv[3])))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--file", help="an export to import instead of synthetic rows")
    ap.add_argument("--chunk-rows", type=int, default=None)
    ap.add_argument("--real-words", type=int, default=0, metavar="N",
                    help="append N words of real data to each event's notes (a realistic vocabulary)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="import-speed-"))
    if args.file:
        src = Path(args.file)
    else:
        import subprocess

        # Made in a child process: the CSV is built in memory (1 GB at 2,500,000 rows), and this
        # process's peak memory must be the import's own.
        src = tmp / f"synthetic_{args.events}.csv"
        subprocess.run([sys.executable, "-c", MAKE_CSV, str(src), str(args.events), str(args.real_words)],
                       cwd=ROOT, check=True)

    t_start = time.perf_counter()
    from events import store, wordindex
    from events.importers import acled, reading, ucdp
    from events.importers.stream import import_stream

    spent: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)

    def timed(owner, attr, label):
        real = getattr(owner, attr)

        def wrapper(*a, **kw):
            t, c = time.perf_counter(), time.process_time()
            try:
                return real(*a, **kw)
            finally:
                spent[label] += time.perf_counter() - t
                cpu[label] += time.process_time() - c
        setattr(owner, attr, wrapper)

    timed(reading.CsvStream, "__init__", "encoding scan + header")
    timed(reading.CsvStream, "whole_columns", "first pass (ids, dates)")
    for m in (acled, ucdp):
        timed(m, "prepare", "whole-file decisions")
        timed(m, "import_table", "row logic (import_table)")
    timed(store.DatasetWriter, "add", "write parts (sorted by date)")
    timed(store.DatasetWriter, "_write_events", "merge into events.parquet + word index")
    timed(wordindex.Builder, "write", "word index: last step (lay out, write)")
    t0, c0 = time.perf_counter(), time.process_time()
    imports_s = t0 - t_start
    writer = store.DatasetWriter(tmp / "data", "bench")
    kw = {"chunk_rows": args.chunk_rows} if args.chunk_rows else {}
    report = import_stream(src, writer, name="bench", **kw)
    t_finish = time.perf_counter()
    path = writer.finish("bench", report.format, report=report, source_file=src.name)
    spent["finish (claims, roles, actors, dataset.json, rename)"] = time.perf_counter() - t_finish - spent.get(
        "merge into events.parquet + word index", 0)
    total = time.perf_counter() - t0
    nested = ("finish (claims, roles, actors, dataset.json, rename)", "word index: last step (lay out, write)")
    inside = sum(v for k, v in spent.items() if k not in nested)
    reading_s = total - inside - spent[nested[0]]
    out = {
        "rows": report.rows_read, "loaded": report.rows_loaded, "total_s": round(total, 1),
        "total_cpu_s": round(time.process_time() - c0, 1),
        "cpu_s": {k: round(v, 1) for k, v in cpu.items()},
        "module_imports_s": round(imports_s, 1),
        "phases_s": {**{k: round(v, 1) for k, v in spent.items()}, "reading chunks (rest)": round(reading_s, 1)},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "events_parquet_mb": round((path / "events.parquet").stat().st_size / 1e6, 1),
        "word_index_mb": round(sum((path / f).stat().st_size for f in ("words.parquet", "postings.parquet")) / 1e6, 1),
    }
    print(json.dumps(out))
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
