"""Answer parsing on any engine's text: table-driven."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.dialogue.parse import (
    grammar,
    match_command,
    parse_answer,
    parse_choice,
    parse_date,
    parse_duration,
    parse_emotions,
    parse_rating,
    parse_yesno,
    words,
)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("seven", 7),
        ("7", 7),
        ("Seven.", 7),
        ("about a six", 6),
        ("six out of ten", 6),
        ("6 out of 10", 6),
        ("6/10", 6),
        ("a three maybe", 3),
        ("maybe a three", 3),
        ("it was like an eight", 8),
        ("I'd say a five", 5),
        ("ten", 10),
        ("ten out of ten", 10),
        ("zero", 0),
        ("0", 0),
        ("none", 0),
        ("nothing", 0),
        ("not at all", 0),
        ("five or six", 6),  # a range counts as the higher number
        ("six to seven", 7),
        ("between four and five", 5),
        ("five, six", 6),
        ("six and a half", 7),  # halves round up
        ("6.5", 7),
        ("on a scale of one to ten it was a six", 6),
        ("one", 1),
        ("two", 2),
        # recogniser homophones for short answers
        ("free", 3),
        ("tree", 3),
        ("to", 2),
        ("too", 2),
        ("for", 4),
        ("ate", 8),
        ("won", 1),
        ("fife", 5),
        ("nein", 9),
        ("a free", 3),
    ],
)
def test_rating(text, expected):
    result = parse_rating(text)
    assert result.ok, result
    assert result.value == expected


@pytest.mark.parametrize("text", ["eleven", "twelve", "15", "a hundred", "eleven out of ten", "twenty"])
def test_rating_out_of_range(text):
    assert parse_rating(text).problem == "out_of_range"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I don't know",
        "hmm",
        "sex",  # never read as six: a real word, and a wrong silent rating is worse than asking again
        "a four then a nine",
        "pretty bad",
        "it went down to three in the end but started at seven",
        "free for all and then some more words here",  # homophones only count in short answers
    ],
)
def test_rating_unclear(text):
    assert parse_rating(text).problem == "unclear"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("yes", True), ("Yes.", True), ("yeah", True), ("yep", True), ("sure", True), ("okay", True),
        ("please", True), ("I would", True), ("yes please", True), ("let's do it", True), ("correct", True),
        ("right", True), ("that's right", True), ("That’s right", True), ("of course", True), ("I think so", True),
        ("why not", True), ("uh huh", True), ("sounds good", True),
        ("no", False), ("No.", False), ("nope", False), ("not now", False), ("no thanks", False),
        ("skip it", False), ("wrong", False), ("I don't think so", False), ("not really", False),
        ("that's not right", False), ("no, it isn't", False), ("nah", False), ("maybe later", False),
        ("I'd rather not", False),
    ],
)
def test_yesno(text, expected):
    result = parse_yesno(text)
    assert result.ok, result
    assert result.value is expected


@pytest.mark.parametrize("text", ["", "hmm", "yeah no", "maybe", "the weather"])
def test_yesno_unclear(text):
    assert parse_yesno(text).problem == "unclear"


CHOICES = (
    "take three slow breaths", "send a short message to someone", "write one sentence about it", "something else"
)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("the first one", "take three slow breaths"),
        ("the second one", "send a short message to someone"),
        ("number three", "write one sentence about it"),
        ("option 2", "send a short message to someone"),
        ("two", "send a short message to someone"),
        ("4", "something else"),
        ("the last one", "something else"),
        ("breathing slowly", "take three slow breaths"),
        ("I'll send a message", "send a short message to someone"),
        ("write a sentence", "write one sentence about it"),
        ("something else", "something else"),
        ("Messages.", "send a short message to someone"),
        ("three slow breaths", "take three slow breaths"),
    ],
)
def test_choice(text, expected):
    result = parse_choice(text, CHOICES)
    assert result.ok, result
    assert result.value == expected


# "Up, shon three" is a misheard "option three": the three in "take three slow breaths" must not pick it.
@pytest.mark.parametrize("text", ["", "banana", "the ninth one", "hmm", "Up, shon three"])
def test_choice_unclear(text):
    assert not parse_choice(text, CHOICES).ok


@pytest.mark.parametrize(
    "text,minutes",
    [
        ("about ten minutes", 10),
        ("10 minutes", 10),
        ("half an hour", 30),
        ("an hour and a half", 90),
        ("one and a half hours", 90),
        ("1.5 hours", 90),
        ("a couple of minutes", 2),
        ("a few minutes", 3),
        ("30 seconds", 0.5),
        ("a minute", 1),
        ("an hour", 60),
        ("two hours", 120),
        ("twenty five minutes", 25),
        ("ten or fifteen minutes", 15),
        ("2 hours and 15 minutes", 135),
        ("a quarter of an hour", 15),
        ("three quarters of an hour", 45),  # not 3 × 60
        ("an hour and a quarter", 75),
        ("all evening", 240),
        ("a little while", 15),
        ("maybe five minutes, not more", 5),
    ],
)
def test_duration(text, minutes):
    result = parse_duration(text)
    assert result.ok, result
    assert result.value == minutes


@pytest.mark.parametrize("text", ["", "not long", "I don't know", "it's still going"])
def test_duration_unclear(text):
    assert parse_duration(text).problem == "unclear"


WEDNESDAY = dt.date(2024, 5, 8)


@pytest.mark.parametrize(
    "text,iso",
    [
        ("tomorrow", "2024-05-09"),
        ("today", "2024-05-08"),
        ("tonight", "2024-05-08"),
        ("the day after tomorrow", "2024-05-10"),
        ("in three days", "2024-05-11"),
        ("in 3 days", "2024-05-11"),
        ("in two weeks", "2024-05-22"),
        ("next week", "2024-05-15"),
        ("in a month", "2024-06-08"),
        ("friday", "2024-05-10"),
        ("on Friday", "2024-05-10"),
        ("next friday", "2024-05-10"),
        ("Monday", "2024-05-13"),
        ("wednesday", "2024-05-15"),  # the same weekday means next week
        ("on the 5th", "2024-06-05"),
        ("the fifth", "2024-06-05"),
        ("on the twentieth", "2024-05-20"),
        ("on the 31st", "2024-05-31"),
        ("March 3rd", "2025-03-03"),
        ("this weekend", "2024-05-11"),
    ],
)
def test_date(text, iso):
    result = parse_date(text, WEDNESDAY)
    assert result.ok, result
    assert result.value == iso


def test_date_skips_short_months():
    assert parse_date("on the 31st", dt.date(2024, 6, 2)).value == "2024-07-31"


@pytest.mark.parametrize("text", ["", "sometime", "when I feel ready"])
def test_date_unclear(text):
    assert not parse_date(text, WEDNESDAY).ok


@pytest.mark.parametrize(
    "text,emotions",
    [
        ("scared", ["scared"]),
        ("I felt scared and a bit ashamed, not angry though", ["scared", "ashamed"]),
        ("anxiety, then relief", ["anxious", "relieved"]),
        ("I was on edge the whole time", ["on edge"]),
        ("embarrassed but also kind of proud", ["embarrassed", "proud"]),
        ("nervous nervous nervous", ["nervous"]),
        ("lonely, and warm when she hugged me", ["lonely", "warm"]),
        ("I wasn't sad", ["I wasn't sad"]),  # no known feeling left: their own words are the answer
        ("wobbly", ["wobbly"]),
    ],
)
def test_emotions(text, emotions):
    assert parse_emotions(text).value == emotions


@pytest.mark.parametrize(
    "text,command",
    [
        ("repeat", "repeat"),
        ("Repeat that, please.", "repeat"),
        ("say that again", "repeat"),
        ("can you repeat the question", "repeat"),
        ("skip", "skip"),
        ("skip it", "skip"),
        ("Skip this one please", "skip"),
        ("skip, I'd rather not answer that", "skip"),
        ("next question", "skip"),
        ("go back", "back"),
        ("back", "back"),
        ("um, go back", "back"),
        ("pause", "pause"),
        ("wait", "pause"),
        ("hold on a second", "pause"),
        ("resume", "resume"),
        ("continue", "resume"),
        ("I'm ready", "resume"),
        ("stop", "stop"),
        ("quit", "stop"),
        ("end session", "stop"),
        ("I want to stop", "stop"),
        ("stop for now", "stop"),
        ("Stop. That's enough.", "stop"),
        ("help", "help"),
        ("what can I say", "help"),
        ("slower", "slower"),
        ("slow down please", "slower"),
        ("faster", "faster"),
        ("speak faster", "faster"),
    ],
)
def test_command(text, command):
    assert match_command(text) == command


@pytest.mark.parametrize(
    "text",
    [
        "I skipped lunch",
        "back pain mostly",
        "I never stop thinking about it",
        "wait, it was more like a six",
        "I want to stop feeling like this",
        "she helped me",
        "seven",
        "yes",
        "I had to pause and breathe",
        "going back home was hard",
        "",
    ],
)
def test_not_a_command(text):
    assert match_command(text) is None


@pytest.mark.parametrize("kind", ["rating", "yesno", "choice", "duration", "date"])
def test_closed_kinds_have_a_grammar_with_commands(kind):
    vocabulary = grammar(kind, CHOICES)
    assert vocabulary and "[unk]" in vocabulary
    for command in ("repeat", "skip", "go back", "stop", "help"):
        assert command in vocabulary
    assert len(vocabulary) == len(set(vocabulary))


def test_rating_grammar():
    vocabulary = grammar("rating")
    for word in ["zero", "five", "ten", "out of", "about", "maybe"]:
        assert word in vocabulary


def test_choice_grammar_lists_the_choices():
    assert set(CHOICES) <= set(grammar("choice", CHOICES))


@pytest.mark.parametrize("kind", ["text", "emotions"])
def test_free_kinds_have_no_grammar(kind):
    assert grammar(kind) is None


def test_text_answer_is_kept_verbatim_but_tidied():
    assert parse_answer("text", "  I told him   everything ").value == "I told him everything"
    assert parse_answer("text", "   ").problem == "unclear"


def test_words_drop_apostrophes():
    assert words("I don’t KNOW, it's fine.") == ["i", "dont", "know", "its", "fine"]


@pytest.mark.parametrize(
    "kind,value,text",
    [
        ("yesno", True, "yes"),
        ("yesno", False, "no"),
        ("rating", 7, "7"),
        ("emotions", ["scared"], "scared"),
        ("emotions", ["scared", "sad", "relieved"], "scared, sad and relieved"),
        ("emotions", [], "that"),
        ("duration", 0.5, "30 seconds"),
        ("duration", 1, "one minute"),
        ("duration", 10, "10 minutes"),
        ("duration", 60, "one hour"),
        ("duration", 150, "2 hours and 30 minutes"),
        ("date", "2024-05-11", "Saturday, May 11"),
        ("text", "I told her", "I told her"),
    ],
)
def test_spoken(kind, value, text):
    from assistant.dialogue.parse import spoken

    assert spoken(kind, value) == text
