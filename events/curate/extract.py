"""Proposals from an archived article: claims, places, dates and tolls, each with its words.

Rules are general (English news reporting), not tuned to one outlet:

- **Claims.** A sentence reports a claim when it has a verb of saying, claiming, denying,
  refuting, confirming or acknowledging (`VERBS`, any tense or voice). The claimant is the actor
  (name or alias from actors.yaml, longest match) that is the verb's subject: the nearest mention
  before it outside quotation marks, or the one after it ("said a senior source", "spread by the
  Islamic State", "according to X"). A person introduced as speaking for an actor
  ("representative of the ministry Major General Igor Konashenkov") is that actor afterwards;
  "he", "the spokesman" are the last claimant; "the agency", "the ministry", "the monitor" are the
  nearest actor named before whose name has that word. A news outlet that only reports another
  party's words becomes that claim's `via`.
  Stance: denial verbs, or words that call the report false ("rumors", "propaganda", "no
  casualties") -> denies; "disclaim", "dispute", "instead" -> counters; "confirm", "acknowledge",
  "admit" -> acknowledges, unless the claimant is a monitor, NGO, UN body, intelligence service
  or news outlet or the sentence cites evidence (sources, imagery, pictures), then corroborates;
  pictures or imagery "showing" something -> corroborates; any other saying verb -> asserts.
- **Places.** Capitalised word runs (and "X province", "province of X") looked up in the
  gazetteer without fuzzy matching; a foreign match must be exact and not a small place, and a
  name followed by a facility noun ("Al-Quds hospital") is a site's name, not a town's.
  Candidates come from `geodata.resolve`, with their governorate.
- **Dates.** Absolute and relative expressions found by pattern, turned into dates by
  dateparser relative to the publication date, then into a range with a precision ("early
  2017" -> January to April, precision year). Basis `inferred`, and a note quoting the words.
- **Tolls.** A number (digits or words) before people nouns ("26 marines", "five people") or
  before "dead/killed".
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional

# -------------------------------------------------------------------------- main text


def main_text(raw: str, filename: str = "") -> str:
    """The article's main text: for HTML, trafilatura's extraction (page chrome, menus and
    donation appeals left out); plain text is returned with its line breaks normalised."""
    looks_html = filename.lower().endswith((".html", ".htm")) or bool(
        re.search(r"<\s*(html|body|p|div|article)\b", raw[:5000], re.I))
    if looks_html:
        import trafilatura  # a kept library: boilerplate removal is not ours to write

        text = trafilatura.extract(raw, include_comments=False, include_tables=False, favor_precision=True)
        if text:
            return text.strip() + "\n"
        # no main text found: fall back to the visible text, so nothing silently disappears
        text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw)
        text = re.sub(r"<[^>]+>", " ", text)
        import html as _html

        return re.sub(r"[ \t]+", " ", _html.unescape(text)).strip() + "\n"
    return raw.replace("\r\n", "\n").replace("\r", "\n").strip() + "\n"


# -------------------------------------------------------------------------- sentences

@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


_SENT_END = re.compile(r"""(?<=[.!?])["”’']?(?=\s+["“‘'(]?[A-Z0-9])|\n\s*\n|\n""")


def sentences(text: str) -> list[Span]:
    """Sentence spans with offsets into `text` (lines and sentence punctuation split)."""
    out, start = [], 0
    for m in _SENT_END.finditer(text):
        end = m.end()
        seg = text[start:end]
        if seg.strip():
            lead = len(seg) - len(seg.lstrip())
            out.append(Span(start + lead, start + len(seg.rstrip()), seg.strip()))
        start = end
    seg = text[start:]
    if seg.strip():
        lead = len(seg) - len(seg.lstrip())
        out.append(Span(start + lead, start + len(seg.rstrip()), seg.strip()))
    # abbreviations such as "Maj. Gen." or "U.S." end no sentence: join a piece that starts lower-case
    merged: list[Span] = []
    for s in out:
        if merged and s.text[:1].islower() and text[merged[-1].end:s.start].count("\n") == 0:
            p = merged.pop()
            s = Span(p.start, s.end, text[p.start:s.end])
        merged.append(s)
    return merged


def _quote_spans(s: str) -> list[tuple[int, int]]:
    spans, opened = [], None
    for i, ch in enumerate(s):
        if ch == "“":
            opened = i
        elif ch == "”" and opened is not None:
            spans.append((opened, i + 1))
            opened = None
        elif ch == '"':
            if opened is None:
                opened = i
            else:
                spans.append((opened, i + 1))
                opened = None
    if opened is not None:  # a quotation running to the end of the sentence (a paragraph quote)
        spans.append((opened, len(s)))
    return spans


def _inside(pos: int, spans: list[tuple[int, int]]) -> Optional[tuple[int, int]]:
    for a, b in spans:
        if a <= pos < b:
            return (a, b)
    return None


# -------------------------------------------------------------------------- actors

@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    actor_id: str
    words: str


def _fold(s: str) -> str:
    return s.lower().replace("’", "'")


def _pattern(spelling: str) -> str:
    return re.sub(r"['’]|\\ ", lambda m: r"\s+" if m.group(0) == "\\ " else "['’]", re.escape(spelling))


class ActorFinder:
    """Finds actor names and aliases in text (longest first; short all-capital aliases such as
    "IS" or "UN" only in capitals, everything else ignoring case)."""

    def __init__(self, actors: Iterable) -> None:
        self.kinds: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.words: dict[str, set[str]] = {}  # the words of each actor's names: "the agency" -> an agency
        spellings: dict[str, str] = {}
        for a in actors:
            aid = str(a.id)
            self.kinds[aid] = str(getattr(a, "kind", "other"))
            self.names[aid] = str(a.name)
            self.words.setdefault(aid, set()).update(
                w.lower() for sp in (a.name, *getattr(a, "aliases", ())) for w in re.findall(r"\w+", str(sp)))
            for s in (a.name, *getattr(a, "aliases", ())):
                s = str(s).strip()
                if len(s) >= 2:
                    spellings.setdefault(s, aid)
        self._spellings = spellings
        ci = sorted((s for s in spellings if not (len(s) <= 4 and s.isupper())), key=len, reverse=True)
        cs = sorted((s for s in spellings if len(s) <= 4 and s.isupper()), key=len, reverse=True)
        self._ci = re.compile(r"(?<![\w-])(" + "|".join(map(_pattern, ci)) + r")(?![\w-])", re.I) if ci else None
        self._cs = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, cs)) + r")(?![\w-])") if cs else None
        self._lower = {_fold(s): aid for s, aid in spellings.items()}

    def find(self, text: str) -> list[Mention]:
        found: list[Mention] = []
        for rx in (self._ci, self._cs):
            if rx is None:
                continue
            for m in rx.finditer(text):
                aid = self._spellings.get(m.group(1)) or self._lower.get(_fold(m.group(1)))
                if aid:
                    found.append(Mention(m.start(), m.end(), aid, m.group(1)))
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        out: list[Mention] = []
        for m in found:  # drop mentions inside a longer one
            if out and m.start < out[-1].end:
                continue
            out.append(m)
        return out

    def is_outlet(self, aid: str) -> bool:
        return self.kinds.get(aid) == "news_outlet"


