"""How well the Curate page's proposals match what a curator recorded by hand.

    python benchmarks/curate_proposals.py [--raw] [--unseen] [--verbose]

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

With --unseen it measures the same on tests/fixtures/articles/ instead: real reports of other
outlets and conflicts, hand-labelled before the extractor was run on them (see the README there).
Their claimants are found with each article's own actor list (actors.yaml is about Syria), and a
place matches by name and country (their places are not curated, so they have no gazetteer ids).
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from events.curate import extract  # noqa: E402
from events.load import read_data_dir  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
UNSEEN = ROOT / "tests" / "fixtures" / "articles"


def _pr(tp: int, got: int, gold: int) -> str:
    r = tp / gold if gold else float("nan")
    p = tp / got if got else float("nan")
    return f"recall {tp}/{gold} = {r:.0%}, precision {tp}/{got} = {p:.0%}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", action="store_true", help="run on the raw seed files (as pasted), not the archived text")
    ap.add_argument("--unseen", action="store_true", help="run on the hand-labelled unseen articles of tests/fixtures/articles/")
    ap.add_argument("--verbose", action="store_true", help="list missed and extra pairs and places")
    args = ap.parse_args(argv)
    if args.unseen:
        return unseen(args.verbose)

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
        # A merged gazetteer place answers with one id and keeps every source's id (OCHA P-code,
        # WOF id, GeoNames id): a curated place recorded under any of them is the same place.
        proposed = extract.propose_places(text, actors=finder)
        got_places = set()
        for p in proposed:
            ids = set(p.result.get("ids") or ()) | {p.result.get("gazetteer_id")}
            got_places.add(next(iter(sorted(ids & gold_places)), p.result.get("gazetteer_id")))
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


def _fold_place(name: str) -> str:
    """A place name compared loosely: ASCII, lower case, without apostrophes and a trailing
    "province", "region", "oblast", "governorate" (the label says "Saada", the text "Saada province")."""
    import unicodedata

    s = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"['’`]", "", s)
    s = re.sub(r"\b(the|province|region|oblast|governorate|border)\b", " ", s)
    return " ".join(s.split())


def load_unseen(folder: Path = UNSEEN) -> list[dict]:
    """The hand-labelled unseen articles: each <id>.yaml with its <id>.txt."""
    import yaml

    out = []
    for meta in sorted(folder.glob("*.yaml")):
        d = yaml.safe_load(meta.read_text(encoding="utf-8"))
        d["body"] = (folder / d["text"]).read_text(encoding="utf-8")
        d["actor_objs"] = [SimpleNamespace(id=a["id"], name=a["name"], kind=a.get("kind", "other"),
                                           aliases=tuple(a.get("aliases") or ())) for a in d["actors"]]
        out.append(d)
    return out


def measure_unseen(article: dict) -> dict:
    """(got, gold) sets of (claimant, stance) pairs and of (place, country) for one unseen article."""
    finder = extract.ActorFinder(article["actor_objs"])
    outlet = next((a.id for a in article["actor_objs"] if a.kind == "news_outlet"), None)
    gold_claims = {tuple(p) for p in article["expected"]["claims"]}
    got_claims = {(p.claimant, p.stance) for p in extract.propose_claims(article["body"], finder, outlet)}
    gold_places = {(_fold_place(n), c) for n, c in article["expected"]["places"]}
    got_places = set()
    for p in extract.propose_places(article["body"], country=article["country"], actors=finder):
        names = {_fold_place(p.words), _fold_place(p.query), _fold_place(p.result.get("name"))}
        hit = next((g for g in sorted(gold_places) if g[0] in names and g[1] == p.result.get("country")), None)
        got_places.add(hit or (_fold_place(p.result.get("name") or p.query), p.result.get("country")))
    return {"claims": (got_claims, gold_claims), "places": (got_places, gold_places)}


def unseen(verbose: bool) -> int:
    totals = {"claims": [0, 0, 0], "places": [0, 0, 0]}
    t0 = time.perf_counter()
    for art in load_unseen():
        print(f"{art['id']} ({art['outlet']}, {art['published']})")
        for what, (got, gold) in measure_unseen(art).items():
            tp = len(got & gold)
            t = totals[what]
            t[0] += tp
            t[1] += len(got)
            t[2] += len(gold)
            print(f"  {what:7} {_pr(tp, len(got), len(gold))}")
            if verbose:
                print(f"          missed: {sorted(gold - got)}")
                print(f"          extra:  {sorted(got - gold, key=str)}")
    print("\nAll unseen articles (other outlet and conflicts; labelled before running):")
    for what, (tp, got, gold) in totals.items():
        print(f"  {what:7} {_pr(tp, got, gold)}")
    print(f"  time    {time.perf_counter() - t0:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
