"""Places of imported rows that come without coordinates: geocoded offline through geodata's
public API (``geodata.resolve``), once per distinct place.

A row may offer several place texts, most specific first (ACLED: location, admin3, admin2,
admin1); each is looked up with the wider ones as its context (``geodata.resolve(location,
context=(admin3, admin2, admin1))``: a namesake in another district is not the place, and a place
unknown inside its district gives the district); the first one found gives the coordinates, with the precision code and
radius geodata gives for that kind of place (a town: code 1 and the town's radius; a province:
code 4), never more precise than what was matched. A row none of whose texts is known is
skipped with the reason, since a map cannot show it.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from .checks import Checks


def geocode_missing(candidates: pd.Series, country: pd.Series, need: np.ndarray, checks: Checks,
                    column: str) -> dict[str, np.ndarray]:
    """For the rows in ``need`` (bool mask): coordinates from the gazetteer.

    ``candidates``: per row a tuple of place texts (most specific first); ``country``: ISO
    alpha-2 per row ('' when unknown). Returns arrays over all rows (NaN / '' where not
    geocoded): lat, lon, precision, radius_km, name, gazetteer_id, admin1, matched (the text
    that matched). Rows not found are flagged on ``checks``; found rows get a note."""
    n = len(candidates)
    out = {
        "lat": np.full(n, np.nan), "lon": np.full(n, np.nan), "precision": np.full(n, np.nan),
        "radius_km": np.full(n, np.nan), "name": np.full(n, "", dtype=object),
        "gazetteer_id": np.full(n, "", dtype=object), "admin1": np.full(n, "", dtype=object),
        "matched": np.full(n, "", dtype=object),
    }
    idx = np.flatnonzero(need)
    if not len(idx):
        return out
    import geodata

    cache: dict[tuple, Optional[dict]] = {}
    reasons: dict[tuple, str] = {}
    cand = candidates.to_numpy(dtype=object)
    ctry = country.to_numpy(dtype=object)
    for i in idx:
        key = (cand[i], ctry[i] or None)
        if key not in cache:
            got, why = None, "no place name to look up"
            for j, text in enumerate(cand[i]):
                r = geodata.resolve(text, country=key[1], context=cand[i][j + 1:])
                if r.get("lat") is not None:
                    got = dict(r, matched=text)
                    break
                why = r.get("reason") or f"{text!r} is not in the offline gazetteer"
            cache[key] = got
            reasons[key] = why
        got = cache[key]
        if got is None:
            continue
        out["lat"][i], out["lon"][i] = got["lat"], got["lon"]
        # geodata gives a precision code for every match; 5 (part of a country) if one ever lacks it
        out["precision"][i] = got["precision"] if got.get("precision") is not None else 5
        out["radius_km"][i] = got["radius_km"] if got.get("radius_km") is not None else np.nan
        out["name"][i] = got.get("name") or ""
        out["gazetteer_id"][i] = got.get("gazetteer_id") or ""
        out["admin1"][i] = got.get("admin1") or ""
        out["matched"][i] = got["matched"]
    missed = need & np.isnan(out["lat"])
    found = need & ~missed
    checks.flag(missed, column, lambda ix: [
        f"no coordinates, and the place could not be found offline: {reasons[(cand[i], ctry[i] or None)]}"
        for i in ix])
    checks.note(found, column, lambda ix: [
        f"no coordinates in the file: placed by the gazetteer at {out['name'][i]!r} "
        f"({out['gazetteer_id'][i] or 'derived'}, precision {int(out['precision'][i])}, "
        f"radius {out['radius_km'][i]:g} km) from {out['matched'][i]!r}" for i in ix])
    return out