# -------------------------------------------------------------------------- claims

STANCE_STRENGTH = {"denies": 5, "counters": 4, "acknowledges": 3, "corroborates": 2, "asserts": 1}
INDEPENDENT_KINDS = {"monitor", "ngo", "un_body", "intelligence_service", "news_outlet"}

VERBS = {
    "denies": r"den(?:y|ies|ied|ying|ial)|refut(?:e|es|ed|ing)|repudiat(?:e|es|ed|ing)|reject(?:s|ed|ing)?"
              r"|dismiss(?:es|ed|ing)?|rebut(?:s|ted|ting)?",
    "counters": r"disclaim(?:s|ed|ing)?|disput(?:e|es|ed|ing)|contest(?:s|ed|ing)?",
    "confirm": r"confirm(?:s|ed|ing)?|acknowledg(?:e|es|ed|ing)|admit(?:s|ted|ting)?|conced(?:e|es|ed|ing)",
    "shows": r"show(?:s|n|ed|ing)?|indicat(?:e|es|ed|ing)",
    "asserts": r"sa(?:y|ys|id|ying)|claim(?:s|ed|ing)?|report(?:s|ed|ing)?|announc(?:e|es|ed|ing)|stat(?:es|ed|ing)"
               r"|told|tell(?:s|ing)?|declar(?:e|es|ed|ing)|accus(?:e|es|ed|ing)|blam(?:e|es|ed|ing)"
               r"|alleg(?:es|ing)|spread(?:s|ing)?|not(?:ed|es)|stress(?:es|ed)|emphasi[sz](?:e|es|ed)"
               r"|add(?:s|ed|ing)|recall(?:s|ed)|commented|warn(?:s|ed)|insist(?:s|ed)|according to"
               r"|referr(?:ed|ing) to|call(?:s|ed)|describ(?:e|es|ed|ing)",
}
_VERB_RX = re.compile(r"\b(?:" + "|".join(f"(?P<{k}>{v})" for k, v in VERBS.items()) + r")\b", re.I)
_FALSE_WORDS = re.compile(
    r"\b(rumou?rs?|propaganda|falsehoods?|lies|fake|fabricat\w*|no (?:casualties|losses|deaths)"
    r"|there (?:have been|has been|were|was) no|nobody|not a single|never|(?:are|were|is|was|all)\s+(?:\w+\s+)?lies)\b", re.I)
