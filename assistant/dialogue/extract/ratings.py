"""Which numbers are ratings: runs of numbers ("a six or seven"), the evidence that a number is a rating and
not a count or a time, and readings grouped per cue (a correction takes the later one)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from assistant.dialogue import parse
from assistant.dialogue.extract.document import Doc, Run, phrases_within, said_as_numbers
from assistant.dialogue.extract.rules import extract_rules, number, phrase_set, rating_number, simple_matcher, word_set
from assistant.dialogue.words import Hit, Matcher
from assistant.text import data_file


def rating_runs(doc: Doc, lenient: bool = False) -> list[Run]:
    """The numbers 0-10 that are ratings, joined into runs ("a six or seven"); ``lenient`` for corrections."""
    if lenient:
        return _find_rating_runs(doc, lenient)
    if doc.ratings is None:
        doc.ratings = _find_rating_runs(doc, lenient)
    return doc.ratings


def _find_rating_runs(doc: Doc, lenient: bool) -> list[Run]:
    rules = extract_rules()["ratings"]["evidence"]
    words = doc.words
    range_words = set(data_file("session.toml")["words"]["range_words"])
    scaled = _scale_tokens(doc)
    units = word_set("durations", "units")
    run_gap = extract_rules()["ratings"]["run_gap"]
    candidates = [i for i in range(len(words)) if (v := rating_number(words, i)) is not None and 0 <= v <= 10
                  and i not in scaled and not _inside_bigger(words, i) and not set(words[i + 1:i + 2]) & units
                  and not _money_or_thousands(doc, i)]
    runs: list[Run] = []
    for i in candidates:
        last = runs[-1] if runs else None
        if last and i - last.numbers[-1] <= run_gap and doc.same_sentence(last.numbers[-1], i) and not arrow_between(
                doc, last.numbers[-1], i):
            between = words[last.numbers[-1] + 1:i]  # none: "five six", "five, six"
            listed = between[:1] == ["and"] and doc.tokens[last.numbers[-1] + 1].comma_before  # "a 6, and 3 after"
            if set(between) <= range_words | {"a", "an"} and not (last.transition and between[:1] == ["to"]) and (
                    not listed):
                last.numbers.append(i)
                last.end = i + 1
                continue
        start = i
        if i >= 1 and words[i - 1] in ("a", "an"):
            start = i - 1
        elif i >= 2 and words[i - 1] in rules["article_fillers"] and words[i - 2] in ("a", "an"):
            start = i - 2
        transition = start >= 1 and words[start - 1] == "from"
        loose = any(words[i].startswith(p) for p in rules["loose_prefixes"])  # "in the mid-sevens": a rating
        runs.append(Run(start, i + 1, [i], None, bare=start == i and not loose, transition=transition))
    kept = []
    for run in runs:
        end = run.end
        half = next((p for p in phrase_set("ratings", "halves") if tuple(words[end:end + len(p)]) == p), ())
        end += len(half)
        run.end = end
        single = rating_number(words, run.numbers[0]) if len(run.numbers) == 1 and end == run.numbers[0] + 1 else None
        if single is not None and single == int(single):  # one plain number: what parse_rating would read
            value = parse.Parsed(int(single))
        else:
            value = parse.parse_rating(said_as_numbers(doc, run.numbers[0], end))
        if lenient:  # a correction: every number counts but the one being replaced ("not an eight")
            run.transition = False
            dropped = phrase_set("correct", "drop_before")
            replaced = any(tuple(words[run.start - len(p):run.start]) == p for p in dropped)
            if value.ok and not replaced:
                run.value = value.value
                kept.append(run)
        elif value.ok and (_is_rating(doc, run) or _corrects(doc, run, kept)) and not _someone_elses(doc, run):
            run.value = value.value
            run.end = _past_scale(doc, run.end)
            kept.append(run)
    return kept


def _someone_elses(doc: Doc, run: Run) -> bool:
    """"she's always a 10 before reading", "he said he was at a 3": someone else's level, not the speaker's."""
    rules = extract_rules()["ratings"]["others"]
    lead = doc.words[max(0, run.start - 5):run.start]
    fillers = word_set("ratings", "evidence", "near_fillers") | word_set("ratings", "others", "states")
    for k, word in enumerate(lead):
        if word in rules["holders"] and not doc.breaks_between(run.start - len(lead) + k, run.start) and all(
                w in fillers and w not in ("i", "im", "id", "my") for w in lead[k + 1:]):
            return any(w in rules["states"] for w in lead[k + 1:]) or word.endswith(("s", "re"))
    return False


def _corrects(doc: Doc, run: Run, kept: list[Run]) -> bool:
    """A number said as a correction of a rating just before it ("a seven, no, let's just say eight"): a rating
    too, though nothing else about it says so."""
    if not kept or run.start - kept[-1].end > extract_rules()["ratings"]["group_reach"]:
        return False
    lead = doc.words[kept[-1].end:run.start]
    fillers = word_set("ratings", "evidence", "near_fillers")
    return _follower_ok(doc, run.end) and any(
        tuple(lead[k:k + len(p)]) == p and len(lead) - k - len(p) <= 3 and all(w in fillers for w in lead[k + len(p):])
        for p in phrase_set("ratings", "evidence", "corrections") for k in range(len(lead)))


def _past_scale(doc: Doc, end: int) -> int:
    """The end of a rating with its scale ("six out of ten", "8/10"), so a cue after the scale is next to it."""
    words = doc.words
    if _of_ten(doc, end):
        return end + 2
    if words[end:end + 2] == ["out", "of"] and end + 2 < len(words) and number(words[end + 2]) is not None:
        return end + 3
    if _slash_scale(doc, end):
        return end + 1
    said = _scale_said(doc, end)
    return said.end if said is not None else end


def _scale_said(doc: Doc, end: int) -> Hit | None:
    """A scale said right after a number ("seven on the scale", "a four on a scale of one to ten")."""
    return next((h for h in _scale_matcher().find(doc.tokens) if h.start == end), None)


@lru_cache(maxsize=None)
def _scale_matcher() -> Matcher:
    return simple_matcher("scale", extract_rules()["ratings"]["evidence"]["scale"])


def _money_or_thousands(doc: Doc, i: int) -> bool:
    """"£1,100", "$5", "1,200": an amount, never a rating."""
    token = doc.tokens[i]
    before = doc.text[max(0, token.start - 1):token.start]
    raw = doc.text[token.start:token.end]
    after = doc.text[token.end:token.end + 2]
    return (before in "£$€¥₹" and before != "") or raw[:1] in "£$€¥₹" or (
        len(after) == 2 and after[0] in ",." and after[1].isdigit())


def _inside_bigger(words: list[str], i: int) -> bool:
    """"twenty five", "seven thirty" (a time), "1 2 3": part of another number, not a rating."""
    before = number(words[i - 1]) if i else None
    return before is not None and before >= 20


def _scale_tokens(doc: Doc) -> set[int]:
    found: set[int] = set()
    for hit in _scale_matcher().find(doc.tokens):
        found.update(range(hit.start, hit.end))
    found.update(i for i in range(len(doc.tokens)) if _slash_scale(doc, i))  # "7/10": the 10 is the scale
    for i in range(1, len(doc.tokens)):  # "(0-10)", "a 1-10 scale": both numbers are the scale
        if doc.words[i - 1:i + 1] in (["0", "10"], ["1", "10"]) and doc.text[
                doc.tokens[i - 1].end:doc.tokens[i].start] == "-":
            found.update((i - 1, i))
    return found


def _of_ten(doc: Doc, end: int) -> bool:
    """"6 of 10", "seven of ten" said as a rating (not "6 of 10 people")."""
    return doc.words[end:end + 2] in (["of", "10"], ["of", "ten"]) and _follower_ok(doc, end + 2)


def _slash_scale(doc: Doc, i: int) -> bool:
    """Token i is the scale of "7/10" (not a list: "6 before / 8 peak")."""
    return (0 < i < len(doc.tokens) and doc.words[i] in ("10", "100") and number(doc.words[i - 1]) is not None
            and doc.text[doc.tokens[i - 1].end:doc.tokens[i].start].strip() == "/")


def _is_rating(doc: Doc, run: Run) -> bool:
    """Clearly a rating: "a seven", "6 out of 10", a number next to a cue or near a word about anxiety; and
    not a count, a time, an age or a bound ("my three cousins", "at three", "since I was seven", "above a five")."""
    rules = extract_rules()["ratings"]["evidence"]
    words = doc.words
    first = run.numbers[0]
    before = words[run.start - 1] if run.start and doc.same_sentence(run.start - 1, run.start) else ""
    led_by_cue = any(c.end == run.start for c in doc.cues)  # "going in, eight": "in" ends the cue
    if run.bare and before in rules["not_after"] and not led_by_cue and not (run.transition and before == "from"):
        return False
    if before in rules["bounds"] and not doc.tokens[run.start].comma_before and not led_by_cue:
        return False  # a bound ("above a five"), unless a cue says it was the worst ("never went above a five")
    scaled = (words[run.end:run.end + 2] == ["out", "of"] or _slash_scale(doc, run.end) or _of_ten(doc, run.end)
              or _scale_said(doc, run.end) is not None)
    if scaled:
        return True
    if not _follower_ok(doc, run.end):
        return False
    if not run.bare:
        return True
    if words[first] in rules["pronouns"] and not led_by_cue:
        return False
    # "one at five", "at one at one": a count or a time (and often a mishearing), never a rating.
    if (words[run.end:run.end + 1] == ["at"] and run.end + 1 < len(words) and number(words[run.end + 1]) is not None
            and words[run.end + 2:run.end + 3] != ["point"]):  # "up to eight at one point" is a rating
        return False
    if before == "at" and run.start >= 2 and number(words[run.start - 2]) is not None:
        return False
    # A bare number: a time after "at / around / by ...", unless a cue or a rating word leads to it
    # ("peaked at eight", "anxiety was around six"). "before seven" is a time; "before, seven" a rating.
    if before in rules["time_words"]:
        own_cue = [c for c in doc.cues if c.end == run.start]
        if own_cue and len(own_cue[0].phrase.split()) == 1:
            if not doc.tokens[first].comma_before and not _in_list(doc, run, own_cue[0]) and not _said_alone(
                    doc, own_cue[0], run):
                return False
        elif not own_cue:
            ahead = words[run.start - 2] if run.start >= 2 else ""
            # A cue leads to it when the cue says a level ("peaked at eight"), not an event ("got home at nine").
            states = word_set("ratings", "evidence", "leading_states") | word_set(
                "ratings", "evidence", "level_verbs")
            led = (ahead in states or ahead in word_set("ratings", "evidence", "anxiety_words")
                   or any(c.end == run.start - 1 and doc.words[c.end - 1] in states for c in doc.cues)
                   or (run.transition and _cue_follows(doc, run)))  # "went from 7 before to 3 after"
            if not led:
                return False
    near = phrases_within(doc, phrase_set("ratings", "evidence", "anxiety_words"), first,
                          extract_rules()["ratings"]["anxiety_reach"])
    return near or _cue_adjacent(doc, run) or _trails_its_cue(doc, run) or _held(doc, run) or _arrowed(doc, run)


def _arrowed(doc: Doc, run: Run) -> bool:
    """"7 -> 2": a number joined by an arrow to another number 0-10 is a reading of a changing level."""
    def reading(i: int) -> bool:
        value = rating_number(doc.words, i) if 0 <= i < len(doc.words) else None
        return value is not None and 0 <= value <= 10
    return ((run.end < len(doc.words) and arrow_between(doc, run.end - 1, run.end) and reading(run.end))
            or (run.start > 0 and arrow_between(doc, run.start - 1, run.start) and reading(run.start - 1)))


def _held(doc: Doc, run: Run) -> bool:
    """"hovering around five the whole time, start to finish": a level said to hold, right after the number."""
    return any(run.end <= h.start <= run.end + 1 and doc.same_sentence(run.end - 1, h.start)
               for h in _hold_words().find(doc.tokens))


@lru_cache(maxsize=None)
def _hold_words() -> Matcher:
    rules = extract_rules()["ratings"]["hold"]
    return simple_matcher("hold", [*rules["phrases"], *rules["through"]])


def _said_alone(doc: Doc, cue: Hit, run: Run) -> bool:
    """"before 4. peak 6 or 7. after 3.": a moment and a number as a whole sentence are a reading, not a time."""
    starts = cue.start == 0 or doc.breaks_between(cue.start - 1, cue.start)
    ends = run.end >= len(doc.words) or doc.breaks_between(run.end - 1, run.end)
    return starts and ends


def _trails_its_cue(doc: Doc, run: Run) -> bool:
    """"The worst bit was when she asked why, 8.", "the worst was when she stopped typing - I was at 10.": a bare
    number said last in its sentence, after a comma or in a short clause of filler words after one, with a moment
    cue earlier in that sentence, is that moment's reading."""
    end, first = run.end, run.numbers[0]
    rest = [k for k in range(end, len(doc.words)) if doc.same_sentence(end - 1, k)]
    fillers = word_set("ratings", "evidence", "near_fillers")
    said_last = len(rest) <= 2 and all(doc.words[k] in fillers for k in rest)  # "..., I was at a nine right then."
    reach = extract_rules()["ratings"]["reach"]
    # the number, or a short clause of filler words leading to it ("..., I was at 10."), follows the comma
    clause = next((k for k in range(first, max(-1, first - 5), -1) if doc.tokens[k].comma_before), None)
    led = clause is not None and all(w in fillers for w in doc.words[clause:first])
    return said_last and led and any(
        c.end <= run.start and run.start - c.end <= reach and doc.same_sentence(c.start, first)
        and not c.label.startswith("near:") for c in doc.cues)


