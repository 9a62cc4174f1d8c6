"""Actor names of an import -> actor ids (alias table, curated actors, else a slug), and the
claimants an import's source columns name."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

_ALIASES_FILE = Path(__file__).with_name("aliases.yaml")


def slug(name: str) -> str:
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    if s:
        return s
    import hashlib

    return "actor-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


def load_alias_table(path: Path = _ALIASES_FILE) -> list[dict]:
    import yaml

    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or []
    return [dict(a) for a in data]


def actor_registry(extra_actors: Optional[pd.DataFrame] = None):
    """The events core's ActorRegistry over the curated alias table (aliases.yaml), plus the
    curated actors when given (so imported names resolve to curated ids where they match)."""
    from ..actors import ActorInfo, ActorRegistry

    reg = ActorRegistry()
    if extra_actors is not None and len(extra_actors):
        for row in extra_actors.itertuples(index=False):
            reg.add(ActorInfo(row.id, row.name, row.kind, tuple(row.aliases or ())))
    for a in load_alias_table():
        if a["id"] in reg:
            # Curated actor with the same id: add our spellings as aliases.
            info = reg.get(a["id"])
            reg.add(ActorInfo(info.id, info.name, info.kind, tuple(info.aliases) + tuple(a.get("aliases", ()))))
        else:
            reg.add(ActorInfo(a["id"], a["name"], a.get("kind", "other"), tuple(a.get("aliases", ()))))
    return reg


class ActorBook:
    """Resolves imported names to actor ids (alias table first, else a slug of the name) and
    collects the actors frame. Each distinct name is resolved once."""

    def __init__(self, registry=None):
        self.registry = registry if registry is not None else actor_registry()
        self.ids: dict[str, str] = {}  # name -> id
        self.actors: dict[str, dict] = {}  # id -> row
        self._slug_names: dict[str, str] = {}

    def resolve(self, name: str, kind: str = "other") -> str:
        got = self.ids.get(name)
        if got is not None:
            return got
        aid = self.registry.resolve(name)
        if aid is not None:
            info = self.registry.get(aid)
            row = self.actors.setdefault(aid, {"id": aid, "name": info.name, "kind": info.kind, "aliases": set(info.aliases)})
            if name != info.name:
                row["aliases"].add(name)
        else:
            aid = slug(name)
            row = self.actors.get(aid)
            if row is None:
                self.actors[aid] = {"id": aid, "name": name, "kind": kind, "aliases": set()}
            elif row["name"] != name:
                row["aliases"].add(name)
        self.ids[name] = aid
        return aid

    def frame(self) -> pd.DataFrame:
        rows = sorted(self.actors.values(), key=lambda r: r["id"])
        return pd.DataFrame({
            "id": pd.array([r["id"] for r in rows], dtype="str"),
            "name": pd.array([r["name"] for r in rows], dtype="str"),
            "kind": pd.array([r["kind"] for r in rows], dtype="str"),
            "aliases": pd.Series([tuple(sorted(r["aliases"] - {r["name"]})) for r in rows], dtype=object),
        })


def split_names(s: pd.Series, sep: str) -> pd.Series:
    """'A; B' -> ('A', 'B'); '' -> (). Each distinct value is split once."""
    codes_, uniq = pd.factorize(s, use_na_sentinel=False)
    table = np.empty(len(uniq), dtype=object)
    for i, v in enumerate(uniq.tolist()):
        table[i] = tuple(x.strip() for x in str(v).split(sep) if x.strip())
    return pd.Series(table[codes_] if len(uniq) else np.empty(0, dtype=object), index=s.index, dtype=object)



def outlet_claimants(sources: pd.Series, book: "ActorBook", dataset_name: str) -> pd.Series:
    """Per event, the claimant ids of the outlets its source field names (tuples of names): each
    outlet becomes a news_outlet actor; an event naming none is claimed by the dataset itself
    (`dataset_name`, a monitor: "ACLED", "UCDP GED")."""
    for t in set(sources.tolist()):
        for nm in t:
            if nm not in book.ids:
                book.resolve(nm, "news_outlet")
    return claimant_tuples(sources, book, book.resolve(dataset_name, "monitor"))


def claimant_tuples(sources: pd.Series, book: "ActorBook", fallback: str) -> pd.Series:
    """Per event, the claimant ids of its source names (tuples of names), once per distinct tuple."""
    cache: dict[tuple, tuple] = {}
    out = []
    for t in sources.tolist():
        got = cache.get(t)
        if got is None:
            got = tuple(dict.fromkeys(book.ids[n] for n in t)) if t else (fallback,)
            cache[t] = got
        out.append(got)
    return pd.Series(out, dtype=object)