_COUNTER_WORDS = re.compile(r"\b(instead|rather than|responsibility|not \w+ but)\b", re.I)
_EVIDENCE_WORDS = re.compile(r"\b(sources?|images?|imagery|pictures?|photos?|photographs?|footage|video|satellite)\b", re.I)
_GENERIC = r"ministry|agency|monitor|observatory|group|embassy|army|military|organi[sz]ation|service|militants|command"
_PRONOUN_BEFORE = re.compile(
    r"(?i:\b(?:he|she|they|the\s+(?:spokes(?:man|woman|person)|official|general|representative|experts?|"
    + _GENERIC + r")))"
    r"(?:\s+(?:has|have|had|also|then|earlier|later))*\s*$")
_NAME_BEFORE = re.compile(r"\b([A-Z][a-z]{3,})(?:,)?(?:\s+(?:has|have|had|also|then|earlier|later))*\s*$")
_SPEAKER_AFTER = re.compile(r"\s*(?:,\s*)?(?:(?i:(he|she|they|the\s+(?:" + _GENERIC + r")))|([A-Z][a-z]{3,}))\b")


def _nearest(words: str, recent: list[str], finder: "ActorFinder", fallback: Optional[str]) -> Optional[str]:
    """Whom an unnamed speaker is: "the agency" -> the nearest actor named before whose name has
    "agency" in it; "he", "the spokesman" -> the last claimant."""
    noun = re.search(r"(?i)\bthe\s+(" + _GENERIC + r")\b", words or "")
    if noun:
        stem = noun.group(1).lower().rstrip("s")
        for aid in reversed(recent):
            if any(w.startswith(stem) for w in finder.words.get(aid, ())):
                return aid
    return fallback
# "Russian Defense Ministry spokesman Igor Konashenkov", "representative of the ministry Major General
# Igor Konashenkov", "the head of the Syrian Observatory ..., Rami Abdulrahman": a person who speaks for an actor.
_TITLE = r"(?:spokes(?:man|woman|person)|representative|head|chief|official|director|minister|leader|commander)"
_PERSON_AFTER = re.compile(
    r"^(?:['’]s)?[^.;:“”\"]{0,70}?(?:(?:Maj(?:or|\.)\s+)?Gen(?:eral|\.)\s+|Col(?:onel|\.)\s+|,\s+|" + _TITLE + r"\s+)"
    r"((?:[A-Z][a-z]+\s+){0,2}[A-Z][a-z]{3,})\b")


@dataclass
class ClaimProposal:
    sentence: str  # the words it came from (a verbatim passage of the text)
    start: int
    end: int
    claimant: str  # actor id
    claimant_words: str  # how the text names the claimant ("Konashenkov", "the ministry")
    stance: str
    verb: str
    via: list[str] = field(default_factory=list)
    why: str = ""


