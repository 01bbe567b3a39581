"""Extraction of a spoken reflection: the reflection table, corrections at the summary, the summary itself, and
reflections through the real speech path (espeak-ng and Piper voices → whisper tiny.en → extraction)."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.dialogue import parse
from assistant.dialogue.extract import FIELDS, KINDS, Extraction, extract, parse_correction, summary
from assistant.text import data_file
from reflections import NUMERIC, ROWS


def _problems(row, found: Extraction) -> list[str]:
    problems = []
    for field, want in row.expect.items():
        got = found.value(field)
        if field == "emotions":
            if got is None or not set(want) <= set(got):
                problems.append(f"{field}: want {want}, got {got}")
        elif isinstance(want, str):
            if got is None or want.lower() not in got.lower():
                problems.append(f"{field}: want ~{want!r}, got {got!r}")
        elif got != want:
            problems.append(f"{field}: want {want!r}, got {got!r}")
    for field in row.absent:
        if field in found:
            problems.append(f"{field} should be empty, got {found.value(field)!r} from {found.get(field).words!r}")
    for name in row.not_emotions:
        if name in (found.value("emotions") or []):
            problems.append(f"emotion {name!r} should be left out")
    return problems


@pytest.mark.parametrize("row", ROWS, ids=[f"row{k}" for k in range(len(ROWS))])
def test_reflection_table(row):
    found = extract(row.text)
    assert not _problems(row, found), (row.text, found.values)


def test_table_is_big_and_varied_enough():
    assert len(ROWS) >= 40
    said = sum(1 for row in ROWS for f in row.expect if f in NUMERIC)
    absent = sum(1 for row in ROWS for f in row.absent if f in NUMERIC)
    assert said >= 60 and absent >= 30


@pytest.mark.parametrize("row", ROWS[:20], ids=[f"row{k}" for k in range(20)])
def test_every_value_keeps_the_words_it_came_from(row):
    found = extract(row.text)
    for item in found.found:
        start, end = item.span
        assert 0 <= start < end <= len(row.text)
        assert item.words == row.text[start:end]
        if KINDS[item.field] == "rating":
            assert item.cue and item.cue.lower() in item.words.lower()


def test_span_shows_where_a_rating_came_from():
    found = extract("I told her. Before I started my anxiety was about a seven. Now a three.")
    assert found.get("anxiety_before").words == "Before I started my anxiety was about a seven"
    assert found.get("anxiety_before").cue == "Before I started"
    assert found.get("anxiety_after").words == "Now a three"


@pytest.mark.parametrize("text", [row.text for row in ROWS[:10]] + [
    "Don't — I’m a 6/10, twenty-five mins... self-conscious 3rd İstanbul café", "", "   ", "7", "a1b2 5.5",
])
def test_tokens_are_the_parsers_words(text):
    from assistant.dialogue.words import tokens

    assert [t.norm for t in tokens(text)] == parse.words(text)


def test_fields_limits_what_is_returned():
    text = "Before I was a six and now a two. I felt relieved."
    assert extract(text).values.keys() >= {"anxiety_before", "anxiety_after", "emotions"}
    only = extract(text, fields=["anxiety_after", "learned"])
    assert only.values == {"anxiety_after": 2}
    assert only.missing(["anxiety_before", "anxiety_after", "learned"]) == ["anxiety_before", "learned"]


def test_fields_are_in_script_order_and_kinds_match_the_debrief_script():
    from assistant.dialogue.scripts import load_script

    found = extract(ROWS[0].text)
    order = [e.field for e in found.found]
    assert order == sorted(order, key=FIELDS.index)
    kinds = {s.field: s.kind for s in load_script("debrief").steps if s.type == "ask"}
    for field, kind in KINDS.items():
        if field in kinds:
            assert kinds[field] == kind, field


@pytest.mark.parametrize("said, step", [
    ("Next, I will invite Sam for coffee next week.", "invite Sam for coffee next week"),
    ("Next I'll call him.", "call him"),  # "next" as in "and then": not a time
    ("Next week I will call my brother.", "call my brother next week"),
    ("Tomorrow I'm going to text her.", "text her tomorrow"),
])
def test_a_leading_time_moves_to_the_end_of_the_next_step_but_next_alone_does_not(said, step):
    assert extract(said).value("next_step") == step


@pytest.mark.parametrize("said, easy", [
    # as whisper wrote the bench's told debrief: a comma where the voice paused
    ("And my chest was tight, starting the conversation was easier than I expected, but asking for more time "
     "stayed hard.", "starting the conversation was easier than I expected"),
    ("Starting the conversation was easier than I expected, and my chest was tight the whole time.",
     "Starting the conversation was easier than I expected"),
    ("Starting the conversation was easier than I expected even though my chest was tight.",
     "Starting the conversation was easier than I expected"),
    ("My chest was tight, it was easier than I expected to start.", "it was easier than I expected to start"),
])
def test_a_body_sensation_is_a_clause_of_its_own(said, easy):
    found = extract(said)
    assert found.value("body_sensations").lower() == "my chest was tight"
    assert found.value("felt_easy") == easy


def test_next_step_with_a_day_gives_a_follow_up_date():
    found = extract("It went okay. On Friday I'm going to ask her to lunch.", today=dt.date(2026, 12, 1))
    assert found.value("next_step") == "ask her to lunch on Friday"
    assert found.value("follow_up") == "2026-12-04"  # 1 December 2026 is a Tuesday


def test_nothing_said_nothing_found():
    assert extract("").found == ()
    assert extract("um").found == ()
    assert summary(extract("")) == data_file("extract.toml")["summary"]["nothing"]


def test_extraction_is_frozen():
    found = extract("Now a two.")
    with pytest.raises(AttributeError):
        found.found[0].value = 5


# --- the numeric fields said the ways people say them ----------------------------------------------------
# Each table is one cause of a missed or wrong number, in sentences written for these tests (not taken from
# the corpus). `want` is every numeric field that must come out; any other numeric value is an invented one.

def _numbers(text: str) -> dict:
    return {f: v for f, v in extract(text).values.items() if f in NUMERIC}


@pytest.mark.parametrize("said, want", [
    ("Going in I'd put it at a six. It spiked to a nine when he asked why. By the time I got home I was down to "
     "a three.", {"anxiety_before": 6, "anxiety_peak": 9, "anxiety_after": 3}),
    ("started off around a four, and then it crept up to a seven", {"anxiety_before": 4, "anxiety_peak": 7}),
    ("On the way over I was at a 7. When she opened the door it jumped to 9. Walking home, 4.",
     {"anxiety_before": 7, "anxiety_peak": 9, "anxiety_after": 4}),
    ("My anxiety level prior to the call was 6. At its height it reached 8. Once we finished, 3.",
     {"anxiety_before": 6, "anxiety_peak": 8, "anxiety_after": 3}),
    ("Initially I'd have said a 5; midway through it climbed to 7; by the end of the call it was 2.",
     {"anxiety_before": 5, "anxiety_peak": 7, "anxiety_after": 2}),
    ("when he answered I was about a 6, the most intense moment was an 8, and I ended the call at a 2",
     {"anxiety_before": 6, "anxiety_peak": 8, "anxiety_after": 2}),
    ("Waiting for her to pick up I was a six. I'm like a 3 at this point.",
     {"anxiety_before": 6, "anxiety_after": 3}),
    ("I was a 6 when I got there, then it went through the roof, like a ten",
     {"anxiety_before": 6, "anxiety_peak": 10}),
])
def test_moment_cues_people_use(said, want):
    assert _numbers(said) == want


@pytest.mark.parametrize("said, want", [
    # numbers with no "a" before them, as people type them
    ("I was 7 going in. It was 8 at the worst. I'm 3 now.", {"anxiety_before": 7, "anxiety_peak": 8,
                                                             "anxiety_after": 3}),
    ("i felt about 6 before and like 2 after", {"anxiety_before": 6, "anxiety_after": 2}),
    ("I'd rate my anxiety before as 6, the worst as 8, and after as 2.",
     {"anxiety_before": 6, "anxiety_peak": 8, "anxiety_after": 2}),
    ("anxiety at start 6 at worst 9 at end 3", {"anxiety_before": 6, "anxiety_peak": 9, "anxiety_after": 3}),
    ("My anxiety went from 7 before to 3 after.", {"anxiety_before": 7, "anxiety_after": 3}),
    ("Afterwards I felt calmer, maybe 4.", {"anxiety_after": 4}),
    ("Talked to Dad. Anxiety was 7 going in, then settled to about 4.", {"anxiety_before": 7, "anxiety_after": 4}),
    ("I was around 5 when we started talking.", {"anxiety_before": 5}),
    ("The worst bit was when she asked why I stopped replying, 8.", {"anxiety_peak": 8}),
    ("I am now at approximately four.", {"anxiety_after": 4}),
    # an event said before "at nine" makes it a time; a level said before it makes it a rating
    ("we met at 7 and i got home at 9", {}),
    ("it peaked at 9 when she asked", {"anxiety_peak": 9}),
])
def test_bare_numbers(said, want):
    assert _numbers(said) == want


@pytest.mark.parametrize("said, want", [
    # a moment said as a clause: "before I rang her", "after she answered", "by the time we said goodbye"
    ("it was like a 6 before i rang her and after she said yes like a 2", {"anxiety_before": 6, "anxiety_after": 2}),
    ("before ringing her i was a seven", {"anxiety_before": 7}),
    ("By the time we said goodbye, maybe a three.", {"anxiety_after": 3}),
    ("Once it was done I was a 2.", {"anxiety_after": 2}),
    ("A solid nine when I said it out loud, two when I hung up.", {"anxiety_peak": 9, "anxiety_after": 2}),
    # a clause about the feeling's own course names no moment of the meeting
    ("it peaked at 8 before settling at 4", {"anxiety_peak": 8}),
    ("it hit 9 before I calmed down to a 3", {"anxiety_peak": 9, "anxiety_after": 3}),
    ("it was an 8 before it came down", {}),
    ("it was a 6 before I knew it", {}),
    # "before" with a number and no clause is still a time of day
    ("I called her just before seven and told her. My anxiety at the worst was a six.", {"anxiety_peak": 6}),
])
def test_a_moment_cue_takes_its_clause(said, want):
    assert _numbers(said) == want


@pytest.mark.parametrize("said, minutes", [
    ("we talked for a good twenty minutes", 20),
    ("we were on the phone for an hour or so", 60),
    ("The call took about a quarter of an hour.", 15),
    ("The conversation went on for three quarters of an hour.", 45),
    ("We spoke for 1.5 hours.", 90),
    ("we chatted 15 mins", 15),
    ("We talked for 20-ish minutes.", 20),
    ("we talked for twenty-odd minutes", 20),
    ("It was a 20-minute call.", 20),
    ("We had a half-hour chat.", 30),
    ("We spoke for 5-10 minutes.", 10),  # a range takes the higher
    ("we talked for half an hour to an hour", 60),
    ("we talked for 20 minutes or half an hour", 30),
    ("we talked for 40 minutes, maybe 45 minutes", 45),
    ("the call was 20 minutes, 25 minutes tops", 25),
    ("we spent like an hour and a quarter together", 75),
    ("We were there two hours in the end.", 120),
    ("About 25 mins.", 25),  # a length said on its own is the meeting's
    ("Rang my uncle. Nine minutes according to my phone.", 9),
    ("Left after two and a half hours.", 150),
])
def test_meeting_lengths(said, minutes):
    assert _numbers(said) == {"conversation_minutes": minutes}


@pytest.mark.parametrize("said, want", [
    ("The panic lasted 45 seconds, then it passed.", {"anxiety_duration": 0.75}),
    ("The anxiety lasted a minute or two.", {"anxiety_duration": 2}),
    ("my hands were shaking for a good 5 minutes after", {"anxiety_duration": 5}),
    ("I felt the anxiety for about 30 minutes after hanging up.", {"anxiety_duration": 30}),
    # "lasted" is said of what comes before it in the sentence: the feeling, or the meeting
    ("when I said it it was a 9, and that lasted maybe 3 minutes", {"anxiety_peak": 9, "anxiety_duration": 3}),
    ("I was a two before and a two after. It lasted ten minutes.", {"anxiety_before": 2, "anxiety_after": 2}),
    # a rating next to a length is the feeling's length; a meeting's own words beat it
    ("it went to an 8 for maybe 30 seconds", {"anxiety_peak": 8, "anxiety_duration": 0.5}),
    ("talked to my dad for ten minutes i was a five the whole time", {"conversation_minutes": 10}),
    # one cue takes its nearest length
    ("the session is 50 minutes and we talked about it for twenty minutes of that", {"conversation_minutes": 20}),
    # not lengths of the meeting or the feeling
    ("The first 5 minutes were the hardest.", {}),
    ("I read for an hour before I called, I was a seven.", {"anxiety_before": 7}),
    ("It took me 10 minutes to get there.", {}),  # "it took" is said of what follows it
    ("It took me about 20 minutes to calm down.", {"anxiety_duration": 20}),
    ("Before I left home I had a 5 minute breathing break, then I was a six.", {"anxiety_before": 6}),
    ("During it, maybe a nine for a second.", {"anxiety_peak": 9}),
    ("Now, an hour later, I am calm, a two.", {"anxiety_after": 2}),
])
def test_what_a_length_is_said_of(said, want):
    assert _numbers(said) == want


@pytest.mark.parametrize("said, want", [
    ("I was a five the whole time, start to finish.", {"anxiety_before": 5, "anxiety_peak": 5, "anxiety_after": 5}),
    ("called my aunt, was a 3 start to finish", {"anxiety_before": 3, "anxiety_peak": 3, "anxiety_after": 3}),
    ("It stayed at a five the whole time.", {"anxiety_before": 5, "anxiety_peak": 5, "anxiety_after": 5}),
    ("I was a six from start to finish and now I'm a two.",
     {"anxiety_before": 6, "anxiety_peak": 6, "anxiety_after": 2}),
    ("i was a five the whole time", {}),  # no moment named: a level, not before / worst / after
    ("I was at a seven going in and it never went above that.", {"anxiety_before": 7, "anxiety_peak": 7}),
    ("At first I was maybe a four and it never went above a six.", {"anxiety_before": 4, "anxiety_peak": 6}),
    ("I was at a four going in and later it went above a six.", {"anxiety_before": 4}),  # a bound, not the worst
])
def test_levels_that_hold(said, want):
    assert _numbers(said) == want


@pytest.mark.parametrize("said, want", [
    ("Before 4/10, worst 7/10, after 2/10.", {"anxiety_before": 4, "anxiety_peak": 7, "anxiety_after": 2}),
    ("I was six-ish beforehand and maybe two-ish once it was over.", {"anxiety_before": 6, "anxiety_after": 2}),
    ("i was sevenish before", {"anxiety_before": 7}),
    ("Waiting for him to pick up I was in the mid-sevens.", {"anxiety_before": 7}),
    ("I would put my anxiety at seven out of ten beforehand.", {"anxiety_before": 7}),
    ("it was between a 5 and a 6 before", {"anxiety_before": 6}),
    ("not a mean one, just nervous. Started at a six, finished at a three.",
     {"anxiety_before": 6, "anxiety_after": 3}),  # "one" with no "a" is a pronoun
])
def test_numbers_said_loosely(said, want):
    assert _numbers(said) == want


@pytest.mark.parametrize("said, want", [
    ("i was at a for before and it went up to an ate then back to a to",
     {"anxiety_before": 4, "anxiety_peak": 8, "anxiety_after": 2}),
    ("before i knocked i was maybe a free out of ten", {"anxiety_before": 3}),
    ("when i left i was like a low for honestly", {"anxiety_after": 4}),
    # only where a rating is expected: not "a free coffee", "to" and "for" as words, or "a six too"
    ("it was a free coffee so i said yes, and i was a 3 going in", {"anxiety_before": 3}),
    ("i went to see her for lunch and talked to her for an hour", {"conversation_minutes": 60}),
    ("before, a six. during it was like a six too.", {"anxiety_before": 6, "anxiety_peak": 6}),
])
def test_recogniser_homophones_in_a_rating_slot(said, want):
    assert _numbers(said) == want


@pytest.mark.parametrize("said, want", [
    ("Before: 5. Peak: 8. After: 2.", {"anxiety_before": 5, "anxiety_peak": 8, "anxiety_after": 2}),
    ("pre: 6. peak: 9. post: 3.", {"anxiety_before": 6, "anxiety_peak": 9, "anxiety_after": 3}),
    ("Before = 7, worst = 9, after = 3", {"anxiety_before": 7, "anxiety_peak": 9, "anxiety_after": 3}),
    ("6 before / 8 peak / 2 after", {"anxiety_before": 6, "anxiety_peak": 8, "anxiety_after": 2}),
    ("Anxiety (0-10): before 6, during 8, after 3", {"anxiety_before": 6, "anxiety_peak": 8, "anxiety_after": 3}),
    ("Anxiety 6 -> 9 -> 3.", {"anxiety_before": 6, "anxiety_peak": 9, "anxiety_after": 3}),
    ("anxiety went 7 → 3", {"anxiety_before": 7, "anxiety_after": 3}),
    ("SUDS: 50 -> 90 -> 20.", {}),  # a 0-100 scale, not ratings
    ("I called her before 7, and at the worst I was a 6.", {"anxiety_peak": 6}),  # not a list: a time
    ("Anxiety before: 7/10\nAnxiety at worst: 8/10\nAnxiety after: 4/10\nLength of call: 30 min",
     {"anxiety_before": 7, "anxiety_peak": 8, "anxiety_after": 4, "conversation_minutes": 30}),
    ("Phoned my aunt. 7 beforehand. Highest point 8. Now 2. 12 minutes.",
     {"anxiety_before": 7, "anxiety_peak": 8, "anxiety_after": 2, "conversation_minutes": 12}),
])
def test_lists(said, want):
    assert _numbers(said) == want


@pytest.mark.parametrize("said, want", [
    # the highest reading between a said before and a said after, above both, is the worst
    ("typing it i was a six. she took an hour to answer and i sat at an eight. when she did i dropped to a 2.",
     {"anxiety_before": 6, "anxiety_peak": 8, "anxiety_after": 2}),
    # a later, lower reading after the worst, after "then", is the after
    ("like a five walking over, spiked to a 9 right as i knocked, then like a 4, fine",
     {"anxiety_before": 5, "anxiety_peak": 9, "anxiety_after": 4}),
    # a cue with its reading does not reach past ", then": the later readings are later moments
    ("My anxiety was 7 before, then 9, then 4.", {"anxiety_before": 7}),
    ("Before I was a 6, and 3 after.", {"anxiety_before": 6, "anxiety_after": 3}),
    # with no pause, "a four then a nine" is two guesses at one moment: left empty
    ("Before I was a four then a nine. Now I'm a three.", {"anxiety_after": 3}),
])
def test_readings_told_in_order(said, want):
    assert _numbers(said) == want


@pytest.mark.parametrize("said, want", [
    # a cue that goes on to its own number through a verb is that number's, not the one before it
    ("before i was at like a seven and uh the worst was an eight when i actually said it and after it was a to",
     {"anxiety_before": 7, "anxiety_peak": 8, "anxiety_after": 2}),
    # "never (really) went above" is the worst, and reads forward
    ("like a 3 before sending, never really went above a 4", {"anxiety_before": 3, "anxiety_peak": 4}),
    # what they were doing then may follow a rating
    ("Before the date I'd say four. Peaked at 6 ordering (lol). After: 2.",
     {"anxiety_before": 4, "anxiety_peak": 6, "anxiety_after": 2}),
    ("I was like 6ish before. When he asked me to justify it, it went up to 9.",
     {"anxiety_before": 6, "anxiety_peak": 9}),
    # a correction of a rating is a rating, though nothing else says so
    ("Going in I was a seven, no, let's just say eight honestly.", {"anxiety_before": 8}),
    ("in the waiting room i was maybe a 7, i actually stood up at one point", {"anxiety_before": 7}),
    # a level held "before, during and after"
    ("i was a five the whole time before during and after honestly", {"anxiety_before": 5, "anxiety_peak": 5,
                                                                       "anxiety_after": 5}),
    ("i was at a tree before and it went up to five", {"anxiety_before": 3, "anxiety_peak": 5}),
    ("On the walk there I was an eight. By the end about a 3.", {"anxiety_before": 8, "anxiety_after": 3}),
    # a fifth writer: spoken, run together, non-native grammar
    ("uh my number was four walking in, it went up to like a six, and by the end I was at a two.",
     {"anxiety_before": 4, "anxiety_peak": 6, "anxiety_after": 2}),
    ("The worst part was right at the start, probably a nine.", {"anxiety_peak": 9}),  # "at the start" says when
    ("I was seven on the scale before I dialled.", {"anxiety_before": 7}),
    ("honestly I was hovering around five the whole time, start to finish",
     {"anxiety_before": 5, "anxiety_peak": 5, "anxiety_after": 5}),
    ("it went up to eight at one point because she went quiet", {"anxiety_peak": 8}),
    ("my anxiety went from a six to a two", {"anxiety_before": 6, "anxiety_after": 2}),
    ("it went from a 4 to an 8 when she asked", {"anxiety_before": 4, "anxiety_peak": 8}),
    ("the party went from 6 to 2", {}),  # times
    ("Apologised to Priya. 7 -> 2. ~10 mins.", {"anxiety_before": 7, "anxiety_after": 2, "conversation_minutes": 10}),
    ("before 4. peak 6 or 7. after 3.", {"anxiety_before": 4, "anxiety_peak": 7, "anxiety_after": 3}),
    ("We met after 3.", {}),
    ("Started high like eight. Ended low like two.", {"anxiety_before": 8, "anxiety_after": 2}),
    ("When I asked it, maybe a six. After, a two.", {"anxiety_peak": 6, "anxiety_after": 2}),
    ("The whole conversation was under five minutes.", {}),  # a bound from above is no length
    # a sixth writer: what whisper writes
    ("Priya said she's always a 10 before reading. Waiting for my turn I was at an 8 out of 10.",
     {"anxiety_before": 8}),  # someone else's level is not the speaker's
    ("He said he was at a 3 about it all. When we finished talking I was a 4.", {"anxiety_after": 4}),
    ("when she went quiet it shot up to eight", {"anxiety_peak": 8}),
    ("Before my turn I was at like 7. Reading it, it spiked to 9. Now I'm a won.",
     {"anxiety_before": 7, "anxiety_peak": 9, "anxiety_after": 1}),
    ("I was a 5 or 6 waiting. I was like a 2 after.", {"anxiety_before": 6, "anxiety_after": 2}),
    ("That morning I was an 8. I nearly didn't.", {"anxiety_before": 8}),
    # a seventh writer: out of order, other words for the feeling, numbers that are not ours
    ("the worst moment was when she paused after I said it, I was at a nine right then.",
     {"anxiety_peak": 9}),  # "after I said it" tells when the worst was
    ("The worst was when she called back, maybe an 8. Afterwards I was around a 4.",
     {"anxiety_peak": 8, "anxiety_after": 4}),  # ... but not across a sentence and its number
    ("I'm about a four now, no, actually lower, a three.", {"anxiety_after": 3}),
    ("Going in I was a six, and it peaked at a seven when he answered.", {"anxiety_before": 6, "anxiety_peak": 7}),
    ("The worst was when she started typing and stopped, and started again - I was at 10.", {"anxiety_peak": 10}),
    ("I need the kitchen clear by 10 at night. Before I was at 8 out of tin.", {"anxiety_before": 8}),
    ("I stayed around a five for the rest of the day.", {"anxiety_after": 5}),
    # an eighth writer: long rambling stories
    ("We've got a mortgage now, £1,100 a month.", {}),  # money, not "now, 1"
    ("that was the worst, an eight. maybe eight and a half. call it a nine actually, my voice went.",
     {"anxiety_peak": 9}),
    ("so you're leaving me with it, that was bad, I felt like a 9. Even after she'd gone home.", {}),
    ("going up the stairs i was a six. he opened the door and that was like an eight. afterwards i was a three",
     {"anxiety_before": 6, "anxiety_peak": 8, "anxiety_after": 3}),
])
def test_how_another_writer_tells_it(said, want):
    assert _numbers(said) == want


@pytest.mark.parametrize("said, want", [
    # the subject of a later "lasted" is that length's, not the one before it
    ("we talked for about twenty minutes the bad part lasted like five minutes only",
     {"conversation_minutes": 20, "anxiety_duration": 5}),
    ("called the landlord. talked 20 mins. the dread lasted maybe 30 mins after.",
     {"conversation_minutes": 20, "anxiety_duration": 30}),
    ("The thumping heart lasted maybe ten minutes, but I said my piece.", {"anxiety_duration": 10}),
    ("The heart-pounding part lasted about two minutes.", {"anxiety_duration": 2}),
    ("The whole conversation was one full hour.", {"conversation_minutes": 60}),
    ("Asked him to move his car. It was like two minutes.", {"conversation_minutes": 2}),
    ("We talked for, um, about half an hour.", {"conversation_minutes": 30}),
    ("The session was 50 minutes. The really intense bit lasted maybe 10 minutes.",
     {"conversation_minutes": 50, "anxiety_duration": 10}),
    ("Sat with Mum in the hospice garden for about 20 minutes.", {"conversation_minutes": 20}),
    ("We talked for about 20 minutes in the kitchen.", {"conversation_minutes": 20}),  # a place, not a point
    ("i was super nervous beforehand like a seven I guess and then she smiled and it was over in like thirty "
     "seconds honestly",
     {"anxiety_before": 7, "conversation_minutes": 0.5}),
    ("Only chatted ten mins, but the gut-churning bit was over in about a minute.",
     {"conversation_minutes": 10, "anxiety_duration": 1}),
    ("A 20-minute walk to her place, and the whole walk I was a six. Then we talked on her porch for ten minutes.",
     {"conversation_minutes": 10}),  # getting there is not the talk
    ("I presented for twelve minutes.", {"conversation_minutes": 12}),
    ("The interview was 45 minutes.", {"conversation_minutes": 45}),
    ("that was like an eight for, oh, a quarter of an hour? no, not that long, maybe five minutes. five minutes.",
     {"anxiety_duration": 5}),  # corrected, then said again
    ("That feeling lasted maybe 5 minutes, until she started actually talking. We talked for 35 minutes.",
     {"anxiety_duration": 5, "conversation_minutes": 35}),
])
def test_lengths_another_writer_gives(said, want):
    assert _numbers(said) == want


@pytest.mark.parametrize("said, field, value", [
    # a moment phrase with no number near it is the speaker's own words, not the end of them
    ("What helped was saying it out loud.", "helped_most", "saying it out loud"),
    ("What stayed hard was going home alone.", "stayed_hard", "going home alone"),
    ("I learned that early on I avoid things.", "learned", "early on I avoid things"),
])
def test_moment_words_with_no_number_do_not_cut_free_text(said, field, value):
    assert extract(said).value(field) == value


@pytest.mark.parametrize("said", [
    "I got there at 4 and left at 6. We talked for a bit.",
    "My two kids were there, and my friend brought her 3 dogs.",
    "I was 9 when my dad left, and I told her about it for the first time.",
    "It took me two weeks to work up to it.",
    "i was so nervous before i called her at 8",
    "ten minutes into the call she started crying",
    "two hours later I still felt shaky",
    "we were there from 2 till 4",
    "i asked her 3 times",
    "We talked for a few minutes and the nerves lasted a while.",  # estimates, not lengths
    "She said she'd been a 7 out of 10 nervous herself.",
])
def test_counts_and_times_are_not_numbers_of_ours(said):
    assert _numbers(said) == {}


def test_the_development_corpus():
    """Every development reflection (tests/corpus/): no wrong or invented value, and at least the goal for unseen
    writing (95 % of the numbers said) on the writing the rules were tuned on, but the newest hand's
    (``reflection_corpus.IN_PROGRESS``)."""
    import reflection_corpus

    said = right = 0
    wrong = []
    met = {row_id for row_id, _ in reflection_corpus.dev(in_progress=False)}
    for row_id, row in reflection_corpus.dev():
        found = _numbers(row.text)
        for field in NUMERIC:
            if field in row.expect and row_id in met:
                said += 1
                right += found.get(field) == row.expect[field]
            if field in found and found[field] != row.expect.get(field):
                wrong.append((row_id, field, found[field], row.expect.get(field)))
    assert not wrong
    assert right / said >= 0.95, f"{right} of {said}"


def test_a_broken_rule_file_is_one_clear_error(monkeypatch):
    import copy

    from assistant.dialogue.extract import rules as module
    from assistant.errors import AssistantError

    good = data_file("extract.toml")
    for breaking, key in [
        (lambda r: r["ratings"].pop("reach"), "ratings.reach"),
        (lambda r: r["ratings"]["cues"].__setitem__("anxiety_befor", ["before"]), "ratings.cues"),
        (lambda r: r["durations"].__setitem__("refer", "lasted"), "durations.refer"),
        (lambda r: r["ratings"]["evidence"]["homophones"].__setitem__("to", "two"), "ratings.evidence.homophones"),
        (lambda r: r["ratings"]["hold"]["phrases"].append("  "), "ratings.hold.phrases"),
        (lambda r: r["tokens"].__setitem__("gap", -1), "tokens.gap"),
        (lambda r: r["ratings"].pop("run_gap"), "ratings.run_gap"),
        (lambda r: r["body"].__setitem__("standalone", "sweating"), "body.standalone"),
    ]:
        broken = copy.deepcopy(good)
        breaking(broken)
        monkeypatch.setattr(module, "data_file", lambda name, rules=broken: rules)
        module.extract_rules.cache_clear()
        try:
            with pytest.raises(AssistantError) as raised:
                extract("Before I was a six.")
        finally:
            monkeypatch.undo()
            module.extract_rules.cache_clear()
        line = raised.value.line()
        assert "\n" not in line and key in line and "extract.toml" in line, line
    assert _numbers("Before I was a six.") == {"anxiety_before": 6}


# --- corrections at the summary ---------------------------------------------------------------------------

CURRENT = {"anxiety_before": 7, "anxiety_peak": 8, "anxiety_after": 3, "emotions": ["lonely", "nervous"],
           "next_step": "call my brother", "new_topic": True, "conversation_minutes": 20}

CORRECTIONS = [
    ("no, the peak was a nine", {"anxiety_peak": 9}),
    ("change the next step to text him first", {"next_step": "text him first"}),
    ("before was a five actually", {"anxiety_before": 5}),
    ("the peak was a nine, not an eight", {"anxiety_peak": 9}),
    ("change the peak from eight to nine", {"anxiety_peak": 9}),
    ("make the peak a nine instead of an eight", {"anxiety_peak": 9}),
    ("a nine at the worst", {"anxiety_peak": 9}),
    ("it was a nine at the peak and a two now", {"anxiety_peak": 9, "anxiety_after": 2}),
    ("no the peak was nine and before was six", {"anxiety_peak": 9, "anxiety_before": 6}),
    ("peak 9", {"anxiety_peak": 9}),
    ("now I'm more like a four", {"anxiety_after": 4}),
    ("the next step is to call him before work", {"next_step": "call him before work"}),
    ("add relieved to the feelings", {"emotions": ["lonely", "nervous", "relieved"]}),
    ("remove lonely", {"emotions": ["nervous"]}),
    ("the feelings were sad and relieved", {"emotions": ["sad", "relieved"]}),
    ("it wasn't a new topic", {"new_topic": False}),
    ("it was a new topic", {"new_topic": True}),
    ("we talked for half an hour", {"conversation_minutes": 30}),
    ("what helped was the walk beforehand", {"helped_most": "the walk beforehand"}),
    # nothing named, or nothing to take: no change rather than a guess
    ("no, it was a nine", {}),
    ("that's right", {}),
    ("the peak was high", {}),
    ("", {}),
]


@pytest.mark.parametrize("text,expected", CORRECTIONS)
def test_corrections(text, expected):
    assert parse_correction(text, CURRENT) == expected


def test_out_of_range_correction_changes_nothing():
    assert parse_correction("the peak was a twelve", CURRENT) == {}


# --- the summary ---------------------------------------------------------------------------------------------

# The summary says the two or three things that matter (the ratings, the next step, the feelings, then what
# happened), in the order of the story, not every field.
SUMMARIES = [
    (ROWS[0].text,
     "So, anxiety seven before, eight at the worst, three now. You felt lonely. Next step: call your brother next "
     "week."),
    ("Before I was a six. Now I'm a zero.", "So, anxiety six before, zero now."),
    ("I called my mum and I apologised. At the peak a nine.",
     "So, you called your mum and you apologised. Anxiety nine at the worst."),
    ("I felt scared and then proud of myself. My next step is to ask Tom how he really is.",
     "So, you felt scared and proud. Next step: ask Tom how he really is."),
    ("Um, I don't know.", "I didn't catch the details, so I'll ask about them."),
]


@pytest.mark.parametrize("text,expected", SUMMARIES)
def test_summary(text, expected):
    assert summary(extract(text)) == expected


def test_summary_words_are_data():
    words = data_file("extract.toml")["summary"]
    line = words["ratings"].format(parts=words["anxiety_after"].format(n="two"))
    assert summary(extract("Now a two.")) == f"{words['intro']} {line[:1].lower()}{line[1:]}"


# --- the real speech path: synthetic voices → whisper tiny.en → extraction ------------------------------------

SPOKEN = [
    ("I called my sister and told her I have been lonely. Before the call I was a seven. At the worst it "
     "was an eight. Now I am a three.",
     {"anxiety_before": 7, "anxiety_peak": 8, "anxiety_after": 3}),
    ("We talked for about twenty minutes. I was nervous going in, maybe a six. Right now I am at a two.",
     {"conversation_minutes": 20, "anxiety_before": 6, "anxiety_after": 2}),
    ("I met my three cousins at four o'clock. At the peak my anxiety was a nine. The nerves lasted about ten "
     "minutes.",
     {"anxiety_peak": 9, "anxiety_duration": 10}),
    ("Going in I was a five. No, more like a six. By the end I was a one.",
     {"anxiety_before": 6, "anxiety_after": 1}),
    ("I texted my old friend at seven thirty. I was not angry, just scared. Afterwards I was a four.",
     {"anxiety_after": 4}),
    ("At first I was about a four, it peaked at seven when she paused, and now I feel like a two. We "
     "talked for half an hour.",
     {"anxiety_before": 4, "anxiety_peak": 7, "anxiety_after": 2, "conversation_minutes": 30}),
]
NOT_SAID = {i: tuple(f for f in NUMERIC if f not in expected) for i, (_, expected) in enumerate(SPOKEN)}


def _through_speech(engine, path) -> str:
    from assistant.speech.stt.transcribe import transcribe_file

    return transcribe_file(engine, str(path))["text"]


@pytest.fixture(scope="module")
def heard(speak, speak_piper, whisper_engine):
    """Every spoken reflection in three voices, as whisper wrote it: {(voice, index): transcript}."""
    out = {}
    for i, (text, _) in enumerate(SPOKEN):
        out[("espeak-en-us", i)] = _through_speech(whisper_engine, speak(text, voice="en-us", speed=150))
        out[("piper-joe", i)] = _through_speech(whisper_engine, speak_piper(text))
    for i in (0, 3):
        out[("espeak-en-gb", i)] = _through_speech(whisper_engine, speak(SPOKEN[i][0], voice="en-gb", speed=150))
    return out


def test_speech_path_never_gives_a_wrong_number(heard):
    assert len(heard) >= 10
    wrong = []
    for (voice, i), transcript in heard.items():
        found = extract(transcript)
        for field, want in SPOKEN[i][1].items():
            if field in found and found.value(field) != want:
                wrong.append((voice, i, field, want, found.value(field), transcript))
        for field in NOT_SAID[i]:
            if field in found:
                wrong.append((voice, i, field, None, found.value(field), transcript))
    assert not wrong


def test_speech_path_finds_what_whisper_heard_clearly(heard):
    """Recall here is bounded by tiny.en on synthetic voices (it writes "Now I am a free", "before Nicole I went to
    Heaven"); measured: Piper 11 of 15 said values, espeak-ng en-us 6 of 15, en-gb 0 of 5. The floor keeps the
    test able to fail if extraction stops finding values in real transcripts."""
    said: dict[str, int] = {}
    right: dict[str, int] = {}
    for (voice, i), transcript in heard.items():
        found = extract(transcript)
        for field, want in SPOKEN[i][1].items():
            said[voice] = said.get(voice, 0) + 1
            right[voice] = right.get(voice, 0) + (found.value(field) == want)
    overall = sum(right.values()) / sum(said.values())
    assert overall >= 0.4 and right["piper-joe"] / said["piper-joe"] >= 0.6, (right, said, heard)
