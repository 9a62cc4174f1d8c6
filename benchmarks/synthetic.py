"""A deterministic synthetic ACLED-shaped export of Syrian events, for the scale benchmark and
tests. Seeded; realistic in shape, not in content:

- places: ~40 real Syrian towns (coordinates from GeoNames, rounded) weighted by population,
  each with satellite villages (normal spread, 0.12° ≈ 13 km) that keep fixed coordinates, as
  ACLED's locations do, so many events share one position;
- dates 2013-01-01 .. 2023-12-31, denser in 2013–2017, ISO spelling (ACLED's current one) with
  a few "27 April 2016" ones;
- ACLED's 31-column layout, event types in roughly Syria's proportions (shelling and air
  strikes first), actors, sources, notes and fatalities.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np

COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
)

# name, lat, lon, population (thousands), admin1 (OCHA/ACLED spelling)
TOWNS = (
    ("Aleppo", 36.2021, 37.1343, 2100, "Aleppo"), ("Damascus", 33.5138, 36.2765, 1700, "Damascus"),
    ("Homs", 34.7324, 36.7137, 800, "Homs"), ("Hama", 35.1318, 36.7578, 700, "Hama"),
    ("Latakia", 35.5317, 35.7901, 450, "Lattakia"), ("Deir ez Zor", 35.3359, 40.1408, 250, "Deir-ez-Zor"),
    ("Ar Raqqa", 35.9594, 39.0078, 220, "Ar-Raqqa"), ("Idleb", 35.9306, 36.6339, 165, "Idleb"),
    ("Duma", 33.5711, 36.4026, 110, "Rural Damascus"), ("Al Hasakeh", 36.5024, 40.7477, 190, "Al-Hasakeh"),
    ("Qamishli", 37.0522, 41.2231, 180, "Al-Hasakeh"), ("Dara", 32.6189, 36.1021, 100, "Dar'a"),
    ("Tartous", 34.889, 35.8866, 115, "Tartous"), ("Menbij", 36.5281, 37.9549, 100, "Aleppo"),
    ("Al Bab", 36.3705, 37.5157, 65, "Aleppo"), ("Maarrat An Nu'man", 35.6476, 36.6747, 60, "Idleb"),
    ("Jisr Ash-Shugur", 35.8118, 36.3187, 45, "Idleb"), ("Saraqab", 35.8646, 36.8006, 35, "Idleb"),
    ("Tadmor", 34.556, 38.267, 50, "Homs"), ("Al Mayadin", 35.0192, 40.453, 45, "Deir-ez-Zor"),
    ("Abu Kamal", 34.45, 40.9186, 50, "Deir-ez-Zor"), ("Azaz", 36.5866, 37.0463, 35, "Aleppo"),
    ("Afrin", 36.5119, 36.8695, 40, "Aleppo"), ("Ain al Arab", 36.891, 38.3536, 45, "Aleppo"),
    ("Tell Abiad", 36.6975, 38.9567, 15, "Ar-Raqqa"), ("Ras al Ain", 36.8503, 40.0706, 30, "Al-Hasakeh"),
    ("As-Sweida", 32.709, 36.5695, 75, "As-Sweida"), ("Quneitra", 33.1256, 35.8244, 5, "Quneitra"),
    ("Ar-Rastan", 34.9267, 36.7324, 50, "Homs"), ("Al Qusayr", 34.5092, 36.5797, 30, "Homs"),
    ("Az-Zabdani", 33.7247, 36.0969, 25, "Rural Damascus"), ("Darayya", 33.4581, 36.2356, 80, "Rural Damascus"),
    ("Harasta", 33.5586, 36.365, 40, "Rural Damascus"), ("Khan Shaykun", 35.4414, 36.6511, 35, "Idleb"),
    ("As-Salamiyeh", 35.0113, 37.0532, 65, "Hama"), ("Al Latamneh", 35.3206, 36.6233, 15, "Hama"),
    ("Jablah", 35.3614, 35.9256, 65, "Lattakia"), ("Busra Esh-Sham", 32.5178, 36.4816, 20, "Dar'a"),
)
EVENT_TYPES = (  # (event_type, sub_event_type, disorder_type, weight)
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", "Political violence", 34),
    ("Explosions/Remote violence", "Air/drone strike", "Political violence", 22),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", "Political violence", 5),
    ("Battles", "Armed clash", "Political violence", 20),
    ("Battles", "Government regains territory", "Political violence", 2),
    ("Violence against civilians", "Attack", "Political violence", 7),
    ("Violence against civilians", "Abduction/forced disappearance", "Political violence", 2),
    ("Strategic developments", "Change to group/activity", "Strategic developments", 3),
    ("Strategic developments", "Looting/property destruction", "Strategic developments", 2),
    ("Protests", "Peaceful protest", "Demonstrations", 3),
)
ACTORS = (  # name, inter code
    ("Military Forces of Syria (2000-)", "1"), ("Military Forces of Russia (2000-)", "8"),
    ("Islamic State (Syria)", "2"), ("HTS: Hayat Tahrir al Sham", "2"), ("SDF: Syrian Democratic Forces", "2"),
    ("Opposition Rebels (Syria)", "2"), ("Military Forces of Turkey (2016-)", "8"),
    ("NDF: National Defence Forces", "3"), ("Hezbollah", "8"), ("Unidentified Armed Group (Syria)", "3"),
    ("Military Forces of Israel (2009-2021)", "8"), ("Ahrar al Sham", "2"), ("Jaish al Islam", "2"),
)
ACTOR_W = (30, 8, 10, 8, 7, 12, 4, 4, 3, 6, 1, 4, 3)
SOURCES = ("SOHR", "Syrian Arab News Agency", "Step News Agency", "Smart News Agency", "Qasioun News Agency",
           "Enab Baladi", "Syria Direct", "Liveuamap", "North Press Agency", "Deir Ezzor 24")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def synthetic_acled(n: int, seed: int = 20240501, villages: int = 6000, real_words: int = 0) -> bytes:
    """`n` events as an ACLED CSV export (UTF-8 bytes). `real_words`: that many words of real data
    appended to each event's notes (`real_word_texts`), for a realistic vocabulary."""
    rng = np.random.default_rng(seed)
    towns = np.array([(t[1], t[2]) for t in TOWNS])
    w = np.array([t[3] for t in TOWNS], dtype=float) ** 0.8
    w /= w.sum()
    # Villages: fixed places around the towns; the town itself is village 0..len(TOWNS)-1.
    v_town = np.r_[np.arange(len(TOWNS)), rng.choice(len(TOWNS), size=villages, p=w)]
    v_lat = np.r_[towns[:, 0], towns[v_town[len(TOWNS):], 0] + rng.normal(0, 0.12, villages)].round(4)
    v_lon = np.r_[towns[:, 1], towns[v_town[len(TOWNS):], 1] + rng.normal(0, 0.12, villages)].round(4)
    v_w = np.r_[np.full(len(TOWNS), 40.0) * w * len(TOWNS), rng.pareto(1.5, villages) + 0.2]
    v_w /= v_w.sum()
    place = rng.choice(len(v_lat), size=n, p=v_w)
    # Dates: 2013-2023, yearly intensity.
    year_w = np.array([14, 15, 15, 14, 12, 9, 7, 5, 4, 3, 2], dtype=float)
    year = 2013 + rng.choice(11, size=n, p=year_w / year_w.sum())
    day_of_year = rng.integers(0, 365, size=n)
    base = np.array([(dt.date(y, 1, 1) - dt.date(1970, 1, 1)).days for y in range(2013, 2024)])
    days = base[year - 2013] + day_of_year
    tprec = rng.choice(["1", "2", "3"], size=n, p=[0.86, 0.1, 0.04])
    gprec = rng.choice(["1", "2", "3"], size=n, p=[0.72, 0.22, 0.06])
    et = rng.choice(len(EVENT_TYPES), size=n, p=np.array([e[3] for e in EVENT_TYPES]) / sum(e[3] for e in EVENT_TYPES))
    aw = np.array(ACTOR_W, dtype=float) / sum(ACTOR_W)
    a1 = rng.choice(len(ACTORS), size=n, p=aw)
    a2 = rng.choice(len(ACTORS) + 1, size=n)  # last = none / civilians
    fat = np.where(rng.random(n) < 0.55, 0, rng.geometric(0.25, size=n))
    src1 = rng.integers(0, len(SOURCES), size=n)
    src2 = rng.integers(-6, len(SOURCES), size=n)  # negative: one source only
    ids = rng.permutation(np.arange(100000, 100000 + n * 3))[:n]
    extra = real_word_texts(n, real_words) if real_words else None
    out = io.StringIO()
    wr = csv.writer(out, lineterminator="\n")
    wr.writerow(COLUMNS)
    epoch = dt.date(1970, 1, 1)
    for i in range(n):
        d = epoch + dt.timedelta(days=int(days[i]))
        date_s = d.isoformat() if i % 10 else f"{d.day} {MONTHS[d.month - 1]} {d.year}"
        e_type, sub, disorder, _ = EVENT_TYPES[et[i]]
        v = place[i]
        town = TOWNS[v_town[v]]
        loc_name = town[0] if v < len(TOWNS) else f"{town[0]} village {v}"
        actor1, inter1 = ACTORS[a1[i]]
        if a2[i] < len(ACTORS) and a2[i] != a1[i] and e_type == "Battles":
            actor2, inter2 = ACTORS[a2[i]]
        elif e_type == "Violence against civilians" or (e_type.startswith("Explosions") and a2[i] % 3 == 0):
            actor2, inter2 = "Civilians (Syria)", "7"
        else:
            actor2, inter2 = "", "0"
        civ = "Civilian targeting" if actor2.startswith("Civilians") else ""
        sources = SOURCES[src1[i]] + (f"; {SOURCES[src2[i]]}" if src2[i] >= 0 and src2[i] != src1[i] else "")
        notes = (f"On {d.day} {MONTHS[d.month - 1]} {d.year}, {actor1} {sub.lower()} in {loc_name} "
                 f"({town[4]}). {int(fat[i])} fatalities reported.")
        if extra is not None:
            notes += " " + extra[i]
        wr.writerow((
            f"SYR{ids[i]}", date_s, d.year, tprec[i], disorder, e_type, sub, actor1, "", inter1, actor2, "",
            inter2, f"{inter1}{inter2}", civ, "760", "Middle East", "Syria", town[4], "", "", loc_name,
            f"{v_lat[v]:.4f}", f"{v_lon[v]:.4f}", gprec[i], sources, "National-International", notes,
            int(fat[i]), "", 1700000000 + i,
        ))
    return out.getvalue().encode("utf-8")