def _speaker_before(s: str, pos: int, persons: dict[str, str]) -> Optional[tuple[str, Optional[str]]]:
    """An unnamed or named-but-unknown speaker right before a verb ("Konashenkov said", "he
    noted"): (words, actor id of a known person, or None for a pronoun)."""
    window = s[max(0, pos - 40):pos]
    m = _PRONOUN_BEFORE.search(window)
    if m:
        return m.group(0).strip(), None
    m = _NAME_BEFORE.search(window)
    if m and m.group(1) in persons:
        return m.group(1), persons[m.group(1)]
    return None


def _speaker_after(s: str, pos: int, persons: dict[str, str]) -> Optional[tuple[str, Optional[str]]]:
    m = _SPEAKER_AFTER.match(s[pos:])
    if not m:
        return None
    if m.group(1):
        return m.group(1), None
    if m.group(2) in persons:
        return m.group(2), persons[m.group(2)]
    return None


def _bind_persons(s: str, mentions: list[Mention], finder: "ActorFinder", persons: dict[str, str]) -> None:
    for m in mentions:
        if finder.is_outlet(m.actor_id):
            continue
        hit = _PERSON_AFTER.match(s[m.end:])
        if hit:
            full = hit.group(1)
            if finder.find(full):
                continue  # another actor, not a person
            persons[full.split()[-1]] = m.actor_id
            persons[full] = m.actor_id


_EVENT_WORDS = re.compile(
    r"\b(kill\w*|dead|died|shot down|brought down|crash\w*|destroy\w*|strikes?|struck|raids?|shell\w*|attack\w*"
    r"|bomb\w*|wounded|lost|loss|withdr[ae]w\w*|deploy\w*|captur\w*|seiz\w*)\b", re.I)


