"""The product's controlled vocabulary (../shared/DESIGN.md): one place for every code.

Everything else (schema, UI, importers, exports) imports these names instead of
spelling the strings again.
"""
from __future__ import annotations

# Claim stances, and the claim status derived from them (first rule that applies).
STANCES = ("asserts", "denies", "counters", "confirms")
STATUSES = ("confirmed", "disputed", "denied", "claimed")
STATUS_RULES = (("confirms", "confirmed"), ("counters", "disputed"), ("denies", "denied"))
DEFAULT_STATUS = "claimed"

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

# Location precision codes (UCDP GED where_prec) and their default radii are a geodata concept,
# defined in geodata.precision; re-exported here so that events code has one vocabulary module.
from geodata.precision import PRECISION_LABELS, PRECISION_RADIUS_KM  # noqa: E402,F401

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
}
EVENT_TYPE_LABELS = {
    "aircraft_loss": "Aircraft loss",
    "air_strike": "Air or drone strike",
    "shelling": "Shelling or missile attack",
    "armed_clash": "Armed clash",
    "attack_on_civilians": "Attack on civilians or civilian sites",
    "casualty_report": "Casualty report",
    "deployment": "Force deployment or withdrawal",
    "strategic_development": "Other strategic development",
}

# ACLED's codes: time_precision (1 day, 2 week, 3 month) and geo_precision (1 the named place,
# 2 near it or part of a region, 3 a larger region such as a province) <-> ours.
ACLED_TIME_PRECISION = {1: "day", 2: "week", 3: "month"}
DATE_PRECISION_TO_ACLED = {"day": 1, "week": 2, "month": 3, "year": 3}  # ACLED has no year code
ACLED_GEO_PRECISION = {1: 1, 2: 2, 3: 4}  # ACLED geo_precision -> our precision code
PRECISION_TO_ACLED_GEO = {1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 3, 7: 3}
