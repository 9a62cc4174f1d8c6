"""How well the Curate page's proposals match what a curator recorded by hand.

    python benchmarks/curate_proposals.py [--raw] [--verbose]

For each archived source in events/data/sources/ (the five seed articles), runs the proposal
step (events.curate.extract) on its archived text — or, with --raw, on the raw seed file from
../shared/seeds/ as pasted, page chrome and donation appeals included — and compares:

- (claimant, stance) pairs of the proposed claims with the pairs of the curated claims that cite
  that source (a set per article; micro-averaged over the articles);
- places: the gazetteer ids of the proposed places with the gazetteer ids of the curated places
  (event places and claims' own places) of the events that cite that source.

Prints recall and precision per article and overall. Asserts nothing: the figures go in the
README. The rules were written looking at these five articles, so these figures are an upper
bound for articles of other outlets and conflicts.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from events.curate import extract  # noqa: E402
from events.load import read_data_dir  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"


def _pr(tp: int, got: int, gold: int) -> str:
    r = tp / gold if gold else float("nan")
    p = tp / got if got else float("nan")
    return f"recall {tp}/{gold} = {r:.0%}, precision {tp}/{got} = {p:.0%}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", action="store_true", help="run on the raw seed files (as pasted), not the archived text")
    ap.add_argument("--verbose", action="store_true", help="list missed and extra pairs and places")
    args = ap.parse_args(argv)

    r = read_data_dir()
    finder = extract.ActorFinder(r.actors)
    totals = {"claims": [0, 0, 0], "places": [0, 0, 0]}
    t0 = time.perf_counter()
    for sid, rec in sorted(r.sources.items()):
        text = rec.text
        if args.raw:
            seed = SEEDS / (rec.meta.seed_file or "")
            if not seed.is_file():
                print(f"{sid}: no raw seed file ({seed}); skipped")
                continue
            text = extract.main_text(seed.read_text(encoding="utf-8"), seed.name)
        citing = [e for e in r.events if any(c.source == sid for c in e.claims)]
        gold_claims = {(c.claimant, c.stance) for e in citing for c in e.claims if c.source == sid}
        gold_places = {e.place.gazetteer_id for e in citing if e.place.gazetteer_id}
        gold_places |= {c.place.gazetteer_id for e in citing for c in e.claims
                        if c.source == sid and c.place is not None and c.place.gazetteer_id}
        got_claims = {(p.claimant, p.stance) for p in extract.propose_claims(text, finder, rec.meta.outlet)}
        got_places = {p.result.get("gazetteer_id") for p in extract.propose_places(text, actors=finder)}
        got_places.discard(None)
        rows = {"claims": (got_claims, gold_claims), "places": (got_places, gold_places)}
        print(sid)
        for what, (got, gold) in rows.items():
            tp = len(got & gold)
            t = totals[what]
            t[0] += tp
            t[1] += len(got)
            t[2] += len(gold)
            print(f"  {what:7} {_pr(tp, len(got), len(gold))}")
            if args.verbose:
                print(f"          missed: {sorted(gold - got)}")
                print(f"          extra:  {sorted(got - gold)}")
    elapsed = time.perf_counter() - t0
    print(f"\nAll articles{' (raw seeds)' if args.raw else ' (archived text)'}:")
    for what, (tp, got, gold) in totals.items():
        print(f"  {what:7} {_pr(tp, got, gold)}")
    print(f"  time    {elapsed:.2f} s for the proposals of every article (gazetteer index already built)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