def propose_claims(text: str, actors: Iterable, outlet: Optional[str] = None) -> list[ClaimProposal]:
    """Claim proposals, in text order. `outlet` (the source's outlet actor id): a sentence that
    reports an event in the outlet's own voice (event words, no verb of saying, no actor quoted)
    is proposed as the outlet asserting it."""
    finder = actors if isinstance(actors, ActorFinder) else ActorFinder(actors)
    out: list[ClaimProposal] = []
    persons: dict[str, str] = {}  # a speaker's name -> the actor he speaks for
    last_claimant: Optional[str] = None  # whom "he", "the spokesman" speak for: the nearest named one
    recent: list[str] = []  # actors named so far, in text order
    for sent in sentences(text):
        s = sent.text
        mentions = finder.find(s)
        recent.extend(m.actor_id for m in mentions)
        _bind_persons(s, mentions, finder, persons)
        quotes = _quote_spans(s)
        per_claimant: dict[str, ClaimProposal] = {}
        outlets_reporting: list[str] = []
        verbs = list(_VERB_RX.finditer(s))
        for vi, vm in enumerate(verbs):
            kind = vm.lastgroup
            next_verb = verbs[vi + 1].start() if vi + 1 < len(verbs) else len(s)
            vq = _inside(vm.start(), quotes)
            usable = [m for m in mentions if _inside(m.start, quotes) == vq]
            before = [m for m in usable if m.end <= vm.start()]
            after = [m for m in usable if m.start >= vm.end()]
            tail = s[vm.end():vm.end() + 30]
            sp_before = _speaker_before(s, vm.start(), persons)
            sp_after = _speaker_after(s, vm.end(), persons)
            aid: Optional[str] = None
            words = ""
            passive = False
            if kind == "asserts" and after and after[0].start - vm.end() <= 5 and finder.is_outlet(after[0].actor_id):
                outlets_reporting.append(after[0].actor_id)  # "..., reports TASS": the agency is a via
                continue
            if vm.group(0).lower() == "according to":
                if after and after[0].start - vm.end() < 6:
                    aid, words = after[0].actor_id, after[0].words
                elif sp_after:
                    words, aid = sp_after[0], sp_after[1] or _nearest(sp_after[0], recent, finder, last_claimant)
            elif re.match(r"\s+by\b", tail) and after and after[0].start - vm.end() < 12:
                aid, words, passive = after[0].actor_id, after[0].words, True  # "spread by the Islamic State"
            elif sp_before and (not before or vm.start() - before[-1].end > len(sp_before[0]) + 12):
                words, aid = sp_before[0], sp_before[1] or _nearest(sp_before[0], recent, finder, last_claimant)
            elif before and vm.start() - before[-1].end < 90:
                aid, words = before[-1].actor_id, before[-1].words
            elif sp_after:
                words, aid = sp_after[0], sp_after[1] or _nearest(sp_after[0], recent, finder, last_claimant)
            elif after and after[0].start - vm.end() <= 4:
                aid, words = after[0].actor_id, after[0].words  # "said a senior pro-government military source"
            if aid is None:
                continue
            scope = s[vq[0]:vq[1]] if vq else s
            rest = s[vm.end():min(vq[1], next_verb)] if vq else s[vm.end():next_verb]
            if kind == "shows":
                if not _EVIDENCE_WORDS.search(s[:vm.start()]):
                    continue
                stance = "corroborates"
            elif kind == "confirm":
                independent = finder.kinds.get(aid) in INDEPENDENT_KINDS or _EVIDENCE_WORDS.search(s)
                stance = "corroborates" if independent else "acknowledges"
            elif kind == "asserts":
                if passive:
                    stance = "asserts"
                elif _FALSE_WORDS.search(scope if vq else s):
                    stance = "denies"
                elif _COUNTER_WORDS.search(rest):
                    stance = "counters"
                else:
                    stance = "asserts"
            else:
                stance = kind
            if kind == "asserts" and finder.is_outlet(aid):
                outlets_reporting.append(aid)
                if (any(not finder.is_outlet(m.actor_id) for m in mentions)
                        or any(re.search(rf"\b{re.escape(n)}\b", s) for n in persons)):
                    continue  # an agency reporting another party's words: a via, not a claim
            named = words if words and finder.find(words) else ""
            why = f'"{vm.group(0)}" -> {stance}; claimant "{words}"' + ("" if named else f" taken as {aid}")
            prop = ClaimProposal(s, sent.start, sent.end, aid, words, stance, vm.group(0), why=why)
            cur = per_claimant.get(aid)
            if cur is None or STANCE_STRENGTH[stance] > STANCE_STRENGTH[cur.stance]:
                per_claimant[aid] = prop
        for aid, prop in per_claimant.items():
            prop.via = [o for o in dict.fromkeys(outlets_reporting) if o != aid]
            out.append(prop)
            if not finder.is_outlet(aid):
                last_claimant = aid
        if (outlet and not per_claimant and not verbs and not quotes and _EVENT_WORDS.search(s)
                and len(s) > 60 and s[-1:] in ".!?"):
            out.append(ClaimProposal(s, sent.start, sent.end, outlet, "", "asserts", "",
                                     why="an event reported in the outlet's own voice (no one quoted)"))
    return out


# -------------------------------------------------------------------------- places

@dataclass
class PlaceProposal:
    words: str  # as the text writes it
    start: int
    sentence: str
    query: str  # what was resolved ("Hama province")
    result: dict  # geodata.resolve's answer (best + alternatives, admin1 = governorate)


_NAME_RUN = re.compile(
    r"(?:(?:the\s+)?province\s+of\s+)?"
    r"((?:[A-Z][\w’'-]*|al-[\w-]+|ez-[\w-]+|ad-[\w-]+)(?:\s+(?:[A-Z][\w’'-]*|al-[\w-]+|ez-[\w-]+|ad-[\w-]+|ez|al|el|de))*)"
    r"(?:\s+(provinces?|governorate|region|district|airbase|air\s+base|base))?")
_FACILITY_AFTER = re.compile(r"\s*(hospital|mosque|school|university|brigade|group|agency|service|council|news)\b", re.I)
_NOT_PLACES = set("""The A An In On At Of For And But Or It He She They We This That These Those Earlier Meanwhile
However According Russian Russians Syrian Syrians American Turkish Ukrainian British Islamic State President
Major General Minister Ministry Defense Defence Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
February March April May June July August September October November December Read Support Dear All News
Board Agency Mr Ms Moscow-based""".split())


