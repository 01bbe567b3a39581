"""The one tokenizer and phrase matcher (dialogue.words) that parsing, extraction and the coach share."""

from __future__ import annotations

import pytest

from assistant.dialogue.words import Matcher, find, phrases, plain, tokens, words


@pytest.mark.parametrize("said, among, expected", [
    # a phrase inside a longer one is not found on its own ("I don't think so" is not "think so")
    ("i dont think so", ["think so", "i dont think so"], [(0, 4, ("i", "dont", "think", "so"))]),
    # overlapping phrases that do not contain each other are both found ("yeah no": mixed)
    ("yeah no", ["yeah", "no"], [(0, 1, ("yeah",)), (1, 2, ("no",))]),
    # longest first, then in order
    ("next week or next friday", ["next", "next week"], [(0, 2, ("next", "week")), (3, 4, ("next",))]),
    ("nothing here", ["maybe"], []),
])
def test_find_keeps_every_phrase_not_inside_a_longer_one(said, among, expected):
    assert find(words(said), phrases(among)) == expected


@pytest.mark.parametrize("text, phrase, gap, found", [
    ("I told her before", "told ... before", 3, ["told her before"]),
    ("I told her about it all before", "told ... before", 3, []),  # more words between than the gap
    ("I told her. Before that", "told ... before", 3, []),  # parts in two sentences
    ("I told her before", "told ... before", 0, []),
])
def test_a_phrase_with_a_gap_stays_inside_its_sentence(text, phrase, gap, found):
    said = tokens(text)
    hits = Matcher([("cue", phrase)], gap=gap).find(said)
    assert [text[said[h.start].start:said[h.end - 1].end] for h in hits] == found


def test_the_longest_match_wins_where_matches_overlap():
    said = tokens("at the very worst it was bad")
    hits = Matcher([("a", "at the"), ("b", "the very worst"), ("c", "worst it")]).find(said)
    assert [(h.label, h.start, h.end) for h in hits] == [("b", 1, 4)]


@pytest.mark.parametrize("text, expected", [
    ("Don't", "dont"), ("it’s ‘fine’", "its fine"), ("YOU never listen!", "you never listen!"),
])
def test_plain_drops_apostrophes_and_keeps_punctuation(text, expected):
    assert plain(text) == expected


def test_an_abbreviation_ends_no_sentence():
    said = tokens("Dr. Okafor called. Then I left.", frozenset({"dr"}))
    assert [t.sentence for t in said] == [0, 0, 0, 1, 1, 1]