def _in_list(doc: Doc, run: Run, cue: Hit) -> bool:
    """"before 6, during 8, after 3": a bare number after "before" / "after" is a rating, not a time, when it
    ends its list item and another cue of the sentence is followed straight away by its number."""
    end = run.end
    item_ends = end >= len(doc.words) or doc.breaks_between(end - 1, end) or doc.tokens[end].comma_before
    return item_ends and any(
        other is not cue and other.end < len(doc.words) and doc.same_sentence(other.start, run.start)
        and rating_number(doc.words, other.end) is not None and not doc.breaks_between(other.end - 1, other.end)
        for other in doc.cues)


def arrow_between(doc: Doc, a: int, b: int) -> bool:
    """An arrow ("->", "→") between token a and token b."""
    return doc.text[doc.tokens[a].end:doc.tokens[b].start].strip() in extract_rules()["ratings"]["sequence"]["arrows"]


def _follower_ok(doc: Doc, end: int) -> bool:
    """The word after a rating is one a rating can be followed by (not "minutes", "cousins", "thirty")."""
    if end >= len(doc.words) or doc.breaks_between(end - 1, end) or doc.tokens[end].comma_before:
        return True
    if arrow_between(doc, end - 1, end):
        return True
    follow = phrase_set("ratings", "evidence", "may_follow")
    if any(tuple(doc.words[end:end + len(p)]) == p for p in follow):
        return True
    if _doing(doc.words[end]):  # "peaked at 6 ordering", "an eight walking over": what they were doing then
        return True
    return any(c.start == end for c in doc.cues)


