"""ACLED CSV export -> Dataset.

Columns read (ACLED's published export layout, before and after its March 2023 change; header
case and spaces do not matter, so `EVENT_ID_CNTY` and `SOURCE SCALE` work too):
event_id_cnty, event_date, year, time_precision, disorder_type, event_type, sub_event_type,
actor1, assoc_actor_1, inter1, actor2, assoc_actor_2, inter2, interaction, civilian_targeting,
iso, region, country, admin1, admin2, admin3, location, latitude, longitude, geo_precision,
source, source_scale, notes, fatalities, tags, timestamp (and the older data_id,
event_id_no_cnty, iso3).

Required: event_id_cnty, event_date, time_precision, event_type, latitude, longitude,
geo_precision. A file without one of them is refused with an error naming it.

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
- **event_date** spellings: 2016-04-27, 2016-04-27 00:00:00, 27 April 2016, 27-April-2016,
  27-Apr-2016, April 27, 2016, 27/04/2016 (day/month or month/day decided from the file;
  dates that fit both with no evidence are reported as ambiguous and skipped).
- **event_type / sub_event_type** -> our type: Air/drone strike -> air_strike;
  Shelling/artillery/missile attack -> shelling; other Explosions/Remote violence (IED, suicide
  bomb, grenade, chemical weapon) -> shelling (our one remote-violence type besides air
  strikes); Battles -> armed_clash; Violence against civilians -> attack_on_civilians
  (civilian_targeting does not change the type: a shelling that hit civilians stays a shelling,
  and the column is kept in extra); Strategic developments / Change to group/activity and
  Headquarters or base established -> deployment; other Strategic developments, Protests and
  Riots -> strategic_development. Older exports' "Remote violence", "Battle-…",
  "Strategic development" and "Riots/Protests" map the same way. The original pair is kept in
  `extra` so nothing is lost.
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

from typing import Optional

import numpy as np
import pandas as pd

from .common import (
    ActorBook, Progress, blank, codes, coordinates, country_codes, extra_records, flag_duplicates, lower_join,
    no_progress, parse_dates, skipped_problems, split_names, start_import, value_reasons, whole_counts, assemble,
    fast_map, outlet_claimants,
)

FORMAT = "acled"
REQUIRED = ("event_id_cnty", "event_date", "time_precision", "event_type", "latitude", "longitude", "geo_precision")
KNOWN = (
    "data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year", "time_precision",
    "disorder_type", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2",
    "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp", "iso3",
)
# Columns whose content the model carries in full (everything else goes to `extra`).
MODELLED = ("event_date", "time_precision", "latitude", "longitude", "geo_precision", "location",
            "admin1", "notes", "fatalities")

GEO_PRECISION = {"1": 1, "2": 2, "3": 4}
# ACLED geo_precision 1 gives the named town's coordinates: the event is somewhere in that town.
# Code 1's default 1 km radius would draw a falsely exact pin (DESIGN.md: never one); 5 km covers
# most Syrian towns and the centre of a city. Looking each town up in the gazetteer would be
# closer but costs time at 100,000 rows; the place name is shown with the event either way.
ACLED_TOWN_RADIUS_KM = 5.0
TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
SUB_EVENT_TYPES = {
    "air/drone strike": "air_strike",
    "shelling/artillery/missile attack": "shelling",
    "change to group/activity": "deployment",
    "headquarters or base established": "deployment",
}
EVENT_TYPES = (  # (prefix of ACLED event_type, lower case) -> ours
    ("battle", "armed_clash"),
    ("explosions/remote violence", "shelling"),
    ("remote violence", "shelling"),
    ("violence against civilians", "attack_on_civilians"),
    ("strategic development", "strategic_development"),
    ("protest", "strategic_development"),
    ("riot", "strategic_development"),
)
INTER_KINDS = {"1": "state_military", "2": "non_state_armed_group", "3": "non_state_armed_group",
               "4": "non_state_armed_group", "state forces": "state_military",
               "rebel group": "non_state_armed_group", "political militia": "non_state_armed_group",
               "identity militia": "non_state_armed_group"}


def map_event_types(event_type: pd.Series, sub: pd.Series, civilian: Optional[pd.Series]) -> pd.Series:
    def one(pair: str):
        et, st = pair.split("\x1f")
        got = SUB_EVENT_TYPES.get(st.strip().lower())
        if got:
            return got
        et = et.strip().lower()
        for prefix, ours in EVENT_TYPES:
            if et.startswith(prefix):
                return ours
        return None
    return fast_map(event_type + "\x1f" + sub, one)


def import_acled(src, name: Optional[str] = None, progress: Progress = no_progress, registry=None):
    """Read an ACLED CSV export (path, bytes or file-like). Returns (Dataset, ImportReport).
    Raises ImportFailed only when the file as a whole is unusable (missing required columns)."""
    table, fname, cols, report, get, checks = start_import(src, progress, FORMAT, "ACLED", REQUIRED, KNOWN)
    f = table.frame
    progress(0.6, "Checking values")

    ids = get("event_id_cnty").str.strip()
    checks.flag(blank(ids), cols["event_id_cnty"], "event_id_cnty is empty")
    day = parse_dates(get("event_date"), cols["event_date"], checks, report.warnings)
    tprec = codes(f, cols["time_precision"], TIME_PRECISION, checks, "time_precision")
    gprec = codes(f, cols["geo_precision"], GEO_PRECISION, checks, "geo_precision")
    lat, lon = coordinates(f, cols["latitude"], cols["longitude"], checks)
    etype = map_event_types(get("event_type"), get("sub_event_type"),
                            get("civilian_targeting") if "civilian_targeting" in cols else None)
    checks.flag(blank(get("event_type")), cols["event_type"], "event_type is empty")
    checks.flag(~blank(get("event_type")) & etype.isna().to_numpy(), cols["event_type"],
                value_reasons(get("event_type"), "event_type {value} is not an ACLED event type"))
    fat_raw = get("fatalities")
    fat = whole_counts(fat_raw, cols.get("fatalities"), checks, "fatalities")
    # Duplicate ids among otherwise good rows: keep the first. Compared as stored (lower case),
    # so 'SYR1' and 'syr1' are one id, not two events that would share 'acled-syr1'.
    flag_duplicates(ids, checks, cols["event_id_cnty"], "event_id_cnty", key=ids.str.lower())

    report.skipped = sorted(table.skipped + checks.skipped())
    keep = ~checks.bad
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

    # Actors.
    book = ActorBook(registry)
    kinds1 = fast_map(get("inter1"), lambda v: INTER_KINDS.get(v.strip().lower(), "other"))
    kinds2 = fast_map(get("inter2"), lambda v: INTER_KINDS.get(v.strip().lower(), "other"))
    a1, a2 = k(get("actor1").str.strip()), k(get("actor2").str.strip())
    k1, k2 = k(kinds1), k(kinds2)
    as1, as2 = k(split_names(get("assoc_actor_1"), ";")), k(split_names(get("assoc_actor_2"), ";"))
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

    def part(row):
        x1, t1, x2, t2 = row
        seen: list[str] = []
        for nm in (x1, *t1, x2, *t2):
            if nm:
                aid = ids_of[nm]
                if aid not in seen:
                    seen.append(aid)
        return tuple(seen)
    participants = pd.Series([part(r) for r in zip(a1.tolist(), as1.tolist(), a2.tolist(), as2.tolist())], dtype=object)

    src = k(split_names(get("source"), ";"))
    claimants = outlet_claimants(src, book, "ACLED")

    notes = k(get("notes"))
    location = k(get("location").str.strip())
    admin1 = k(get("admin1").str.strip())
    sub = k(get("sub_event_type").str.strip())
    ev_type_raw = k(get("event_type").str.strip())
    what = sub.where(sub != "", ev_type_raw)
    title = what + " in " + location.where(location != "", admin1.where(admin1 != "", "an unnamed place"))
    place_text = location.where(admin1 == "", location + ", " + admin1).str.strip(", ")
    summary = notes.where(notes.str.strip() != "", title)
    excerpts = pd.Series([(x,) if x.strip() else () for x in notes.tolist()], dtype=object)
    fat_k = k(fat)
    fat_text = k(fat_raw.str.strip())

    extra_cols = [h for kk, h in zip(table.keys, table.header) if kk not in MODELLED]
    extra = extra_records(f[keep].reset_index(drop=True), extra_cols)
    progress(0.9, "Building tables")
    ev = {
        "id": "acled-" + k(ids.str.lower()),
        "title": title,
        "summary": summary,
        "event_type": k(etype),
        "date_start": start, "date_end": end, "date_precision": tp, "date_note": date_note,
        "place_text": place_text, "place_name": location,
        "lat": k(lat), "lon": k(lon), "precision": k(gprec),
        "radius_km": np.where(k(gprec).to_numpy() == 1, ACLED_TOWN_RADIUS_KM, np.nan),
        "admin1": admin1,
        "country": k(country_codes(get("country"), get("iso") if "iso" in cols else None)),
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