def real_word_texts(n: int, per: int, seed: int = 7) -> list[str]:
    """`n` texts of `per` words drawn (Zipf, s=1.15, over a shuffled vocabulary) from the words of
    data no one here wrote: the UCDP GED sample's text columns and every name in
    ../shared/data/gazetteer (English, Arabic and other spellings), plus the numbers 0-99,999; 15 %
    of the words carry a comma, a full stop or brackets, as ACLED notes do. A vocabulary of ~160,000
    words (~440,000 with the punctuated forms) and a long tail, unlike the templated notes above:
    for the word index (events/wordindex.py) and the import at a realistic vocabulary."""
    import csv
    import re

    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    words: set[str] = set()

    def add(text: str) -> None:
        words.update(w for w in re.split(r"\s+", (text or "").lower()) if w)
    with open(shared / "ucdp_ged231_sample1000.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            for c in ("source_article", "source_headline", "source_original", "where_description", "dyad_name",
                      "adm_1", "adm_2", "side_a", "side_b", "conflict_name"):
                add(r[c])
    for name in ("ocha_communities", "ocha_neighbourhoods", "opensyria_admin", "wof_localities"):
        with open(shared / "gazetteer" / f"{name}.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                for c, v in r.items():
                    if c and ("name" in c or c.endswith(("_en", "_ar"))):
                        add((v or "").replace("|", " ").replace(";", " "))
    words |= {str(i) for i in range(100_000)}
    vocab = np.array(sorted(words), dtype=object)
    rng = np.random.default_rng(seed)
    rng.shuffle(vocab)
    v = len(vocab)
    forms = np.concatenate([vocab, vocab + ",", vocab + ".", "(" + vocab + ")"])
    ranks = np.minimum(rng.zipf(1.15, size=n * per) - 1, v - 1)
    form = rng.choice(4, size=n * per, p=[0.85, 0.05, 0.05, 0.05])
    toks = forms[ranks + v * form]
    return [" ".join(toks[i * per:(i + 1) * per]) for i in range(n)]