def _doing(word: str) -> bool:
    """An -ing word that says what someone was doing ("ordering", "walking"), not a count ("six meetings") or a
    time of day ("seven morning")."""
    return word.endswith("ing") and len(word) > 5 and word not in word_set("ratings", "evidence", "not_doing")


def _cue_adjacent(doc: Doc, run: Run) -> bool:
    rules = extract_rules()["ratings"]
    fillers = word_set("ratings", "evidence", "near_fillers")
    for cue in doc.cues:
        reachable = doc.same_sentence(cue.end - 1, run.start) or (
            doc.tokens[run.start].sentence == doc.tokens[cue.end - 1].sentence + 1 and cue_alone(doc, cue))
        if cue.end <= run.start and run.start - cue.end <= rules["adjacent_after"] and reachable:
            if all(w in fillers for w in doc.words[cue.end:run.start]):
                return True
        if cue.start >= run.end and cue.start - run.end <= rules["adjacent_before"] and doc.same_sentence(
                run.end - 1, cue.start):
            if all(w in fillers for w in doc.words[run.end:cue.start]):
                return True
    return False


@dataclass
class Group:
    """One reading for one cue: a run, or runs merged by a correction (the later) or agreeing."""

    start: int
    end: int
    value: int | None  # None: two different numbers, nothing to choose between them
    change: tuple[int, int] | None = None  # "from a seven to a three": the first and the later reading

    def reading(self, field: str) -> int | None:
        """The value for a cue's field; of a change, "before" gets the first and "after" the later."""
        if self.change is None:
            return self.value
        return {"anxiety_before": self.change[0], "anxiety_after": self.change[1]}.get(field)


