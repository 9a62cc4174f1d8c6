"""ACLED CSV export -> Dataset.

Columns are read by name (header case and spaces do not matter, so `EVENT_ID_CNTY` and
`SOURCE SCALE` work too), in every layout ACLED has published:
- current (2023 on, 31 columns): event_id_cnty, event_date, year, time_precision, disorder_type,
  event_type, sub_event_type, actor1, assoc_actor_1, inter1, actor2, assoc_actor_2, inter2,
  interaction, civilian_targeting, iso, region, country, admin1, admin2, admin3, location,
  latitude, longitude, geo_precision, source, source_scale, notes, fatalities, tags, timestamp;
- 2019–2020 (31 columns): data_id, iso (numeric), event_id_cnty, event_id_no_cnty, event_date,
  year, time_precision, event_type, sub_event_type, actor1, assoc_actor_1, inter1, actor2,
  assoc_actor_2, inter2, interaction, region, country, admin1, admin2, admin3, location,
  latitude, longitude, geo_precision, source, source_scale, notes, fatalities, timestamp, iso3;
- pre-2019 (alphabetical order): actor1, actor2, admin1, admin2, admin3, ally_actor_1,
  ally_actor_2, country, data_id, event_date, event_id_cnty (ids like 8188RTA),
  event_id_no_cnty (often empty), event_type (the old types), fatalities, geo_precision, gwno,
  inter1, inter2, interaction, latitude, location, longitude, notes, source, time_precision, year.
  ally_actor_1/2 are read as assoc_actor_1/2.

Required: event_id_cnty, event_date, time_precision, event_type, latitude, longitude,
geo_precision. A file without one of them is refused with an error naming it. A row with both
latitude and longitude empty is geocoded offline from location / admin3 / admin2 / admin1
(events.importers.places), and its geo_precision may then be empty.

Mappings (DESIGN.md):
- **geo_precision** -> our precision code (whose table follows UCDP GED where_prec):
  * 1 -> 1 "exact site". ACLED 1 means the coordinates are those of the named town or
    place where the event happened. GED codes the same case (a named village or town) as
    where_prec 1, and our codes follow GED one to one, so ACLED 1 and GED 1 mean the same
    thing here. The radius, though, is a town's (ACLED_TOWN_RADIUS_KM, 5 km), not code 1's
    1 km default: ACLED 1 places the event somewhere in that town, not at a known site.
  * 2 -> 2 "near a named place (within about 25 km)": ACLED 2 is "near" a town, or a part of
    a region with the nearest town's coordinates, which is our code 2's wording.
  * 3 -> 4 "governorate / province" (75 km): ACLED 3 is "a larger region", represented by a
    natural feature or the provincial capital; that region is usually a province, so the
    larger radius is the honest one (code 3, a district, would claim more than ACLED knows).
- **time_precision** -> date precision and range: 1 -> day (start = end = event_date);
  2 -> week (ACLED codes the middle of the week: event_date - 3 days .. + 3 days);
  3 -> month (the calendar month of event_date). Date basis: `stated`.
- **event_date**: every spelling events.importers.dates reads (ISO, 9-May-20, 09 May 2020,
  5/9/2020 or 09/05/2020 with the order decided for the column, spreadsheet serials); the
  `year` column settles two-digit years and is cross-checked (a contradiction is noted on the
  row, which loads with event_date's date).
- **event_type / sub_event_type** -> our type: Air/drone strike -> air_strike;
  Shelling/artillery/missile attack -> shelling; other Explosions/Remote violence (IED, suicide
  bomb, grenade, chemical weapon) -> shelling (our one remote-violence type besides air
  strikes); Battles -> armed_clash; Violence against civilians -> attack_on_civilians
  (civilian_targeting does not change the type: a shelling that hit civilians stays a shelling,
  and the column is kept in extra); Strategic developments / Change to group/activity and
  Headquarters or base established -> deployment; other Strategic developments, Protests and
  Riots -> strategic_development. The pre-2019 types map as their successors do
  (vocab.ACLED_EVENT_TYPES_IN lists each). A type we do not know becomes `other`: the row loads,
  the original pair is kept in `extra` as always, and the report counts each such type.
- **actors**: actor1, assoc_actor_1, actor2, assoc_actor_2 (assoc columns are ';'-separated)
  -> participants, through the alias table (aliases.yaml) and the events core's
  ActorRegistry, else an id slugged from the name; kind from inter1/inter2 (1 state forces ->
  state_military; 2-4 rebels and militias -> non_state_armed_group; others -> other).
- **claim**: one per event. Claimant = the first outlet named in `source` (';'-separated; every
  outlet named gets the claimant role, kind news_outlet), stance `asserts`, so status
  `claimed`. Excerpt = `notes`, verbatim. Sources named: ACLED's `source` text stays in extra.
- **fatalities** -> fatalities_best and fatalities_text ("12").
- Everything else (and any column ACLED did not publish) -> `extra`, keyed by the file's
  header spelling.
"""
from __future__ import annotations

