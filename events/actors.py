"""Canonical actors and alias resolution.

`ActorRegistry.resolve("Russian Defense Ministry")` returns the actor id whose id, display name
or one of whose aliases matches, ignoring case, accents, white space and punctuation
("U.S." = "US", "al-Qaeda" = "Al Qaeda"). An exact id always wins. A key shared by two actors is
ambiguous: it resolves to None and `ambiguous()` reports it (load turns that into a Problem).
Importers and the app's actor filter both use this one matcher.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional


def name_key(name: object) -> str:
    """The matching key of a name: case-folded, accents removed, only letters and digits kept."""
    if not isinstance(name, str):
        return ""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    # Modifier letters (ʼ ʿ ʾ of transliterations) count as punctuation here.
    return "".join(ch for ch in decomposed if ch.isalnum() and unicodedata.category(ch) != "Lm")


@dataclass(frozen=True)
class ActorInfo:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()


class ActorRegistry:
    def __init__(self, actors: Iterable = ()) -> None:
        self._by_id: dict[str, ActorInfo] = {}
        self._keys: dict[str, set[str]] = {}
        self._sources: dict[tuple[str, str], list[str]] = {}  # (key, actor id) -> spellings
        for a in actors:
            self.add(a)

    @classmethod
    def from_frame(cls, frame) -> "ActorRegistry":
        """From a Dataset.actors frame (columns id, name, kind, aliases)."""
        reg = cls()
        for row in frame.itertuples(index=False):
            reg.add(ActorInfo(row.id, row.name, row.kind, tuple(row.aliases or ())))
        return reg

    def add(self, actor) -> None:
        """Add a schema Actor, an ActorInfo or anything with id, name, kind and aliases."""
        info = ActorInfo(
            str(actor.id), str(actor.name), str(getattr(actor, "kind", "other")),
            tuple(getattr(actor, "aliases", ()) or ()),
        )
        self._by_id[info.id] = info
        for spelling in (info.id, info.name, *info.aliases):
            key = name_key(spelling)
            if not key:
                continue
            self._keys.setdefault(key, set()).add(info.id)
            self._sources.setdefault((key, info.id), []).append(spelling)

    def resolve(self, name_or_alias: object) -> Optional[str]:
        """The actor id for an id, name or alias; None when unknown or ambiguous."""
        if not isinstance(name_or_alias, str):
            return None
        if name_or_alias in self._by_id:
            return name_or_alias
        ids = self._keys.get(name_key(name_or_alias))
        if ids and len(ids) == 1:
            return next(iter(ids))
        return None

    def candidates(self, name_or_alias: object) -> list[str]:
        """Every actor id the name could mean (more than one when ambiguous)."""
        if isinstance(name_or_alias, str) and name_or_alias in self._by_id:
            return [name_or_alias]
        return sorted(self._keys.get(name_key(name_or_alias), ()))

    def ambiguous(self) -> list[tuple[str, list[str], list[str]]]:
        """(key, actor ids, spellings) for each key that two or more actors share."""
        out = []
        for key, ids in sorted(self._keys.items()):
            if len(ids) > 1:
                spellings = sorted({s for i in ids for s in self._sources[(key, i)]})
                out.append((key, sorted(ids), spellings))
        return out

    def get(self, actor_id: str) -> Optional[ActorInfo]:
        return self._by_id.get(actor_id)

    def name(self, actor_id: str) -> str:
        """Display name of an actor id (the id itself when unknown)."""
        info = self._by_id.get(actor_id)
        return info.name if info else str(actor_id)

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def __contains__(self, actor_id: object) -> bool:
        return actor_id in self._by_id

    def __iter__(self) -> Iterator[ActorInfo]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)
