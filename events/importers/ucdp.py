"""UCDP GED CSV export -> Dataset.

Columns are read by name, never by position, so every GED release loads:
- 19.1 (41 columns): id, year, active_year, type_of_violence, conflict_new_id, conflict_name,
  dyad_new_id, dyad_name, side_a_new_id, side_a, side_b_new_id, gwnob, side_b, number_of_sources,
  source_article, source_office, source_date, source_headline, source_original, where_prec,
  where_coordinates, adm_1, adm_2, latitude, longitude, geom_wkt, priogrid_gid, country,
  country_id, region, event_clarity, date_prec, date_start, date_end, deaths_a, deaths_b,
  deaths_civilians, deaths_unknown, best, high, low (no relid, code_status, *_dset_id,
  where_description, gwnoa: the place text is then where_coordinates);
- 20.1 to 23.1 (49 columns): the above plus relid, code_status, conflict_dset_id, dyad_dset_id,
  side_a_dset_id, side_b_dset_id, where_description, gwnoa;
- later releases: any further column is kept in `extra` and listed in the report.
Quoted fields may hold line breaks. Required: id, type_of_violence, side_a, side_b, where_prec,
latitude, longitude, date_prec, date_start, date_end, best.

Values GED itself uses that look wrong but are data: number_of_sources = -1 (GED: the count was
not recorded) is kept as given, with one warning; low > best or best > high is kept as GED gives
it, with a note on the row.

Mappings (DESIGN.md):
- **where_prec** 1..7 -> our precision 1..7, one to one (our table is GED's). The code tables
  are vocab.GED_WHERE_PREC, GED_DATE_PREC, GED_VIOLENCE.
- **date_prec** -> date precision (GED codebook; the real sample agrees: 3 spans exactly 7
  days, 4 spans 8–31 days, 5 up to a year): 1 (exact day) -> day, 2 (a 2–6 day range) -> week,
  3 (a week) -> week, 4 (8–30 days, a month) -> month, 5 (within a year) -> year; the range
  is GED's own date_start..date_end
  (time of day dropped); date_end before date_start is a malformed row. Basis `stated`.
- **type_of_violence** 1 (state-based) and 2 (non-state) -> armed_clash; 3 (one-sided) ->
  attack_on_civilians.
- **actors**: side_a and side_b (a side listing several groups, "A, B, C", gives each) ->
  participants, resolved through aliases.yaml / the ActorRegistry ("Government of Syria" is
  the same actor as ACLED's "Military Forces of Syria (2000-)"). Kind: "Government of …" ->
  state_military (GED's sides are the parties' armed forces), "Civilians" -> other, the rest
  non_state_armed_group.
- **claim**: one per event. Claimant = the first outlet in source_office (';'-separated;
  every outlet named gets the claimant role, kind news_outlet), or UCDP GED itself when
  source_office is empty; stance `asserts` -> status `claimed`. Excerpts = source_headline,
  source_original and source_article, each verbatim, in that order, empty ones left out.
- **fatalities**: best/low/high -> fatalities_best = best, fatalities_text
  "best 12 (low 10, high 15)" (just "12" when all three agree).
- **adm_1**: Syria's GED governorate names become OCHA's (as in ACLED and our boundaries:
  "Hamah governorate" -> "Hama", "Idlib governorate" -> "Idleb"); elsewhere the " province" /
  " governorate" suffix is dropped. The original stays in extra.
- Everything else -> `extra` (the original columns, keyed by the file's header spelling).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from .. import vocab
from .actors import ActorBook, outlet_claimants, split_names
from .assemble import assemble, country_codes, extra_records, lower_join, skipped_problems
from .assemble import extra_columns
from .checks import SeenIds, blank, codes, coordinates, distinct_ids, start_import, whole_counts
from .dates import date_rules, parse_dates
from .reading import Table, column_map, read_table
from .report import Progress, no_progress
from .stream import Carry

FORMAT = "ucdp"
REQUIRED = ("id", "type_of_violence", "side_a", "side_b", "where_prec", "latitude", "longitude",
            "date_prec", "date_start", "date_end", "best")
KNOWN = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id",
    "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
    "source_article", "source_office", "source_date", "source_headline", "source_original",
    "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2", "latitude",
    "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region", "event_clarity",
    "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)
# Carried in full by the model; everything else goes to extra.
MODELLED = ("where_prec", "latitude", "longitude", "date_prec", "date_start", "date_end",
            "where_description", "source_headline", "source_original", "source_article", "best")
# The columns whose whole content decides something for every row (prepare).
WHOLE_FILE = ("id", "date_start", "date_end", "year", "number_of_sources")
SYRIA_ADM1 = {  # GED -> OCHA NAME_EN (../shared/data/syr_admin1_governorates.geojson)
    "aleppo": "Aleppo", "al hasakah": "Al-Hasakeh", "ar raqqah": "Ar-Raqqa", "as suwayda": "As-Sweida",
    "damascus": "Damascus", "daraa": "Dar'a", "dar'a": "Dar'a", "deir ez zor": "Deir-ez-Zor",
    "dayr az zawr": "Deir-ez-Zor", "hamah": "Hama", "hama": "Hama", "homs": "Homs", "hims": "Homs",
    "idlib": "Idleb", "latakia": "Lattakia", "al ladhiqiyah": "Lattakia", "quneitra": "Quneitra",
    "al qunaytirah": "Quneitra", "rif dimashq": "Rural Damascus", "tartus": "Tartous", "tartous": "Tartous",
}


def _admin1(adm: pd.Series, country: pd.Series) -> pd.Series:
    base = adm.str.strip().str.replace(r"\s+(governorate|province|region|state|district)$", "", regex=True, case=False)
    syr = base.str.lower().map(SYRIA_ADM1)
    return syr.where(syr.notna() & (country == "SY"), base).astype("str")


def _int_text(s: pd.Series) -> pd.Series:
    return pd.Series(["" if v != v else str(int(v)) for v in s.tolist()], index=s.index, dtype="str")


def import_ucdp(src, name: Optional[str] = None, progress: Progress = no_progress, registry=None,
                date_order: Optional[str] = None):
    """Read a UCDP GED CSV export (path, bytes or file-like). Returns (Dataset, ImportReport)."""
    progress(0.0, "Reading the file")
    table, fname = read_table(src, progress, 0.0, 0.55)
    return import_table(table, fname, name=name, progress=progress, registry=registry, date_order=date_order)


def _id_text(raw: pd.Series) -> pd.Series:
    return raw.str.strip().str.replace(r"\.0+$", "", regex=True)


def prepare(table: Table, date_order: Optional[str] = None, registry=None, extra_as_columns: bool = False) -> Carry:
    """What the whole file decides for every row (``table``: at least the WHOLE_FILE columns of
    every record): the order of numeric dates, the ids, the actor book, whole-file counts."""
    cols = column_map(table)
    f = table.frame

    def get(key: str) -> pd.Series:
        return f[cols[key]] if key in cols else pd.Series([""] * len(f), index=f.index, dtype="str")
    year = get("year") if "year" in cols else None
    start, warnings = date_rules(get("date_start"), cols["date_start"], year=year, year_col=cols.get("year"),
                                 order=date_order)
    end, more = date_rules(get("date_end"), cols["date_end"], order=date_order)
    warnings += more
    if "number_of_sources" in cols:
        unrecorded = int((_id_text(get("number_of_sources")) == "-1").sum())
        if unrecorded:
            warnings.append(f"number_of_sources is -1 (GED: not recorded) in {unrecorded:,} rows; "
                            "kept as given in the events' extra fields.")
    return Carry(dates={"date_start": start, "date_end": end}, ids=SeenIds(_id_text(get("id"))),
                 book=ActorBook(registry), warnings=warnings, extra_as_columns=extra_as_columns)


def import_table(table: Table, fname: str, name: Optional[str] = None, progress: Progress = no_progress,
                 registry=None, date_order: Optional[str] = None, carry: Optional[Carry] = None):
    """Import rows already read (a whole file, or one chunk of it with the ``carry`` that
    ``prepare`` made over the whole file). Returns (Dataset, ImportReport)."""
    table, fname, cols, report, get, checks = start_import(table, fname, FORMAT, "UCDP GED", REQUIRED, KNOWN)
    if carry is None:  # the table is the whole file
        carry = prepare(table, date_order, registry)
        report.warnings.extend(carry.warnings)
    f = table.frame
    progress(0.6, "Checking values")

    ids = _id_text(get("id"))
    checks.flag(blank(ids), cols["id"], "id is empty")
    year = get("year") if "year" in cols else None
    start = parse_dates(get("date_start"), cols["date_start"], checks, report.warnings,
                        year=year, year_col=cols.get("year"), rules=carry.dates["date_start"])
    end = parse_dates(get("date_end"), cols["date_end"], checks, report.warnings, rules=carry.dates["date_end"])
    checks.flag((end < start).fillna(False).to_numpy(dtype=bool), cols["date_end"], lambda idx: [
        f"date_end {end.iloc[i].date()} is before date_start {start.iloc[i].date()}" for i in idx])
    dprec = codes(f, cols["date_prec"], vocab.GED_DATE_PREC, checks, "date_prec")
    wprec = codes(f, cols["where_prec"], vocab.GED_WHERE_PREC, checks, "where_prec")
    vtype = codes(f, cols["type_of_violence"], vocab.GED_VIOLENCE, checks, "type_of_violence")
    lat, lon, _ = coordinates(f, cols["latitude"], cols["longitude"], checks)
    deaths = {c: whole_counts(get(c), cols.get(c), checks, c) for c in ("best", "low", "high")}
    for lo, hi in (("low", "best"), ("best", "high")):
        if lo in cols and hi in cols:
            inverted = (deaths[lo] > deaths[hi]).fillna(False).to_numpy(dtype=bool)
            checks.note(inverted, cols[lo], lambda idx, lo=lo, hi=hi: [
                f"{lo} {int(deaths[lo].iloc[i])} is above {hi} {int(deaths[hi].iloc[i])}: kept as GED gives them"
                for i in idx])
    checks.flag(blank(get("best")), cols["best"], "best is empty")
    for c in ("side_a", "side_b"):
        checks.flag(blank(get(c)), cols[c], f"{c} is empty")
    ids = distinct_ids(ids, checks, cols["id"], "id", seen=carry.ids)

    report.skipped = sorted(table.skipped + checks.skipped())
    report.notes = checks.noted()
    keep = ~checks.bad
    n = int(keep.sum())
    progress(0.7, "Building events")
    k = lambda s: s[keep].reset_index(drop=True) if isinstance(s, pd.Series) else s[keep]  # noqa: E731

    country = k(country_codes(get("country")))
    book = carry.book
    side_a, side_b = k(split_names(get("side_a"), ",")), k(split_names(get("side_b"), ","))

    def kind(nm: str) -> str:
        low = nm.lower()
        if low.startswith("government of"):
            return "state_military"
        if low.startswith("civilians"):
            return "other"
        return "non_state_armed_group"
    for tuples in (side_a, side_b):
        for t in set(tuples.tolist()):
            for nm in t:
                if nm not in book.ids:
                    book.resolve(nm, kind(nm))
    ids_of = book.ids
    participants = pd.Series([tuple(dict.fromkeys(ids_of[x] for x in (*a, *b)))
                              for a, b in zip(side_a.tolist(), side_b.tolist())], dtype=object)

    offices = k(split_names(get("source_office"), ";"))
    claimants = outlet_claimants(offices, book, "UCDP GED")

    headline, original, article = k(get("source_headline")), k(get("source_original")), k(get("source_article"))
    excerpts = pd.Series([tuple(x for x in trio if x.strip())
                          for trio in zip(headline.tolist(), original.tolist(), article.tolist())], dtype=object)

    best, low, high = k(deaths["best"]), k(deaths["low"]), k(deaths["high"])
    bt, lt, ht = _int_text(best), _int_text(low), _int_text(high)
    same = ((lt == "") | (lt == bt)) & ((ht == "") | (ht == bt))
    fat_text = bt.where(same, "best " + bt + " (low " + lt.where(lt != "", "?") + ", high " + ht.where(ht != "", "?") + ")")

    vt = k(vtype).astype("str")
    vraw = k(get("type_of_violence").str.strip().str.replace(r"\.0+$", "", regex=True))
    place_name = k(get("where_coordinates").str.strip())
    where_desc = k(get("where_description").str.strip())
    place_text = where_desc.where(where_desc != "", place_name)
    dyad = k(get("dyad_name").str.strip())
    sides = pd.Series([" – ".join(x for x in (", ".join(a), ", ".join(b)) if x)
                       for a, b in zip(side_a.tolist(), side_b.tolist())], dtype="str")
    title = vt.map(vocab.EVENT_TYPE_LABELS).astype("str") + ": " + sides + (", " + place_name).where(place_name != "", "")
    summary = ("UCDP GED " + vraw.map({str(k): v for k, v in vocab.GED_VIOLENCE_LABELS.items()}).fillna("") + " violence, " + dyad.where(dyad != "", sides)
               + ". Place: " + place_text + ". Deaths: " + fat_text + ".")
    dp = k(dprec).astype("str")
    date_note = pd.Series(np.where(dp.to_numpy() == "day", "", "UCDP GED date_prec " + k(get("date_prec").str.strip()).to_numpy(dtype=object)), dtype="str")

    extra_cols = [h for kk, h in zip(table.keys, table.header) if kk not in MODELLED]
    extra = (extra_columns if carry.extra_as_columns else extra_records)(f[keep].reset_index(drop=True), extra_cols)
    progress(0.9, "Building tables")
    ev = {
        "id": "ged-" + k(ids),
        "title": title,
        "summary": summary,
        "event_type": vt,
        "date_start": k(start).dt.normalize(), "date_end": k(end).dt.normalize(),
        "date_precision": dp, "date_note": date_note,
        "place_text": place_text, "place_name": place_name,
        "lat": k(lat), "lon": k(lon), "precision": k(wprec),
        "admin1": _admin1(k(get("adm_1")), country),
        "country": country,
        "fatalities_text": fat_text, "fatalities_best": best,
        "search_text": lower_join(title, summary, headline, original, article),
        "extra": extra,
    }
    report.rows_loaded = n
    ds = assemble(
        kind=FORMAT, name=name or fname, ev=ev, participants=participants, claimants=claimants,
        excerpts=excerpts, book=book, problems=skipped_problems(fname, report.skipped),
        claim_note="UCDP GED: claimant = first outlet in `source_office`; excerpts = "
                   "`source_headline`, `source_original`, `source_article`.",
    )
    progress(1.0, report.summary())
    return ds, report