import re
from typing import Optional

import numpy as np
import pandas as pd

from .. import vocab
from .actors import ActorBook, outlet_claimants, split_names
from .assemble import assemble, country_codes, extra_records, lower_join, skipped_problems
from .assemble import extra_columns, one_item_lists
from .checks import Checks, SeenIds, blank, codes, coordinates, fast_map, distinct_ids, start_import, value_reasons, whole_counts
from .dates import date_rules, parse_dates
from .places import geocode_missing
from .reading import Table, column_map, read_table
from .report import Progress, no_progress
from .stream import Carry

FORMAT = "acled"
REQUIRED = ("event_id_cnty", "event_date", "time_precision", "event_type", "latitude", "longitude", "geo_precision")
KNOWN = (
    "data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year", "time_precision",
    "disorder_type", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2",
    "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp", "iso3",
    "ally_actor_1", "ally_actor_2", "gwno",  # pre-2019
)
# Columns whose content the model carries in full (everything else goes to `extra`).
MODELLED = ("event_date", "time_precision", "latitude", "longitude", "geo_precision", "location",
            "admin1", "notes", "fatalities")

# The columns whose whole content decides something for every row (prepare): the first pass of
# a streamed import reads only these.
WHOLE_FILE = ("event_id_cnty", "event_date", "year")

# ACLED geo_precision 1 gives the named town's coordinates: the event is somewhere in that town.
# Code 1's default 1 km radius would draw a falsely exact pin (DESIGN.md: never one); 5 km covers
# most Syrian towns and the centre of a city. Looking each town up in the gazetteer would be
# closer but costs time at 100,000 rows; the place name is shown with the event either way.
ACLED_TOWN_RADIUS_KM = 5.0


def _type_key(v: str) -> str:
    """'Battle - No change of territory ' -> 'battle-no change of territory'."""
    return re.sub(r"\s*([-/])\s*", r"\1", re.sub(r"\s+", " ", v.strip().lower()))


def map_event_types(event_type: pd.Series, sub: pd.Series) -> pd.Series:
    """Our type per row (vocab.ACLED_SUB_EVENT_TYPES_IN, then ACLED_EVENT_TYPES_IN); None when
    neither knows the pair (the caller keeps the row as `other`)."""
    def one(pair: str):
        et, st = pair.split("\x1f")
        return (vocab.ACLED_SUB_EVENT_TYPES_IN.get(_type_key(st))
                or vocab.ACLED_EVENT_TYPES_IN.get(_type_key(et)))
    return fast_map(event_type + "\x1f" + sub, one)


def import_acled(src, name: Optional[str] = None, progress: Progress = no_progress, registry=None,
                 date_order: Optional[str] = None):
    """Read an ACLED CSV export (path, bytes or file-like). Returns (Dataset, ImportReport).
    Raises ImportFailed only when the file as a whole is unusable (missing required columns)."""
    progress(0.0, "Reading the file")
    table, fname = read_table(src, progress, 0.0, 0.55)
    return import_table(table, fname, name=name, progress=progress, registry=registry, date_order=date_order)


