"""Proposals from article text (events.curate.extract), on the archived seed articles (real
reporting we did not write) and on HTML as a browser saves it."""
from __future__ import annotations

import datetime as dt

import pytest

from events.curate import extract
from events.load import DEFAULT_DATA_DIR, read_data_dir

SOURCES = DEFAULT_DATA_DIR / "sources"


@pytest.fixture(scope="module")
def finder():
    return extract.ActorFinder(read_data_dir().actors)


def text(sid: str) -> str:
    return (SOURCES / f"{sid}.txt").read_text(encoding="utf-8")


def test_every_proposal_quotes_words_of_the_text(finder):
    for p in sorted(SOURCES.glob("*.txt")):
        t = p.read_text(encoding="utf-8")
        for c in extract.propose_claims(t, finder, "tass"):
            assert t[c.start:c.end] == c.sentence and c.why
        for pl in extract.propose_places(t, actors=finder):
            assert pl.words in pl.sentence and pl.sentence in t
        for d in extract.propose_dates(t, dt.date(2016, 5, 4)):
            assert d.words in d.sentence and f'"{d.words}"' in d.note and d.basis == "inferred"
        for tl in extract.propose_tolls(t):
            assert tl.words in tl.sentence


def test_claims_of_the_latakia_article(finder):
    props = extract.propose_claims(text("moscow-times-2015-10-20-servicemen-deaths-denied"), finder, "the-moscow-times")
    got = {(p.claimant, p.stance): p for p in props}
    # the monitor's own sources confirming: corroborates (not acknowledges: SOHR is not the party concerned)
    sohr = got[("sohr", "corroborates")]
    assert sohr.sentence.startswith("The head of the Syrian Observatory for Human Rights") and sohr.via == ["reuters"]
    assert got[("russian-defence-ministry", "denies")].via == ["tass"]  # "no casualties", reported by TASS
    assert got[("russian-embassy-damascus", "denies")].verb == "denied"
    assert ("pro-government-military-source", "asserts") in got  # "said a senior pro-government military source"
    assert ("hur", "asserts") in got  # "Ukraine's military intelligence ... claiming"
    assert not [k for k in got if k[0] in ("reuters", "tass", "interfax")]  # agencies are vias here


def test_the_ministry_and_its_spokesman_resolve_to_the_named_ministry(finder):
    props = extract.propose_claims(text("moscow-times-2016-05-24-mi24-is-propaganda"), finder, "the-moscow-times")
    rumours = [p for p in props if p.sentence.startswith("“Rumors")]
    assert {(p.claimant, p.stance) for p in rumours} == {("islamic-state", "asserts"),  # "spread by the Islamic State"
                                                         ("russian-defence-ministry", "denies")}  # "Konashenkov said"
    mod = next(p for p in rumours if p.claimant == "russian-defence-ministry")
    assert mod.claimant_words == "Konashenkov" and "taken as russian-defence-ministry" in mod.why
    stratfor = [p for p in props if p.claimant == "stratfor"]
    assert [(p.stance, p.verb) for p in stratfor] == [("corroborates", "showing")]  # pictures showing the debris


def test_an_acknowledgement_by_the_party_concerned():
    class A:
        def __init__(self, id, name, kind, aliases=()):
            self.id, self.name, self.kind, self.aliases = id, name, kind, list(aliases)

    actors = [A("mod", "Defence Ministry", "state_military", ["the ministry"]),
              A("monitor", "Airwars", "monitor")]
    t = ("The Defence Ministry admitted on Friday that one of its drones had crashed. "
         "Airwars said its researchers had confirmed two civilian deaths from images.")
    got = [(p.claimant, p.stance) for p in extract.propose_claims(t, actors)]
    assert got == [("mod", "acknowledges"), ("monitor", "corroborates")]


def test_the_agency_resolves_to_the_nearest_named_agency():
    class A:
        def __init__(self, id, name, kind, aliases=()):
            self.id, self.name, self.kind, self.aliases = id, name, kind, list(aliases)

    actors = [A("sana", "Syrian Arab News Agency", "news_outlet", ["SANA"]),
              A("army", "Syrian Arab Army", "state_military"),
              A("irna", "Islamic Republic News Agency", "news_outlet", ["IRNA"])]
    t = ("The Syrian Arab Army shelled the town, SANA reported. Later IRNA carried the army's statement. "
         "The agency said the town had been cleared of militants.")
    got = [(p.claimant, p.stance, p.claimant_words) for p in extract.propose_claims(t, actors)]
    assert ("irna", "asserts", "The agency") in got  # the nearest agency named before, not SANA