def reading_groups(doc: Doc, runs: list[Run]) -> list[Group]:
    corrections = phrase_set("ratings", "evidence", "corrections")
    group_reach = extract_rules()["ratings"]["group_reach"]
    groups: list[tuple[Group, Run]] = []
    for run in runs:
        if groups and run.start - groups[-1][1].end <= group_reach:  # further apart, always a reading of its own
            group, previous = groups[-1]
            between = doc.words[previous.end:run.start]
            cue_between = any(previous.end <= c.start and c.end <= run.start for c in doc.cues)
            corrected = any(tuple(between[k:k + len(p)]) == p for p in corrections for k in range(len(between)))
            # ", then like a three": a later moment, not a second guess at the same one ("a four then a nine"
            # with no pause between stays one reading with two numbers, and is left empty).
            then = any(tuple(between[k:k + len(p)]) == p and doc.tokens[previous.end + k].comma_before
                       for p in phrase_set("ratings", "sequence", "then") for k in range(len(between)))
            arrow = arrow_between(doc, previous.end - 1, run.start)
            if not corrected and (then or arrow or new_clause(doc, previous.end, run.start)):
                groups.append((Group(run.start, run.end, run.value), run))
                continue
            close = run.start - previous.end <= group_reach and (
                doc.same_sentence(previous.end - 1, run.start) or corrected)
            if close and not cue_between and previous.transition and between == ["to"]:
                assert previous.value is not None and run.value is not None  # rating_runs keeps read runs only
                groups[-1] = (Group(group.start, run.end, None, (previous.value, run.value)), run)
                continue
            # "a four now, no, actually lower, a three": the cue said with the first is the correction's too
            mended = corrected and _cue_then_correction(doc, previous.end, run.start)
            if close and (not cue_between or mended) and (corrected or not _cue_follows(doc, run)):
                if corrected:
                    value = run.value
                elif group.value == run.value:
                    value = group.value
                else:
                    value = None
                groups[-1] = (Group(group.start, run.end, value), run)
                continue
        groups.append((Group(run.start, run.end, run.value), run))
    return [g for g, _ in groups]


