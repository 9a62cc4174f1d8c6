"""Claim status: derived from the claims' stances (DESIGN.md, first rule that applies),
unless a curator overrides it with a written reason.

1. confirmed — some claim acknowledges; or some claim corroborates and none denies or counters;
2. disputed  — some claim counters; or some claim corroborates while another denies;
3. denied    — some claim denies;
4. claimed   — otherwise.

A green "confirmed" never hides a standing denial: independent evidence against the concerned
party's denial is a dispute. `explain` says in words which claims gave the status.
"""
from __future__ import annotations

from typing import Iterable

from . import vocab


def _check(present: set) -> None:
    unknown = present - set(vocab.STANCES)
    if unknown:
        retired = sorted(s for s in unknown if s in vocab.RETIRED_STANCES)
        hint = f" ({', '.join(retired)}: split into acknowledges / corroborates)" if retired else ""
        raise ValueError(f"unknown stance(s): {', '.join(sorted(map(str, unknown)))}{hint}")


def derive_status(stances: Iterable[str]) -> str:
    """The status the stances give (the rules above). Unknown stances raise ValueError."""
    present = set(stances)
    _check(present)
    if "acknowledges" in present:
        return "confirmed"
    if "corroborates" in present and not present & {"denies", "counters"}:
        return "confirmed"
    if "counters" in present:
        return "disputed"
    if "corroborates" in present and "denies" in present:
        return "disputed"
    if "denies" in present:
        return "denied"
    return vocab.DEFAULT_STATUS


# The order the explanation names stance groups in: what decided the status comes first.
_ORDER = {
    "confirmed": ("acknowledges", "corroborates", "counters", "denies", "asserts"),
    "disputed": ("counters", "corroborates", "denies", "acknowledges", "asserts"),
    "denied": ("denies", "asserts", "acknowledges", "corroborates", "counters"),
    "claimed": ("asserts", "acknowledges", "corroborates", "counters", "denies"),
}


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def explain(claims: Iterable[tuple[str, str]]) -> str:
    """Why the claims give their status, in words, from (claimant display name, stance) pairs:
    "corroborated by Stratfor; denied by Russian Defence Ministry". Each claimant is named once
    per stance, in the order the claims came. Unknown stances raise ValueError."""
    pairs = [(str(name), str(stance)) for name, stance in claims]
    if not pairs:
        return "no claims recorded"
    status = derive_status(s for _, s in pairs)
    by_stance: dict[str, list[str]] = {}
    for name, stance in pairs:
        names = by_stance.setdefault(stance, [])
        if name not in names:
            names.append(name)
    parts = [f"{vocab.STANCE_PARTICIPLES[s]} by {_join(by_stance[s])}" for s in _ORDER[status] if s in by_stance]
    if status == "confirmed" and "acknowledges" not in by_stance:
        parts.append("no claim denies or counters it")
    if status == "claimed":
        parts.append("no response recorded in the sources")
    return "; ".join(parts)


def event_status(event) -> tuple[str, str, str]:
    """(status, derived status, override reason) of a schema Event.

    `status` is the curator's override when there is one, else the derived status; the reason
    is "" when the status is not overridden."""
    derived = derive_status(c.stance for c in event.claims)
    override = getattr(event, "status_override", None)
    if override is not None:
        return override.status, derived, override.reason
    return derived, derived, ""
