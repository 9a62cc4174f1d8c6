"""Curate page (local only, CONFLICT_MAP_CURATE=1): archive an article, accept proposed claims,
places, dates and tolls, build the event, see the problems and the diff, save.

A thin view: extraction, validation, YAML and writing are in events/curate/ (no Streamlit).
The page exists only when curation is on (pages/ui/shell.py registers it then), and checks
again here; the write functions refuse on their own when it is off.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

from events import curate, vocab
from events.curate import draft, extract
from events.load import DEFAULT_DATA_DIR, read_data_dir
from pages.ui import shell
from pages.ui.mapview import layers as map_layers
from pages.ui.datasets import curated_dir
from pages.ui.html_safe import md

shell.page_view()

S = st.session_state
NEW = "__new__"
STANCES = list(vocab.STANCES)


def data_dir() -> Path:
    return Path(curated_dir() or DEFAULT_DATA_DIR)


def _init() -> None:
    S.setdefault("cur_claims", [])  # list of uids; each claim's values live in its widgets
    S.setdefault("cur_tolls", [])
    S.setdefault("cur_new_actors", [])
    S.setdefault("cur_editing", None)
    S.setdefault("cur_proposals", None)
    S.setdefault("cur_saved", None)
    for k in ("cur_src_published", "cur_d_start", "cur_d_end"):  # date fields start empty
        S.setdefault(k, None)


def _new_uid() -> str:
    n = S.get("cur_uid_next", 0)
    S["cur_uid_next"] = n + 1
    return f"c{n}"


def _add_claim(claim: dict) -> None:
    uid = _new_uid()
    S["cur_claims"].append(uid)
    S[f"cur_cl_{uid}_id"] = claim.get("id", "")
    S[f"cur_cl_{uid}_claimant"] = claim.get("claimant")
    S[f"cur_cl_{uid}_stance"] = claim.get("stance", "asserts")
    S[f"cur_cl_{uid}_source"] = claim.get("source")
    S[f"cur_cl_{uid}_via"] = list(claim.get("via") or [])
    S[f"cur_cl_{uid}_excerpts"] = "\n\n".join(claim.get("excerpts") or [])
    S[f"cur_cl_{uid}_note"] = claim.get("note", "")
    S[f"cur_cl_{uid}_extra"] = {k: claim[k] for k in ("place", "date", "fatalities") if claim.get(k)}


def _set_place(place: dict) -> None:
    S["cur_pl_text"] = str(place.get("text", ""))
    for k in draft.PLACE_FIELDS:
        v = place.get(k)
        S[f"cur_pl_{k}"] = "" if v is None else str(v)
    S["cur_pl_pinned"] = bool(place.get("pinned", False))
    S["cur_pl_note"] = str(place.get("note", ""))


def _set_date(d: dict) -> None:
    S["cur_d_start"] = d.get("start")
    S["cur_d_end"] = d.get("end") or d.get("start")
    S["cur_d_precision"] = d.get("precision", "day")
    S["cur_d_basis"] = d.get("basis", "inferred")
    S["cur_d_note"] = str(d.get("note", ""))


def _open_event(event_id: str) -> None:
    ev = draft.open_event(data_dir(), event_id)
    for uid in list(S["cur_claims"]):
        _remove_claim(uid)
    S["cur_editing"] = event_id
    S["cur_ev_id"] = ev.get("id", "")
    S["cur_ev_title"] = ev.get("title", "")
    S["cur_ev_summary"] = ev.get("summary", "")
    S["cur_ev_type"] = ev.get("event_type")
    S["cur_ev_participants"] = list(ev.get("participants") or [])
    S["cur_ev_note"] = ev.get("note", "")
    S["cur_ev_keep"] = {k: ev[k] for k in ("status_override",) if k in ev}
    _set_date(ev.get("date") or {})
    _set_place(ev.get("place") or {})
    S["cur_tolls"] = list(ev.get("fatalities") or [])
    for c in ev.get("claims") or []:
        _add_claim(c)
    srcs = [c.get("source") for c in ev.get("claims") or [] if c.get("source")]
    if srcs:
        S["cur_src_choice"] = srcs[0]
    S["cur_proposals"] = None


def _remove_claim(uid: str) -> None:
    if uid in S["cur_claims"]:
        S["cur_claims"].remove(uid)
    for k in [k for k in S if str(k).startswith(f"cur_cl_{uid}_")]:
        del S[k]


def _add_excerpt(uid: str) -> None:
    add = S.get(f"cur_cl_{uid}_addsent") or ""
    if add:
        S[f"cur_cl_{uid}_excerpts"] = ((S.get(f"cur_cl_{uid}_excerpts") or "").rstrip() + "\n\n" + add).strip()
        S[f"cur_cl_{uid}_addsent"] = ""


def _pin(lat: float, lon: float) -> None:
    S["cur_pl_lat"], S["cur_pl_lon"] = f"{lat:.5f}", f"{lon:.5f}"
    S["cur_pl_pinned"] = True
    S["cur_pl_gazetteer_id"] = ""
    S["cur_pl_precision"] = S.get("cur_pl_precision") or "1"
    S["cur_pl_note"] = S.get("cur_pl_note") or "Pinned by hand on the Curate page's map: say why."


def _new_form() -> None:
    for k in [k for k in S if str(k).startswith("cur_")]:
        del S[k]


# ----------------------------------------------------------------------------- the page

st.subheader("Curate")
if not curate.enabled():
    # Unreachable through navigation (the page is registered only when curation is on).
    st.error("Curation is off. Start the app locally with CONFLICT_MAP_CURATE=1 to add or edit events.")
else:
    _init()
    root = data_dir()
    rd = read_data_dir(root)
    actors = {a.id: a for a in rd.actors}
    for a in S["cur_new_actors"]:
        actors.setdefault(a["id"], type("A", (), {"id": a["id"], "name": a["name"], "kind": a["kind"],
                                                   "aliases": a.get("aliases", [])})())

    def actor_label(aid: str) -> str:
        a = actors.get(aid)
        if a is None:
            return f"{aid} (unknown)"
        aliases = list(getattr(a, "aliases", []) or [])
        extra = f" — also {', '.join(aliases[:3])}{'…' if len(aliases) > 3 else ''}" if aliases else ""
        return f"{a.name} [{aid}]{extra}"

    st.caption(f"Writes only to the curated data folder: {md(str(root))}. Every Save is validated with the "
               "same rules as `python -m events validate`, shows its diff first, and writes each file "
               "atomically.")

    top = st.columns([3, 1, 1])
    existing = draft.event_ids(root)
    pick = top[0].selectbox("Open an existing event to edit it", [""] + existing, key="cur_open_pick",
                            format_func=lambda x: x or "— a new event —")
    top[1].button("Open", key="cur_open", disabled=not pick, on_click=lambda: _open_event(S["cur_open_pick"]),
                  width="stretch")
    top[2].button("New event", key="cur_new", on_click=_new_form, width="stretch")
    if S.get("cur_editing"):
        st.info(f"Editing {md(S['cur_editing'])}: Save replaces events/{md(S['cur_editing'])}.yaml.")

    # ---- 1. the source -------------------------------------------------------------------
    st.markdown("#### 1. Source")
    src_ids = sorted(rd.sources)
    choice = st.selectbox("Archived source", [NEW] + src_ids, key="cur_src_choice",
                          format_func=lambda s: "A new source: paste or upload the article" if s == NEW else s)
    new_source: dict | None = None
    if choice == NEW:
        up = st.file_uploader("Upload the article (.txt or .html)", type=["txt", "html", "htm"], key="cur_upload")
        if up is not None and S.get("cur_upload_seen") != (up.name, up.size):
            raw = up.getvalue().decode("utf-8", "replace")
            S["cur_src_text"] = extract.main_text(raw, up.name)
            S["cur_upload_seen"] = (up.name, up.size)
        text = st.text_area("Article text (paste it here; trim page chrome and appeals: this is what is archived)",
                            key="cur_src_text", height=220)
        c = st.columns(3)
        outlet = c[0].selectbox("Outlet", [""] + sorted(actors), key="cur_src_outlet", format_func=lambda a: actor_label(a) if a else "—")
        title = c[1].text_input("Title", key="cur_src_title")
        published = c[2].date_input("Published", key="cur_src_published", min_value=dt.date(1900, 1, 1),
                                    max_value=dt.date.today())
        c = st.columns(3)
        pprec = c[0].selectbox("Date precision", list(vocab.DATE_PRECISIONS), key="cur_src_prec")
        pbasis = c[1].selectbox("Date basis", list(vocab.DATE_BASES), key="cur_src_basis")
        url = c[2].text_input("Address (URL)", key="cur_src_url")
        pnote = st.text_input("Publication-date note (how the date is known)", key="cur_src_pnote")
        agencies = st.multiselect("Cited agencies (the reporting chain)", sorted(actors), key="cur_src_agencies",
                                  format_func=actor_label)
        suggested = draft.source_id_for(outlet, published, title)
        sid = st.text_input("Source id", key="cur_src_id", placeholder=suggested) or suggested
        new_source = {"id": sid, "outlet": outlet, "title": title, "published": published,
                      "published_precision": pprec, "published_basis": pbasis, "published_note": pnote,
                      "agencies": agencies, "url": url or None, "note": "Archived in the app's Curate page."}
        source_id, source_text, pub_date = sid, text, published
    else:
        rec = rd.sources[choice]
        source_id, source_text, pub_date = choice, rec.text, rec.meta.published
        outlet = rec.meta.outlet
        st.caption(f"{md(actor_label(rec.meta.outlet))} · {rec.meta.published} · {md(rec.meta.title)}")

    with st.expander("New actor (when a claimant or outlet is not in the list)"):
        c = st.columns([2, 2, 2, 3])
        na_name = c[0].text_input("Name", key="cur_na_name")
        na_id = c[1].text_input("Id", key="cur_na_id", placeholder=draft.slugify(na_name))
        na_kind = c[2].selectbox("Kind", list(vocab.ACTOR_KINDS), key="cur_na_kind")
        na_aliases = c[3].text_input("Aliases (comma-separated)", key="cur_na_aliases")
        if st.button("Add actor", key="cur_na_add", disabled=not na_name.strip()):
            S["cur_new_actors"].append({"id": na_id.strip() or draft.slugify(na_name), "name": na_name.strip(),
                                        "kind": na_kind,
                                        "aliases": [a.strip() for a in na_aliases.split(",") if a.strip()]})
            st.rerun()
        for a in S["cur_new_actors"]:
            st.caption(f"New actor: {md(a['name'])} [{md(a['id'])}], {md(a['kind'])}")

    # ---- 2. proposals --------------------------------------------------------------------
    st.markdown("#### 2. Proposals from the text")
    if st.button("Propose claims, places, dates and tolls", key="cur_propose", disabled=not (source_text or "").strip(),
                 type="primary"):
        finder = extract.ActorFinder(list(actors.values()))
        base = pub_date or dt.date.today()
        S["cur_proposals"] = {
            "claims": extract.propose_claims(source_text, finder, outlet or None),
            "places": extract.propose_places(source_text, actors=finder),
            "dates": extract.propose_dates(source_text, base),
            "tolls": extract.propose_tolls(source_text),
            "source": source_id,
        }
    props = S.get("cur_proposals")
    if props:
        tabs = st.tabs([f"Claims ({len(props['claims'])})", f"Places ({len(props['places'])})",
                        f"Dates ({len(props['dates'])})", f"Tolls ({len(props['tolls'])})"])
        with tabs[0]:
            for i, p in enumerate(props["claims"]):
                c = st.columns([5, 1])
                c[0].markdown(f"**{md(getattr(actors.get(p.claimant), 'name', p.claimant))}** · *{md(p.stance)}*"
                              f"{' · via ' + md(', '.join(p.via)) if p.via else ''}  \n> {md(p.sentence)}")
                c[0].caption(md(p.why))
                c[1].button("Accept", key=f"cur_acc_claim_{i}", on_click=lambda p=p: _add_claim(
                    draft.claim_from_proposal(p, source_id, [S.get(f"cur_cl_{u}_id") for u in S["cur_claims"]])))
        with tabs[1]:
            for i, p in enumerate(props["places"]):
                r = p.result
                cands = draft.place_candidates(r)
                c = st.columns([5, 1])
                c[0].markdown(f"**{md(p.words)}** → {md(r.get('name'))} ({md(r.get('gazetteer_id'))}), "
                              f"governorate {md(r.get('admin1') or '—')}, precision {r.get('precision')}, "
                              f"±{r.get('radius_km')} km  \n> {md(p.sentence)}")
                j = c[0].selectbox("Candidate", range(len(cands)), key=f"cur_cand_{i}",
                                   format_func=lambda j, cands=cands: (
                                       f"{cands[j].get('name')} — {cands[j].get('admin1') or '—'}, "
                                       f"{cands[j].get('country') or '?'} ({cands[j].get('gazetteer_id')})"))
                c[1].button("Use as the event's place", key=f"cur_acc_place_{i}",
                            on_click=lambda p=p, cands=cands, i=i: _set_place(
                                draft.place_from_result(cands[S.get(f"cur_cand_{i}") or 0], p.words)))
        with tabs[2]:
            for i, d in enumerate(props["dates"]):
                c = st.columns([5, 1])
                c[0].markdown(f"**{md(d.words)}** → {d.start} to {d.end}, precision {d.precision}  \n> {md(d.sentence)}")
                c[1].button("Use as the event's date", key=f"cur_acc_date_{i}",
                            on_click=lambda d=d: _set_date(draft.date_from_proposal(d)))
        with tabs[3]:
            for i, t in enumerate(props["tolls"]):
                c = st.columns([5, 1])
                fig = t.count if t.count is not None else f"at least {t.low}"
                c[0].markdown(f"**{md(t.words)}** → {fig}  \n> {md(t.sentence)}")
                c[1].button("Add as a toll", key=f"cur_acc_toll_{i}",
                            on_click=lambda t=t: S["cur_tolls"].append(draft.toll_from_proposal(t, outlet or "")))

    # ---- 3. the event --------------------------------------------------------------------
    st.markdown("#### 3. The event")
    c = st.columns([2, 3])
    ev_id = c[0].text_input("Event id (the file name)", key="cur_ev_id", disabled=bool(S.get("cur_editing")))
    title = c[1].text_input("Title", key="cur_ev_title")
    summary = st.text_area("Summary", key="cur_ev_summary", height=90)
    c = st.columns(2)
    etype = c[0].selectbox("Type", list(vocab.EVENT_TYPES), key="cur_ev_type", format_func=vocab.EVENT_TYPE_LABELS.get)
    participants = c[1].multiselect("Participants (who acted, who was hit)", sorted(actors), key="cur_ev_participants",
                                    format_func=actor_label)

    st.markdown("**Date**")
    c = st.columns([1, 1, 1, 1])
    d_start = c[0].date_input("First possible day", key="cur_d_start", min_value=dt.date(1900, 1, 1))
    d_end = c[1].date_input("Last possible day", key="cur_d_end", min_value=dt.date(1900, 1, 1))
    d_prec = c[2].selectbox("Precision", list(vocab.DATE_PRECISIONS), key="cur_d_precision")
    d_basis = c[3].selectbox("Basis", list(vocab.DATE_BASES), key="cur_d_basis")
    d_note = st.text_input("Date note (the words, and how the date was worked out)", key="cur_d_note")

    st.markdown("**Place**")
    c = st.columns([2, 2, 1, 1])
    pl = {"text": c[0].text_input("The source's words", key="cur_pl_text"),
          "name": c[1].text_input("Gazetteer name", key="cur_pl_name")}
    pl["lat"] = draft.number(c[2].text_input("Latitude", key="cur_pl_lat"))
    pl["lon"] = draft.number(c[3].text_input("Longitude", key="cur_pl_lon"))
    c = st.columns([2, 1, 1, 2, 1])
    pl["gazetteer_id"] = c[0].text_input("Gazetteer id", key="cur_pl_gazetteer_id") or None
    pl["precision"] = draft.number(c[1].text_input("Precision (1-7)", key="cur_pl_precision"), int)
    pl["radius_km"] = draft.number(c[2].text_input("Radius km", key="cur_pl_radius_km"))
    pl["admin1"] = c[3].text_input("Governorate", key="cur_pl_admin1") or None
    pl["country"] = c[4].text_input("Country", key="cur_pl_country") or None
    pl["pinned"] = st.checkbox("Pinned by hand (`events geocode` keeps these coordinates)", key="cur_pl_pinned")
    pl["note"] = st.text_input("Place note (why this place; required when pinned by hand)", key="cur_pl_note")
    pl["name"] = pl["name"] or None
    with st.expander("Map preview (click to pin the place by hand)", expanded=False):
        m = folium.Map(location=[35.0, 38.5], zoom_start=6, tiles=None, control_scale=True)
        outlines = map_layers.offline_outlines()
        if outlines:
            folium.GeoJson(outlines, style_function=lambda _f: {"color": "#6B7280", "weight": 1, "fill": False}).add_to(m)
        for p in (props or {}).get("places", []) if props else []:
            r = p.result
            if r.get("lat") is not None:
                folium.CircleMarker([r["lat"], r["lon"]], radius=5, color="#0072B2", tooltip=str(p.words)).add_to(m)
        if isinstance(pl["lat"], float) and isinstance(pl["lon"], float):
            map_layers.uncertainty_circle(pl["lat"], pl["lon"], float(pl["radius_km"] or 1.0), color="#D55E00").add_to(m)
            folium.Marker([pl["lat"], pl["lon"]], tooltip="the event's place").add_to(m)
        out = st_folium(m, key="cur_map", height=360, use_container_width=True, returned_objects=["last_clicked"])
        value = S.get("cur_map") or out or {}  # the component's value (GUIDE §1), as pages/map.py reads it
        clicked = value.get("last_clicked") if isinstance(value, dict) else None
        if clicked:
            st.caption(f"Clicked {clicked['lat']:.5f}, {clicked['lng']:.5f}")
            st.button("Pin the place here", key="cur_pin", on_click=_pin, args=(clicked["lat"], clicked["lng"]))

    st.markdown("**Fatalities by claimant**")
    for i, t in enumerate(list(S["cur_tolls"])):
        c = st.columns([3, 1, 1, 3, 1])
        t["claimant"] = c[0].selectbox("Claimant", [""] + sorted(actors), key=f"cur_t_{i}_claimant",
                                       index=([""] + sorted(actors)).index(t.get("claimant", "")) if t.get("claimant", "") in actors else 0,
                                       format_func=lambda a: actor_label(a) if a else "—")
        t["count"] = draft.number(c[1].text_input("Count", value=str(t.get("count", "") if t.get("count") is not None else ""),
                                                  key=f"cur_t_{i}_count"), int)
        t["low"] = draft.number(c[2].text_input("At least", value=str(t.get("low", "") if t.get("low") is not None else ""),
                                                key=f"cur_t_{i}_low"), int)
        t["note"] = c[3].text_input("Note", value=t.get("note", ""), key=f"cur_t_{i}_note")
        if c[4].button("Remove", key=f"cur_t_{i}_rm"):
            S["cur_tolls"].pop(i)
            st.rerun()

    st.markdown("**Claims** — excerpts are passages of the archived text (one per paragraph); the validator "
                "refuses any that is not verbatim.")
    sentences = [s.text for s in extract.sentences(source_text or "")]
    claims = []
    for uid in list(S["cur_claims"]):
        with st.container(border=True):
            c = st.columns([2, 3, 2, 3])
            cid = c[0].text_input("Claim id", key=f"cur_cl_{uid}_id")
            claimant = c[1].selectbox("Claimant", sorted(actors), key=f"cur_cl_{uid}_claimant", format_func=actor_label)
            stance = c[2].selectbox("Stance", STANCES, key=f"cur_cl_{uid}_stance")
            csrc = c[3].selectbox("Source", sorted(set(src_ids) | {source_id}), key=f"cur_cl_{uid}_source")
            via = st.multiselect("Via (the chain the claim travelled through)", sorted(actors), key=f"cur_cl_{uid}_via",
                                 format_func=actor_label)
            excerpts = st.text_area("Excerpts", key=f"cur_cl_{uid}_excerpts", height=100)
            c = st.columns([5, 1])
            add = c[0].selectbox("Add a sentence of the archived text as an excerpt", [""] + sentences,
                                 key=f"cur_cl_{uid}_addsent", format_func=lambda s: s[:160] or "—")
            c[1].button("Add", key=f"cur_cl_{uid}_addbtn", disabled=not add, on_click=_add_excerpt, args=(uid,))
            if props:
                c = st.columns(3)
                own = dict(S.get(f"cur_cl_{uid}_extra") or {})  # kept from an opened file; a choice below replaces it
                pl_opts = [""] + [p.query for p in props["places"]]
                d_opts = [""] + [f"{d.words} ({d.start}–{d.end})" for d in props["dates"]]
                t_opts = [""] + [t.words for t in props["tolls"]]
                own_pl = c[0].selectbox("This claim's own place", pl_opts, key=f"cur_cl_{uid}_ownplace",
                                        format_func=lambda x: x or "— the event's —")
                own_d = c[1].selectbox("This claim's own date", range(len(d_opts)), key=f"cur_cl_{uid}_owndate",
                                       format_func=lambda j, d_opts=d_opts: d_opts[j] or "— the event's —")
                own_t = c[2].selectbox("This claim's own toll", range(len(t_opts)), key=f"cur_cl_{uid}_owntoll",
                                       format_func=lambda j, t_opts=t_opts: t_opts[j] or "— none —")
                if own_pl:
                    pp = next(p for p in props["places"] if p.query == own_pl)
                    own["place"] = draft.place_from_result(pp.result, pp.words)
                if own_d:
                    own["date"] = draft.date_from_proposal(props["dates"][own_d - 1])
                if own_t:
                    toll = draft.toll_from_proposal(props["tolls"][own_t - 1], "")
                    toll.pop("claimant")  # a claim's own toll is its claimant's
                    own["fatalities"] = toll
                S[f"cur_cl_{uid}_extra_now"] = own
            note = st.text_input("Note (why this stance)", key=f"cur_cl_{uid}_note")
            if st.button("Remove this claim", key=f"cur_cl_{uid}_rm"):
                _remove_claim(uid)
                st.rerun()
            claim = {"id": cid, "claimant": claimant, "stance": stance, "source": csrc, "via": via,
                     "excerpts": excerpts, "note": note}
            claim.update(S.get(f"cur_cl_{uid}_extra_now") if props else (S.get(f"cur_cl_{uid}_extra") or {}))
            claims.append(claim)
    if st.button("Add an empty claim", key="cur_add_claim"):
        _add_claim({"id": f"claim-{len(S['cur_claims']) + 1}", "source": source_id, "stance": "asserts"})
        st.rerun()
    ev_note = st.text_input("Event note", key="cur_ev_note")

    # ---- 4. check, diff, save -----------------------------------------------------------------
    event = {"id": ev_id, "title": title, "summary": summary, "event_type": etype, "participants": participants,
             "date": {"start": d_start, "end": d_end, "precision": d_prec, "basis": d_basis, "note": d_note},
             "place": pl, "fatalities": [{k: v for k, v in t.items() if v not in (None, "")} for t in S["cur_tolls"]],
             "claims": claims, "note": ev_note, **(S.get("cur_ev_keep") or {})}
    uses_new_source = new_source is not None and any(c.get("source") == source_id for c in claims)
    plan = draft.plan(root, event, source=new_source if uses_new_source else None, source_text=source_text,
                      actors=[a for a in S["cur_new_actors"] if a["id"] not in {x.id for x in rd.actors}],
                      editing=S.get("cur_editing"))
    problems = draft.validate(root, plan)
    st.markdown("#### 4. Check and save")
    if problems:
        st.error(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} (the validator's messages); "
                 "nothing can be saved until they are fixed:", icon=":material/error:")
        st.code("\n".join(str(p) for p in problems), language=None, wrap_lines=True)
    else:
        st.success("Valid: the same checks as `python -m events validate` pass.", icon=":material/check_circle:")
    with st.expander("Diff of the files this Save writes", expanded=not problems):
        st.code(plan.diff or "(no change)", language="diff")
    if st.button("Save", key="cur_save", type="primary", disabled=bool(problems) or not plan.changes):
        result = draft.save(root, plan)
        if result:
            st.error("Not saved:\n\n" + "\n".join(f"- {md(str(p))}" for p in result))
        else:
            S["cur_saved"] = [c.rel for c in plan.changes]
            S["cur_editing"] = ev_id
            st.rerun()
    if S.get("cur_saved"):
        st.success("Saved: " + ", ".join(md(r) for r in S["cur_saved"]) + ". The map shows the event.",
                   icon=":material/save:")
        st.page_link("pages/map.py", label="Open it on the map", icon=":material/map:",
                     query_params={"event": S.get("cur_ev_id") or ""})