@pytest.mark.parametrize("words,published,start,end,precision", [
    ("about 10 days ago", dt.date(2016, 5, 24), dt.date(2016, 5, 11), dt.date(2016, 5, 17), "week"),
    ("on Tuesday", dt.date(2015, 10, 20), dt.date(2015, 10, 20), dt.date(2015, 10, 20), "day"),  # published that Tuesday
    ("on Tuesday", dt.date(2016, 5, 4), dt.date(2016, 5, 3), dt.date(2016, 5, 3), "day"),
    ("last year", dt.date(2016, 5, 4), dt.date(2015, 1, 1), dt.date(2015, 12, 31), "year"),
    ("in early 2017", dt.date(2017, 8, 2), dt.date(2017, 1, 1), dt.date(2017, 4, 30), "year"),
    ("in mid-November", dt.date(2016, 5, 4), dt.date(2015, 11, 11), dt.date(2015, 11, 20), "month"),
    ("on April 27", dt.date(2016, 5, 4), dt.date(2016, 4, 27), dt.date(2016, 4, 27), "day"),
    ("on October 15, 2015", dt.date(2016, 5, 4), dt.date(2015, 10, 15), dt.date(2015, 10, 15), "day"),
    ("in September 2015", dt.date(2016, 11, 3), dt.date(2015, 9, 1), dt.date(2015, 9, 30), "month"),
    ("over the past four days", dt.date(2016, 5, 4), dt.date(2016, 4, 30), dt.date(2016, 5, 4), "week"),
    ("yesterday", dt.date(2016, 5, 4), dt.date(2016, 5, 3), dt.date(2016, 5, 3), "day"),
])
def test_dates_absolute_and_relative_to_publication(words, published, start, end, precision):
    props = extract.propose_dates(f"The strike happened {words}.", published)
    assert [(d.start, d.end, d.precision) for d in props] == [(start, end, precision)]
    assert props[0].note.startswith(f'"{words.removeprefix("in ").removeprefix("on ")}"') or \
        props[0].note.startswith(f'"{words}"')


def test_places_with_governorate_and_candidates(finder):
    props = extract.propose_places(text("freenews-2016-11-03-is-claims-russian-helicopter-homs"), actors=finder)
    by_query = {p.query: p.result for p in props}
    assert by_query["HOMS province"]["gazetteer_id"] == "admin1:SY04"
    assert by_query["Hama province"]["admin1"] == "Hama"
    assert by_query["Palmyra"]["name"] == "Tadmur" and by_query["Palmyra"]["alternatives"]  # other Palmyras offered
    assert by_query["Hamim"]["gazetteer_id"] == "site:hmeimim-airbase"  # the source's own spelling
    words = {p.words for p in props}
    assert "Islamic State" not in " ".join(words)  # an actor is not a place


def test_tolls():
    got = [(t.words, t.count, t.low) for t in extract.propose_tolls(
        "On Board were five people, all of them died. The bodies of 26 Russian marines were brought back. "
        "More than two dozen Russian troops have been killed.")]
    assert got == [("five people", 5, None), ("26 Russian marines", 26, None),
                   ("More than two dozen Russian troops", None, 25)]


def test_main_text_from_html_leaves_page_chrome_out():
    html = ("<html><head><title>x</title></head><body><nav>Home | World | Donate</nav><article>"
            "<h1>Ministry denies losses</h1><p>The Russian Defense Ministry has denied reports of the destruction "
            "of Russian Mi-24 combat helicopters on a Syrian airbase, the Interfax news agency reported Tuesday.</p>"
            "<p>“These burnt vehicles have been located on the base for months,” Konashenkov commented on the "
            "pictures, adding that the base had seen hard battles.</p></article>"
            "<footer>Support us: donate monthly</footer><script>var x=1;</script></body></html>")
    t = extract.main_text(html, "page.html")
    assert "The Russian Defense Ministry has denied reports" in t and "“These burnt vehicles" in t
    assert "Donate" not in t and "donate monthly" not in t and "var x" not in t
    assert extract.main_text("line one\r\nline two", "a.txt") == "line one\nline two\n"