def prepare(table: Table, date_order: Optional[str] = None, registry=None, extra_as_columns: bool = False) -> Carry:
    """What the whole file decides for every row (``table``: at least the WHOLE_FILE columns of
    every record): the order of numeric dates, the ids (repeats across chunks), the actor book."""
    cols = column_map(table)
    f = table.frame

    def get(key: str) -> pd.Series:
        return f[cols[key]] if key in cols else pd.Series([""] * len(f), index=f.index, dtype="str")
    rules, warnings = date_rules(get("event_date"), cols["event_date"], year=get("year") if "year" in cols else None,
                                 year_col=cols.get("year"), order=date_order)
    return Carry(dates={"event_date": rules}, ids=SeenIds(get("event_id_cnty").str.strip().str.lower()),
                 book=ActorBook(registry), warnings=warnings, extra_as_columns=extra_as_columns)


def import_table(table: Table, fname: str, name: Optional[str] = None, progress: Progress = no_progress,
                 registry=None, date_order: Optional[str] = None, carry: Optional[Carry] = None):
    """Import rows already read (a whole file, or one chunk of it: ``table.rows`` numbers them;
    ``carry``, from ``prepare`` over the whole file, holds what the other chunks decide).
    Returns (Dataset, ImportReport)."""
    table, fname, cols, report, get, checks = start_import(table, fname, FORMAT, "ACLED", REQUIRED, KNOWN)
    if carry is None:  # the table is the whole file
        carry = prepare(table, date_order, registry)
        report.warnings.extend(carry.warnings)
    f = table.frame
    progress(0.6, "Checking values")

    ids = get("event_id_cnty").str.strip()
    checks.flag(blank(ids), cols["event_id_cnty"], "event_id_cnty is empty")
    day = parse_dates(get("event_date"), cols["event_date"], checks, report.warnings,
                      year=get("year") if "year" in cols else None, year_col=cols.get("year"),
                      rules=carry.dates["event_date"])
    lat, lon, no_coords = coordinates(f, cols["latitude"], cols["longitude"], checks, allow_missing=True)
    tprec = codes(f, cols["time_precision"], vocab.ACLED_TIME_PRECISION, checks, "time_precision")
    gprec = codes(f, cols["geo_precision"], vocab.ACLED_GEO_PRECISION, checks, "geo_precision", empty_ok=no_coords)
    et_raw, sub_raw = get("event_type"), get("sub_event_type")
    etype = map_event_types(et_raw, sub_raw)
    checks.flag(blank(et_raw), cols["event_type"], "event_type is empty")
    unmapped = ~blank(et_raw) & etype.isna().to_numpy()
    checks.note(unmapped, cols["event_type"], value_reasons(
        et_raw, "event_type {value} is not one we map: kept as 'other' (the original stays with the event)"))
    etype = etype.where(~pd.Series(unmapped, index=etype.index), vocab.OTHER_EVENT_TYPE)
    fat_raw = get("fatalities")
    fat = whole_counts(fat_raw, cols.get("fatalities"), checks, "fatalities")
    # Repeated ids among otherwise good rows: both rows kept, the later one suffixed. Compared as
    # stored (lower case), so 'SYR1' and 'syr1' never become two events sharing 'acled-syr1'.
    ids = distinct_ids(ids, checks, cols["event_id_cnty"], "event_id_cnty", key=ids.str.lower(), seen=carry.ids)
    country = country_codes(get("country"), get("iso") if "iso" in cols else None)
    location_all, admin1_all = get("location").str.strip(), get("admin1").str.strip()
    if no_coords.any():
        progress(0.65, f"Geocoding {int(no_coords.sum()):,} places without coordinates")
        # place texts of the rows without coordinates only (a few in a large export)
        rows_ = np.flatnonzero(no_coords)
        cand = pd.Series([()] * len(f), index=f.index, dtype=object)
        cand.iloc[rows_] = pd.Series([tuple(dict.fromkeys(x for x in t if x)) for t in zip(
            location_all.iloc[rows_].tolist(), get("admin3").iloc[rows_].str.strip().tolist(),
            get("admin2").iloc[rows_].str.strip().tolist(), admin1_all.iloc[rows_].tolist())], dtype=object).to_numpy()
        geo = geocode_missing(cand, country, no_coords & ~checks.bad, checks, cols["latitude"])
        got = ~np.isnan(geo["lat"])
        lat, lon = np.where(got, geo["lat"], lat), np.where(got, geo["lon"], lon)
        # Never more precise than either side says: the row's own geo_precision (when given) or
        # what the gazetteer matched (a town, a district, a province).
        stated = pd.to_numeric(gprec, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        code = np.where(np.isnan(stated), geo["precision"], np.fmax(stated, geo["precision"]))
        coarser = got & ~np.isnan(stated) & (stated > geo["precision"])
        gprec = gprec.where(~pd.Series(got, index=gprec.index), pd.Series(code, index=gprec.index))
        stated_radius = pd.Series(stated).map(vocab.PRECISION_RADIUS_KM).to_numpy(dtype=float, na_value=np.nan)
        geo_radius = np.where(coarser, np.fmax(stated_radius, geo["radius_km"]), geo["radius_km"])
    else:
        got = np.zeros(len(f), dtype=bool)
        geo_radius = np.full(len(f), np.nan)

    report.skipped = sorted(table.skipped + checks.skipped())
    report.notes = checks.noted()
    keep = ~checks.bad
    report.geocoded = int((got & keep).sum())
    if (unmapped & keep).any():
        report.other_types = {str(k): int(v) for k, v in (et_raw[unmapped & keep].str.strip()).value_counts().items()}
    progress(0.7, "Building events")
    k = lambda s: s[keep].reset_index(drop=True) if isinstance(s, pd.Series) else s[keep]  # noqa: E731
    day_k = k(day)
    tp = k(tprec).astype("str")
    start = day_k.copy()
    end = day_k.copy()
    week = (tp == "week").to_numpy()
    month = (tp == "month").to_numpy()
    start[week] = day_k[week] - pd.Timedelta(days=3)
    end[week] = day_k[week] + pd.Timedelta(days=3)
    start[month] = day_k[month].dt.to_period("M").dt.start_time.astype("datetime64[us]")
    end[month] = day_k[month].dt.to_period("M").dt.end_time.dt.normalize().astype("datetime64[us]")
    date_note = pd.Series(np.select(
        [week, month],
        ["ACLED time_precision 2: the source gives the week; ACLED codes its middle day",
         "ACLED time_precision 3: the source gives the month only"], ""), dtype="str")
    if {"date_start", "date_end"} <= set(cols):
        # A CSV this project exported carries the exact range (and its precision) beside ACLED's
        # columns: use it where it holds event_date, so such a file imports back unchanged.
        scratch = Checks(table)
        own_s = k(parse_dates(get("date_start"), cols["date_start"], scratch, [], order="dmy"))
        own_e = k(parse_dates(get("date_end"), cols["date_end"], scratch, [], order="dmy"))
        ok = (own_s.notna() & own_e.notna() & (own_s <= day_k) & (day_k <= own_e)).to_numpy()
        start[ok], end[ok] = own_s[ok], own_e[ok]
        if "date_precision" in cols:
            own_p = k(get("date_precision").str.strip())
            use = ok & own_p.isin(vocab.DATE_PRECISIONS).to_numpy()
            tp = tp.where(~pd.Series(use), own_p)

    # Actors.
    book = carry.book
    kinds1 = fast_map(get("inter1"), lambda v: vocab.ACLED_INTER_KINDS.get(v.strip().lower(), "other"))
    kinds2 = fast_map(get("inter2"), lambda v: vocab.ACLED_INTER_KINDS.get(v.strip().lower(), "other"))
    a1, a2 = k(get("actor1").str.strip()), k(get("actor2").str.strip())
    k1, k2 = k(kinds1), k(kinds2)
    assoc = {i: get(f"assoc_actor_{i}") if f"assoc_actor_{i}" in cols else get(f"ally_actor_{i}") for i in (1, 2)}
    as1, as2 = k(split_names(assoc[1], ";")), k(split_names(assoc[2], ";"))
    pairs = {}
    for names, kinds in ((a1, k1), (a2, k2)):
        for nm, kd in set(zip(names.tolist(), kinds.tolist())):
            if nm and nm not in pairs:
                pairs[nm] = kd
    for tuples in (as1, as2):
        for t in set(tuples.tolist()):
            for nm in t:
                pairs.setdefault(nm, "other")
    for nm, kd in pairs.items():
        book.resolve(nm, kd)
    ids_of = book.ids

    cache: dict[tuple, tuple] = {}  # once per distinct combination of the four actor fields

    def part(row):
        got = cache.get(row)
        if got is None:
            x1, t1, x2, t2 = row
            got = cache[row] = tuple(dict.fromkeys(ids_of[nm] for nm in (x1, *t1, x2, *t2) if nm))
        return got
    participants = pd.Series([part(r) for r in zip(a1.tolist(), as1.tolist(), a2.tolist(), as2.tolist())], dtype=object)

    src = k(split_names(get("source"), ";"))
    claimants = outlet_claimants(src, book, "ACLED")

    notes = k(get("notes"))
    location = k(location_all)
    admin1 = k(admin1_all)
    sub = k(get("sub_event_type").str.strip())
    ev_type_raw = k(get("event_type").str.strip())
    what = sub.where(sub != "", ev_type_raw)
    title = what + " in " + location.where(location != "", admin1.where(admin1 != "", "an unnamed place"))
    place_text = location.where(admin1 == "", location + ", " + admin1).str.strip(", ")
    summary = notes.where(notes.str.strip() != "", title)
    if carry.extra_as_columns:  # a streamed chunk: Arrow lists straight to the store
        excerpts = one_item_lists(notes)
    else:
        excerpts = pd.Series([(x,) if x.strip() else () for x in notes.tolist()], dtype=object)
    fat_k = k(fat)
    fat_text = k(fat_raw.str.strip())

    extra_cols = [h for kk, h in zip(table.keys, table.header) if kk not in MODELLED]
    extra = (extra_columns if carry.extra_as_columns else extra_records)(f[keep].reset_index(drop=True), extra_cols)
    progress(0.9, "Building tables")
    ev = {
        "id": "acled-" + k(ids.str.lower()),
        "title": title,
        "summary": summary,
        "event_type": k(etype),
        "date_start": start, "date_end": end, "date_precision": tp, "date_note": date_note,
        "place_text": place_text, "place_name": location,
        "lat": k(lat), "lon": k(lon), "precision": k(gprec),
        # geocoded rows: the gazetteer's radius for what it matched; ACLED's own code 1: a town's
        "radius_km": np.where(k(got), k(geo_radius),
                              np.where(k(gprec).to_numpy() == 1, ACLED_TOWN_RADIUS_KM, np.nan)),
        "admin1": admin1,
        "country": k(country),
        "fatalities_text": fat_text, "fatalities_best": fat_k,
        "search_text": lower_join(title, notes, place_text),
        "extra": extra,
        "status_reason": pd.Series([""] * int(keep.sum()), dtype="str"),
    }
    report.rows_loaded = int(keep.sum())
    ds = assemble(
        kind=FORMAT, name=name or fname, ev=ev, participants=participants, claimants=claimants,
        excerpts=excerpts, book=book, problems=skipped_problems(fname, report.skipped),
        claim_note="ACLED: claimant = first outlet in `source`; excerpt = `notes`.",
    )
    progress(1.0, report.summary())
    return ds, report
