"""The product's controlled vocabulary (../shared/DESIGN.md): one place for every code.

Everything else (schema, UI, importers, exports) imports these names instead of
spelling the strings again.
"""
from __future__ import annotations

# Claim stances. `acknowledges` (the party the event concerns accepts it) and `corroborates`
# (independent evidence supports it) replace the former `confirms`, which hid a standing denial
# behind a green "confirmed". The status rules themselves are in events/status.py.
STANCES = ("asserts", "denies", "counters", "acknowledges", "corroborates")
# Former stance -> the stances it was split into: the validator names them in its message.
RETIRED_STANCES = {"confirms": ("acknowledges", "corroborates")}
STATUSES = ("confirmed", "disputed", "denied", "claimed")
DEFAULT_STATUS = "claimed"
# How the status explanation words each stance ("denied by the Russian Defence Ministry").
STANCE_PARTICIPLES = {
    "acknowledges": "acknowledged",
    "corroborates": "corroborated",
    "counters": "countered",
    "denies": "denied",
    "asserts": "asserted",
}

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
STATUS_COLOURS = {
    "confirmed": "#009E73",  # bluish green
    "disputed": "#E69F00",   # orange
    "denied": "#D55E00",     # vermillion
    "claimed": "#0072B2",    # blue
}
STATUS_LABELS = {
    "confirmed": "Confirmed",
    "disputed": "Disputed",
    "denied": "Denied",
    "claimed": "Claimed",
}

ACTOR_KINDS = (
    "state_military",
    "government",
    "non_state_armed_group",
    "news_outlet",
    "ngo",
    "un_body",
    "monitor",
    "intelligence_service",
    "other",  # imports: an actor the dataset names but does not describe
)

# Location precision codes follow UCDP GED where_prec, so imports map one to one. As in GED, code 1
# also covers a town named as a whole; its radius then comes from the town's size, not the 1 km default.
PRECISION_RADIUS_KM = {1: 1.0, 2: 25.0, 3: 30.0, 4: 75.0, 5: 150.0, 6: 300.0, 7: 300.0}
PRECISION_LABELS = {
    1: "exact site, or a town as a whole",
    2: "near a named place",
    3: "district",
    4: "governorate / province",
    5: "part of a country, route or between places",
    6: "country only",
    7: "international waters or airspace",
}

DATE_PRECISIONS = ("day", "week", "month", "year")
DATE_BASES = ("stated", "publication", "inferred")

# Event types, with the ACLED event_type / sub_event_type they map to.
EVENT_TYPES = {
    "aircraft_loss": ("Strategic developments", "Other"),  # ACLED has no aircraft-loss type
    "air_strike": ("Explosions/Remote violence", "Air/drone strike"),
    "shelling": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "armed_clash": ("Battles", "Armed clash"),
    "attack_on_civilians": ("Violence against civilians", "Attack"),
    "casualty_report": ("Strategic developments", "Other"),
    "deployment": ("Strategic developments", "Change to group/activity"),
    "strategic_development": ("Strategic developments", "Other"),
    # an imported type none of ours fits: the original is kept in the event's `extra`
    "other": ("Strategic developments", "Other"),
}
OTHER_EVENT_TYPE = "other"
EVENT_TYPE_LABELS = {
    "aircraft_loss": "Aircraft loss",
    "air_strike": "Air or drone strike",
    "shelling": "Shelling or missile attack",
    "armed_clash": "Armed clash",
    "attack_on_civilians": "Attack on civilians or civilian sites",
    "casualty_report": "Casualty report",
    "deployment": "Force deployment or withdrawal",
    "strategic_development": "Other strategic development",
    "other": "Other (type as the source gives it)",
}

# ACLED's codes: time_precision (1 day, 2 week, 3 month) and geo_precision (1 the named place,
# 2 near it or part of a region, 3 a larger region such as a province) <-> ours.
ACLED_TIME_PRECISION = {1: "day", 2: "week", 3: "month"}
DATE_PRECISION_TO_ACLED = {"day": 1, "week": 2, "month": 3, "year": 3}  # ACLED has no year code
ACLED_GEO_PRECISION = {1: 1, 2: 2, 3: 4}  # ACLED geo_precision -> our precision code
PRECISION_TO_ACLED_GEO = {1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 3, 7: 3}

# ACLED -> ours, by sub_event_type first (lower case), then by event_type. Every event type of the
# three ACLED layouts is listed: the current one (2019 on), and the pre-2019 one whose types were
# folded into the current ones (its "Battle-..." types into Battles, "Remote violence" into
# Explosions/Remote violence, "Riots/Protests" into Protests and Riots, "Non-violent transfer of
# territory" and "Headquarters or base established" into Strategic developments' sub-types).
# A type not listed becomes OTHER_EVENT_TYPE, never a dropped row.
ACLED_SUB_EVENT_TYPES_IN = {
    "air/drone strike": "air_strike",
    "shelling/artillery/missile attack": "shelling",
    "change to group/activity": "deployment",
    "headquarters or base established": "deployment",
}
ACLED_EVENT_TYPES_IN = {
    "battles": "armed_clash",
    "explosions/remote violence": "shelling",
    "violence against civilians": "attack_on_civilians",
    "strategic developments": "strategic_development",
    "protests": "strategic_development",
    "riots": "strategic_development",
    # pre-2019
    "battle-no change of territory": "armed_clash",
    "battle-government regains territory": "armed_clash",
    "battle-non-state actor overtakes territory": "armed_clash",
    "headquarters or base established": "deployment",
    "non-violent transfer of territory": "strategic_development",
    "remote violence": "shelling",
    "riots/protests": "strategic_development",
    "strategic development": "strategic_development",
}
# ACLED's inter1/inter2 (a code before 2023, a label since) -> our actor kind.
ACLED_INTER_KINDS = {
    "1": "state_military", "2": "non_state_armed_group", "3": "non_state_armed_group",
    "4": "non_state_armed_group", "state forces": "state_military", "rebel group": "non_state_armed_group",
    "political militia": "non_state_armed_group", "identity militia": "non_state_armed_group",
}

# UCDP GED codes -> ours. where_prec 1..7 is our precision code one to one.
GED_WHERE_PREC = {i: i for i in range(1, 8)}
GED_DATE_PREC = {1: "day", 2: "week", 3: "week", 4: "month", 5: "year"}
GED_VIOLENCE = {1: "armed_clash", 2: "armed_clash", 3: "attack_on_civilians"}
GED_VIOLENCE_LABELS = {1: "state-based", 2: "non-state", 3: "one-sided"}