def _place_ok(look, span: str) -> bool:
    b = look.best
    if b is None:
        return False
    r = b.record
    if look.in_hinted_country:
        return b.tier <= 2
    # a foreign match must be exact and not a small place (a surname or a common word otherwise)
    return b.tier == 1 and (r.kind != "populated_place" or r.population >= 100_000) and r.kind != "site" or (
        b.tier == 1 and r.kind in ("country", "region", "sea", "admin1"))


_LOCATIVE = re.compile(r"\b(?i:in|at|near|to|from|over|into|inside|across|outside|toward|towards|off)\s+"
                       r"(?:the\s+)?(?:(?:province|region|city|town|village|port|coast)\s+of\s+)?(?:\w+['’]s\s+)?"
                       r"(?:[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*(?:,\s*|\s+and\s+|\s+or\s+))*$")


def _place_from(g, s: str, name: str, a0: int, suffix: Optional[str], words: str, taken, country: str
                ) -> Optional[PlaceProposal]:
    toks = name.split()
    lead = 0
    while toks and toks[0] in _NOT_PLACES:
        lead += 1
        toks.pop(0)
    while toks and toks[-1] in _NOT_PLACES:
        toks.pop()
    if not toks:
        return None
    clean = " ".join(toks)
    a = a0 + name.find(toks[0])
    if any(x <= a < y for x, y in taken):
        return None
    if _FACILITY_AFTER.match(s[a0 + len(name):]) and not suffix:
        return None
    look = g.lookup(clean, country=country, fuzzy=False)
    if look.best is None and look.outside and country:
        # The hint is a border: a name found only abroad has no answer inside it, just
        # alternatives. Look again without it, so the rules for a place abroad below (exact, not
        # small, after a locative) can apply at all ("intercepted over Russia's Belgorod region").
        look = g.lookup(clean, country=None, fuzzy=False)
    if not _place_ok(look, clean):
        return None
    if not look.in_hinted_country:
        # Abroad, a country or city is more often a party ("Russia started", "Moscow and Washington
        # signed") or a dateline ("MOSCOW, August 2. /TASS/") than the event's place: keep it only
        # after a locative preposition ("returned to Russia", "in Crimea's Sevastopol").
        before = s[max(0, a - 30):a]
        if not _LOCATIVE.search(before):
            return None
    query = f"{clean} {suffix}" if suffix and suffix.lower().startswith("province") else clean
    if "province of" in words.lower():
        query = f"{clean} province"
    return PlaceProposal(words.strip(), a, s, query, {})


def propose_places(text: str, country: str = "SY", actors: Iterable = ()) -> list[PlaceProposal]:
    import geodata
    from geodata.gazetteer import get_gazetteer

    g = get_gazetteer()
    finder = actors if isinstance(actors, ActorFinder) else ActorFinder(actors)
    seen: dict[str, PlaceProposal] = {}
    for sent in sentences(text):
        s = sent.text
        taken = [(m.start, m.end) for m in finder.find(s)]
        for m in _NAME_RUN.finditer(s):
            words = m.group(0)
            offset = m.start(1)
            # "Crimea's Sevastopol": a possessive joins two names; try each
            parts = re.split(r"(['’]s\s+)", m.group(1))
            pos = 0
            for i, part in enumerate(parts):
                if i % 2:
                    pos += len(part)
                    continue
                last = i == len(parts) - 1
                prop = _place_from(g, s, part, offset + pos, m.group(2) if last else None,
                                   words if last else part, taken, country)
                pos += len(part)
                if prop and prop.query.lower() not in seen:
                    res = geodata.resolve(prop.query, country)
                    if res.get("lat") is None and country and not res.get("ambiguous"):
                        # The hint is a border for geodata; a place abroad got here only after a
                        # locative preposition (_place_from), so ask again without the hint. (Not
                        # for namesakes inside the country that nothing told apart: no coin toss.)
                        res = geodata.resolve(prop.query, None)
                    if res.get("lat") is None:
                        continue
                    prop.result = res
                    prop.start += sent.start
                    prop.sentence = s
                    seen[prop.query.lower()] = prop
    return list(seen.values())


# -------------------------------------------------------------------------- dates

