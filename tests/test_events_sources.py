"""Verbatim excerpt checking (events/sources.py)."""
import pytest

from events.sources import excerpt_in_text, longest_found_prefix, normalise_text

TEXT = """The Russian Defense Ministry has denied reports of the destruction of Russian
Mi-24 combat helicopters on a Syrian airbase. “Rumors about a destroyed division
of Russian helicopters are being spread by the Islamic State,” a spokesman said —
and he added: it’s propaganda…"""


def test_found():
    assert excerpt_in_text("has denied reports of the destruction", TEXT)


def test_not_found():
    assert not excerpt_in_text("has confirmed reports of the destruction", TEXT)


def test_case_matters():
    assert not excerpt_in_text("HAS DENIED reports", TEXT)


def test_line_break_in_text_matches_a_space():
    assert excerpt_in_text("destruction of Russian Mi-24 combat helicopters", TEXT)


@pytest.mark.parametrize("excerpt", [
    "destruction of Russian\n  Mi-24 combat helicopters",
    "destruction  of\tRussian Mi-24 combat helicopters",
    "  destruction of Russian Mi-24 combat helicopters  ",
    "destruction\u00a0of Russian Mi-24\u2009combat helicopters",  # no-break and thin spaces
])
def test_white_space_may_differ(excerpt):
    assert excerpt_in_text(excerpt, TEXT)


def test_words_run_together_do_not_match():
    assert not excerpt_in_text("destructionof Russian", TEXT)


@pytest.mark.parametrize("excerpt", [
    '"Rumors about a destroyed division of Russian helicopters are being spread by the Islamic State,"',
    "a spokesman said - and he added: it's propaganda...",
    "a spokesman said – and he added: it’s propaganda…",
])
def test_typographic_quotes_dashes_and_ellipsis(excerpt):
    assert excerpt_in_text(excerpt, TEXT)


def test_zero_width_characters_are_ignored():
    assert excerpt_in_text("has de\u200bnied reports", TEXT)


def test_empty_excerpt_is_not_found():
    assert not excerpt_in_text("   ", TEXT)


def test_normalise_text():
    assert normalise_text("  a\u00a0 “b”\n— c\u2019s…  ") == 'a "b" - c\'s...'


def test_longest_found_prefix():
    assert longest_found_prefix("has denied reports of the victory", TEXT) == "has denied reports of the "
    assert longest_found_prefix("zzz", TEXT) == ""


def _every_step(text: str) -> str:
    """The normalisation as first written: every step on every text."""
    import unicodedata

    from events.sources import _SPACE, _TABLE

    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).translate(_TABLE))


def test_normalising_only_where_a_step_changes_something_gives_the_same_text():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from events.sources import _TABLE, normalised_unstripped

    tricky = st.sampled_from(
        list(map(chr, _TABLE)) + list(" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u2028\u202f\u3000")
        + ["e\u0301", "\u0301", "\u00e9", "\u0130", "\u062d\u0644\u0628", "\u1e9b\u0323", "a", " ", "  "])

    @settings(max_examples=800, deadline=None)
    @given(st.one_of(st.text(), st.lists(tricky, max_size=30).map("".join)))
    def check(text):
        assert normalised_unstripped(text) == _every_step(text)
        assert normalise_text(text) == _every_step(text).strip()

    check()