def _cue_then_correction(doc: Doc, start: int, end: int) -> bool:
    """Between two readings, every cue comes before the correction's words ("now, no, actually lower")."""
    words = doc.words[start:end]
    at = next((k for k in range(len(words)) for p in phrase_set("ratings", "evidence", "corrections")
               if tuple(words[k:k + len(p)]) == p), None)
    return at is not None and all(c.end <= start + at for c in doc.cues if start <= c.start < end)


def new_clause(doc: Doc, start: int, end: int, joined_by_but: bool = False) -> bool:
    """", and I feel like a two" (or "but I was"): a joining word and a subject of its own between two words."""
    for k in range(start, end - 1):
        if doc.words[k] in word_set("tokens", "joining_words") and doc.words[k + 1] in word_set(
                "tokens", "statement_subjects"):
            if doc.tokens[k].comma_before or (joined_by_but and doc.words[k] == "but"):
                return True
    return False


def opens_statement(doc: Doc, cue_end: int) -> bool:
    """A cue followed by a subject ("... a six. Right now I am at a two", its full stop lost in a transcript:
    "maybe a six right now I am ...") opens a statement of its own: it does not take the number before it."""
    return (cue_end < len(doc.words) and doc.words[cue_end] in word_set("tokens", "statement_subjects")
            and not doc.breaks_between(cue_end - 1, cue_end)
            and not doc.tokens[cue_end].comma_before)  # "four walking in, it went up": the comma closes the cue


def _cue_follows(doc: Doc, run: Run) -> bool:
    """A cue straight after the number ("and I'm a six right now"): the number is that cue's."""
    fillers = word_set("ratings", "evidence", "near_fillers")
    return any(run.end <= c.start <= run.end + 2 and not doc.breaks_between(run.end - 1, c.start)
               and all(w in fillers for w in doc.words[run.end:c.start]) for c in doc.cues)


def cue_alone(doc: Doc, cue: Hit) -> bool:
    """A cue said as a sentence of its own ("Before? A four."): it may take the next sentence's number."""
    sentence = doc.tokens[cue.start].sentence
    fillers = word_set("ratings", "evidence", "near_fillers")
    return all(t.norm in fillers for i, t in enumerate(doc.tokens)
               if t.sentence == sentence and not cue.start <= i < cue.end)