@dataclass
class DateProposal:
    words: str
    start_at: int  # offset in the text
    sentence: str
    start: dt.date
    end: dt.date
    precision: str
    basis: str = "inferred"
    note: str = ""


_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_WEEKDAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUMW = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several|a)"
_DATE_RX = re.compile(
    r"\b(?:"
    rf"(?P<part>early|mid|late)[- ](?P<pmonth>{_MONTHS})(?:\s+(?P<pmyear>\d{{4}}))?"
    rf"|(?P<part2>early|mid|late)[- ](?P<pyear>\d{{4}})"
    rf"|(?P<md>{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)"
    rf"|(?P<dm>\d{{1,2}}\s+{_MONTHS}(?:\s+\d{{4}})?)"
    rf"|(?P<my>{_MONTHS}\s+\d{{4}})"
    rf"|(?:in\s+)(?P<month>{_MONTHS})\b(?!\s+\d)"
    rf"|(?:in\s+)(?P<year>(?:19|20)\d{{2}})\b"
    rf"|(?:on\s+)?(?P<wd>{_WEEKDAYS})"
    r"|(?P<yday>yesterday|the day before)"
    r"|(?P<last>last\s+(?:year|month|week))"
    rf"|(?P<ago>(?:about\s+|some\s+|nearly\s+|almost\s+)?{_NUMW}\s+(?:days?|weeks?|months?|years?)\s+ago)"
    rf"|(?P<past>(?:over\s+)?the\s+(?:past|last)\s+{_NUMW}\s+(?:days?|weeks?|months?))"
    r")\b", re.I)


