"""AppTest: the Curate page, on a temp copy of the curated data (never the repo's own files).

The whole path: curation on, paste an article, accept a proposed claim and place, add an excerpt
from the archived text, save; the event validates and the map's side panel shows its excerpts.
Invalid input is refused with the validator's message and writes nothing. With curation off the
page does not exist and nothing can reach a write."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from app_support import all_text, make_app, no_exceptions
from events.curate import extract
from events.load import DEFAULT_DATA_DIR, read_data_dir

ARTICLE = (DEFAULT_DATA_DIR / "sources" / "moscow-times-2015-10-20-servicemen-deaths-denied.txt").read_text()
SOURCE_ID = "moscow-times-2015-10-20-russian-officials-deny-servicemen-deaths-copy"
EVENT_ID = "latakia-deaths-curated-in-app"
SOHR = ("The head of the Syrian Observatory for Human Rights which monitors the conflict, Rami Abdulrahman, said his "
        "sources in the area had confirmed the deaths of Russians, but said the men were believed to have been "
        "volunteers, not regular military servicemen, Reuters reported.")
MOD = ("A Russian Defense Ministry spokesman said “there have been no casualties among Russian military servicemen "
       "in Syria,” the state-run TASS news agency reported Tuesday.")


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, d, ignore=shutil.ignore_patterns("imported", "README.md"))
    return d


def snapshot(d: Path) -> dict:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def open_curate(monkeypatch, data):
    monkeypatch.setenv("CONFLICT_MAP_CURATE", "1")
    at = make_app(monkeypatch, data_dir=data).run()
    at.switch_page("pages/curate.py").run()
    no_exceptions(at)
    return at


def button(at, key):
    return next(b for b in at.button if b.key == key)


def fill_source(at):
    at.text_area(key="cur_src_text").set_value(ARTICLE).run()
    at.selectbox(key="cur_src_outlet").set_value("the-moscow-times")
    at.text_input(key="cur_src_title").set_value("Russian Officials Deny Reports of Servicemen Deaths in Syria")
    at.date_input(key="cur_src_published").set_value(dt.date(2015, 10, 20))
    at.text_input(key="cur_src_id").set_value(SOURCE_ID).run()
    button(at, "cur_propose").click().run()
    no_exceptions(at)


def index_of(items, pred):
    return next(i for i, x in enumerate(items) if pred(x))


def build_event(at, actors):
    claims = extract.propose_claims(ARTICLE, extract.ActorFinder(actors), "the-moscow-times")
    i = index_of(claims, lambda p: p.claimant == "sohr" and p.stance == "corroborates")
    button(at, f"cur_acc_claim_{i}").click().run()
    i = index_of(claims, lambda p: p.claimant == "russian-defence-ministry" and p.stance == "denies")
    button(at, f"cur_acc_claim_{i}").click().run()
    places = extract.propose_places(ARTICLE, actors=extract.ActorFinder(actors))
    i = index_of(places, lambda p: p.query == "Latakia province")
    button(at, f"cur_acc_place_{i}").click().run()
    dates = extract.propose_dates(ARTICLE, dt.date(2015, 10, 20))
    button(at, f"cur_acc_date_{index_of(dates, lambda d: d.words == 'Tuesday')}").click().run()
    at.text_input(key="cur_ev_id").set_value(EVENT_ID)
    at.text_input(key="cur_ev_title").set_value("Russians reported killed in Latakia (curated in the app)")
    at.text_area(key="cur_ev_summary").set_value("SOHR's sources confirm deaths of Russians; the Ministry denies.")
    at.selectbox(key="cur_ev_type").set_value("shelling")
    at.multiselect(key="cur_ev_participants").set_value(["russian-armed-forces"]).run()
    no_exceptions(at)
    return at


def test_curate_page_walks_from_pasted_article_to_the_map(monkeypatch, data):
    at = open_curate(monkeypatch, data)
    assert "Curate" in [s.value for s in at.subheader]
    fill_source(at)
    text = all_text(at)
    assert "Syrian Observatory for Human Rights" in text and "corroborates" in text  # the proposal and its words
    before = snapshot(data)
    build_event(at, read_data_dir(data).actors)
    # a second excerpt for the SOHR claim, picked from the archived text's sentences
    uid = at.session_state["cur_claims"][0]
    extra = ("He did not give a figure of the alleged Russian casualties, the report said.")
    at.selectbox(key=f"cur_cl_{uid}_addsent").set_value(extra).run()
    button(at, f"cur_cl_{uid}_addbtn").click().run()
    assert at.text_area(key=f"cur_cl_{uid}_excerpts").value == SOHR + "\n\n" + extra
    # the Ministry's claim carries its own place (a proposal), and the event's place is the first candidate
    uid2 = at.session_state["cur_claims"][1]
    at.selectbox(key=f"cur_cl_{uid2}_ownplace").set_value("Syria").run()
    text = all_text(at)
    assert "Valid: the same checks as `python -m events validate` pass." in text, text[-3000:]
    assert f"+++ b/events/{EVENT_ID}.yaml" in text  # the diff is shown before saving
    assert snapshot(data) == before  # nothing written yet
    button(at, "cur_save").click().run()
    no_exceptions(at)
    after = snapshot(data)
    assert set(after) - set(before) == {f"events/{EVENT_ID}.yaml", f"sources/{SOURCE_ID}.yaml",
                                        f"sources/{SOURCE_ID}.txt"}
    assert all(after[k] == v for k, v in before.items())  # no other file touched
    r = read_data_dir(data)
    assert r.problems == []
    ev = next(e for e in r.events if e.id == EVENT_ID)
    assert [(c.claimant, c.stance) for c in ev.claims] == [("sohr", "corroborates"), ("russian-defence-ministry", "denies")]
    assert ev.claims[0].excerpts == [SOHR, extra]
    assert ev.place.gazetteer_id == "admin1:SY06" and ev.place.text == "province of Latakia"
    assert ev.claims[1].place.gazetteer_id == "country:SY" and ev.claims[0].place is None
    assert (ev.date.start, ev.date.basis) == (dt.date(2015, 10, 20), "inferred")
    assert '"Tuesday"' in ev.date.note
    # the map's side panel shows it, with its excerpts and the status in words
    at = make_app(monkeypatch, {"event": EVENT_ID}, data_dir=data).run()
    no_exceptions(at)
    text = all_text(at)
    assert "Russians reported killed in Latakia (curated in the app)" in text
    assert "said his sources in the area had confirmed the deaths of Russians" in text
    assert "<b>Disputed:</b> corroborated by Syrian Observatory for Human Rights; denied by Russian Defence Ministry" in text


def test_invalid_input_is_refused_with_the_validators_message(monkeypatch, data):
    at = open_curate(monkeypatch, data)
    fill_source(at)
    build_event(at, read_data_dir(data).actors)
    before = snapshot(data)
    uid = at.session_state["cur_claims"][0]
    cases = [
        (lambda: at.text_area(key=f"cur_cl_{uid}_excerpts").set_value(SOHR.replace("confirmed", "proved")),
         "claims[0].excerpts[0]: excerpt not found verbatim in source",
         lambda: at.text_area(key=f"cur_cl_{uid}_excerpts").set_value(SOHR)),
        (lambda: at.date_input(key="cur_d_end").set_value(dt.date(2015, 10, 1)),
         "date.end: end date 2015-10-01 is before start date 2015-10-20",
         lambda: at.date_input(key="cur_d_end").set_value(dt.date(2015, 10, 20))),
        # a claim's own toll (kept from an opened file) naming an actor actors.yaml does not have
        (lambda: at.session_state.__setitem__(f"cur_cl_{uid}_extra",
                                              {"fatalities": {"claimant": "no-such-actor", "count": 3}}),
         "claims[0].fatalities.claimant: unknown actor 'no-such-actor' (not in actors.yaml)",
         lambda: at.session_state.__setitem__(f"cur_cl_{uid}_extra", {})),
        (lambda: at.text_input(key="cur_ev_id").set_value("palmyra-mi8-crash-2016"),
         "id: duplicate event id (also in events/palmyra-mi8-crash-2016.yaml)",
         lambda: at.text_input(key="cur_ev_id").set_value(EVENT_ID)),
    ]
    for spoil, message, repair in cases:
        spoil()
        at.run()
        no_exceptions(at)
        text = all_text(at)
        assert message in text, (message, text[-2000:])
        assert button(at, "cur_save").disabled  # (draft.save refuses on its own too: test_curate_files)
        assert snapshot(data) == before
        repair()
        at.run()
    assert "Valid: the same checks" in all_text(at)


def test_with_curation_off_the_page_does_not_exist_and_nothing_writes(monkeypatch, data):
    monkeypatch.delenv("CONFLICT_MAP_CURATE", raising=False)
    before = snapshot(data)
    at = make_app(monkeypatch, data_dir=data).run()
    no_exceptions(at)
    from pages.ui import shell

    assert "pages/curate.py" not in [spec[1] for spec in shell.page_specs()]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/curate.py")  # not registered: navigation cannot reach it
    # (A request for /curate served by Streamlit's legacy multipage mode: tests/browser/test_curate_browser.py.)
    assert "Curate" not in [s.value for s in at.subheader]
    assert not [b for b in at.button if str(b.key).startswith("cur_")]
    assert snapshot(data) == before


def test_an_existing_event_opens_in_the_same_form(monkeypatch, data):
    at = open_curate(monkeypatch, data)
    at.selectbox(key="cur_open_pick").set_value("palmyra-mi8-crash-2016").run()
    button(at, "cur_open").click().run()
    no_exceptions(at)
    assert at.text_input(key="cur_ev_title").value == "Russian Mi-8 helicopter lost with all five aboard"
    assert at.text_input(key="cur_ev_id").disabled
    uids = at.session_state["cur_claims"]
    assert [at.selectbox(key=f"cur_cl_{u}_stance").value for u in uids] == ["asserts", "acknowledges"]
    text = all_text(at)
    assert "Valid: the same checks" in text and "(no change)" in text
    at.text_input(key="cur_ev_title").set_value("Russian Mi-8 helicopter lost with all five aboard (edited)").run()
    assert "+title: Russian Mi-8 helicopter lost with all five aboard (edited)" in all_text(at)
    button(at, "cur_save").click().run()
    no_exceptions(at)
    ev = next(e for e in read_data_dir(data).events if e.id == "palmyra-mi8-crash-2016")
    assert ev.title.endswith("(edited)") and len(ev.claims) == 2 and ev.place.pinned


def test_pasted_text_is_escaped_in_proposals(monkeypatch, data):
    """Article text is data: markup in it shows as text, never as links, HTML or formulas."""
    at = open_curate(monkeypatch, data)
    hostile = ("The Russian Defense Ministry denied that [a strike](javascript:alert(1)) hit "
               "<img src=x onerror=alert(1)> $x^2$ **Aleppo** on Tuesday, the Interfax news agency reported.")
    at.text_area(key="cur_src_text").set_value(hostile).run()
    button(at, "cur_propose").click().run()
    no_exceptions(at)
    proposals = [m.value for m in at.markdown if "Russian Defence Ministry" in m.value and "denies" in m.value]
    assert proposals, "no claim proposal shown"
    shown = proposals[0]
    assert "\\[a strike\\]\\(javascript\\:alert\\(1\\)\\)" in shown and "\\<img" in shown and "\\$x" in shown
    assert "](javascript" not in shown.replace("\\]\\(", "")


def test_pin_the_place_by_clicking_the_map(monkeypatch, data):
    at = open_curate(monkeypatch, data)
    at.session_state["cur_map"] = {"last_clicked": {"lat": 35.52, "lng": 35.79}}  # what st_folium returns
    at.run()
    assert "Clicked 35.52000, 35.79000" in all_text(at)
    button(at, "cur_pin").click().run()
    no_exceptions(at)
    assert (at.text_input(key="cur_pl_lat").value, at.text_input(key="cur_pl_lon").value) == ("35.52000", "35.79000")
    assert at.checkbox(key="cur_pl_pinned").value
    assert "say why" in at.text_input(key="cur_pl_note").value
