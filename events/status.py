"""Claim status: derived from the claims' stances (DESIGN.md, first rule that applies),
unless a curator overrides it with a written reason."""
from __future__ import annotations

from typing import Iterable

from . import vocab


def derive_status(stances: Iterable[str]) -> str:
    """The status the stances give: `confirmed` if any claim confirms, else `disputed` if any
    counters, else `denied` if any denies, else `claimed`. Unknown stances raise ValueError."""
    present = set(stances)
    unknown = present - set(vocab.STANCES)
    if unknown:
        raise ValueError(f"unknown stance(s): {', '.join(sorted(map(str, unknown)))}")
    for stance, status in vocab.STATUS_RULES:
        if stance in present:
            return status
    return vocab.DEFAULT_STATUS


def event_status(event) -> tuple[str, str, str]:
    """(status, derived status, override reason) of a schema Event.

    `status` is the curator's override when there is one, else the derived status; the reason
    is "" when the status is not overridden."""
    derived = derive_status(c.stance for c in event.claims)
    override = getattr(event, "status_override", None)
    if override is not None:
        return override.status, derived, override.reason
    return derived, derived, ""