def _dp(words: str, base: dt.date) -> Optional[dt.date]:
    import dateparser

    d = dateparser.parse(words, languages=["en"], settings={
        "RELATIVE_BASE": dt.datetime.combine(base, dt.time(12)), "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False})
    return d.date() if d else None


def _month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _past_year(month: int, base: dt.date, year: Optional[int]) -> int:
    if year:
        return year
    return base.year if month <= base.month else base.year - 1


def propose_dates(text: str, published: dt.date) -> list[DateProposal]:
    out: list[DateProposal] = []
    for sent in sentences(text):
        s = sent.text
        for m in _DATE_RX.finditer(s):
            words = m.group(0).strip()
            g = m.groupdict()
            rng: Optional[tuple[dt.date, dt.date, str]] = None
            how = ""
            try:
                if g["part"] or g["part2"]:
                    part = (g["part"] or g["part2"]).lower()
                    if g["pmonth"]:
                        d = _dp(f"1 {g['pmonth']} {g['pmyear'] or ''}".strip(), published)
                        y = _past_year(d.month, published, int(g["pmyear"]) if g["pmyear"] else None)
                        a, b = _month_range(y, d.month)
                        cut = {"early": (1, 10), "mid": (11, 20), "late": (21, b.day)}[part]
                        rng = (a.replace(day=cut[0]), a.replace(day=cut[1]), "month")
                    else:
                        y = int(g["pyear"])
                        cut = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}[part]
                        rng = (dt.date(y, cut[0], 1), _month_range(y, cut[1])[1], "year")
                    how = f"{part} part of the {'month' if g['pmonth'] else 'year'}"
                elif g["md"] or g["dm"]:
                    d = _dp(words, published)
                    if d is None:
                        continue
                    if not re.search(r"\d{4}", words) and d > published:
                        d = d.replace(year=d.year - 1)
                    rng, how = (d, d, "day"), "" if re.search(r"\d{4}", words) else "the year from the publication date"
                elif g["my"] or g["month"]:
                    d = _dp("1 " + (g["my"] or g["month"]), published)
                    y = _past_year(d.month, published, d.year if g["my"] else None)
                    rng, how = (*_month_range(y, d.month), "month"), "" if g["my"] else "the year from the publication date"
                elif g["year"]:
                    y = int(g["year"])
                    rng = (dt.date(y, 1, 1), dt.date(y, 12, 31), "year")
                elif g["wd"]:
                    d = _dp(g["wd"], published + dt.timedelta(days=1))  # "Tuesday" may be the publication day
                    if d is None:
                        continue
                    rng, how = (d, d, "day"), f"the {g['wd']} on or before the publication date"
                elif g["yday"]:
                    d = published - dt.timedelta(days=1)
                    rng, how = (d, d, "day"), "the day before the publication date"
                elif g["last"]:
                    unit = g["last"].split()[-1].lower()
                    if unit == "year":
                        y = published.year - 1
                        rng = (dt.date(y, 1, 1), dt.date(y, 12, 31), "year")
                    elif unit == "month":
                        first = published.replace(day=1) - dt.timedelta(days=1)
                        rng = (*_month_range(first.year, first.month), "month")
                    else:
                        monday = published - dt.timedelta(days=published.weekday() + 7)
                        rng = (monday, monday + dt.timedelta(days=6), "week")
                    how = "relative to the publication date"
                elif g["ago"]:
                    core = re.sub(r"^(about|some|nearly|almost)\s+", "", g["ago"], flags=re.I)
                    d = _dp(core, published)
                    if d is None:
                        continue
                    vague = core != g["ago"] or re.match(r"(a few|several)", core, re.I)
                    unit = re.search(r"(day|week|month|year)", core, re.I).group(1).lower()
                    slack = {"day": 3, "week": 7, "month": 15, "year": 183}[unit] if vague else 0
                    prec = {"day": "week" if vague else "day", "week": "week", "month": "month", "year": "year"}[unit]
                    rng = (d - dt.timedelta(days=slack), min(published, d + dt.timedelta(days=slack)), prec)
                    how = "counted back from the publication date"
                elif g["past"]:
                    n_words = re.search(rf"{_NUMW}\s+(days?|weeks?|months?)", g["past"], re.I).group(0)
                    d = _dp(n_words + " ago", published)
                    if d is None:
                        continue
                    unit = re.search(r"(day|week|month)", n_words, re.I).group(1).lower()
                    rng = (d, published, {"day": "week", "week": "week", "month": "month"}[unit])
                    how = "the period up to the publication date"
            except (ValueError, AttributeError):
                continue
            if rng is None or rng[1] < rng[0]:
                continue
            note = f'"{words}" (source published {published.isoformat()})' + (f": {how}" if how else "")
            out.append(DateProposal(words, sent.start + m.start(), s, rng[0], rng[1], rng[2], "inferred", note))
    return out


# -------------------------------------------------------------------------- tolls

@dataclass
class TollProposal:
    words: str
    start_at: int
    sentence: str
    count: Optional[int] = None
    low: Optional[int] = None
    note: str = ""


_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "a dozen": 12, "two dozen": 24, "dozens of": None})
_PEOPLE = (r"(?:people|persons|civilians|soldiers|servicem[ae]n|marines|troops|militants|fighters|insurgents"
           r"|Russians|Syrians|crew(?: members)?|pilots|officers|children|women|men|personnel|volunteers|dead|killed|died)")
_TOLL_RX = re.compile(
    rf"\b(?P<q>at least|more than|over|about|nearly|up to)?\s*(?P<n>\d[\d,]*|{'|'.join(sorted((k for k in _NUMBER_WORDS if k != 'dozens of'), key=len, reverse=True))})"
    rf"\s+(?:(?:[A-Za-z-]+\s+){{0,3}}?){_PEOPLE}\b", re.I)
_DEATH = re.compile(r"\b(kill\w*|dead|died|death|deaths|fatalit\w*|bodies|casualt\w*|lost)\b", re.I)


def propose_tolls(text: str) -> list[TollProposal]:
    out: list[TollProposal] = []
    for sent in sentences(text):
        s = sent.text
        if not _DEATH.search(s):
            continue
        for m in _TOLL_RX.finditer(s):
            raw = m.group("n").lower().replace(",", "")
            n = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)
            if n is None or (raw.isdigit() and 1900 <= n <= 2100):
                continue
            q = (m.group("q") or "").lower()
            words = m.group(0).strip()
            if q in ("at least", "more than", "over"):
                out.append(TollProposal(words, sent.start + m.start(), s, low=n + (1 if q in ("more than", "over") else 0),
                                        note=f'"{words}"'))
            else:
                out.append(TollProposal(words, sent.start + m.start(), s, count=n, note=f'"{words}"'))
    return out
