"""The crisis check (must flag / must not flag) and the language coach."""

from __future__ import annotations

import pytest

from assistant.dialogue.coach import is_crisis, suggest

CRISIS = [
    "I want to kill myself",
    "I wanna kill myself",
    "Honestly I could just kill myself",
    "kms",
    "I'm thinking about suicide",
    "I've been feeling suicidal",
    "I don't want to live anymore",
    "I do not want to be alive",
    "I don't want to be here anymore",
    "I don't want to be here",
    "I want to disappear forever",
    "I wish I could vanish for good",
    "I keep hurting myself",
    "I want to hurt myself",
    "I've been cutting myself again",
    "I cut myself again last night",
    "I think about self-harm a lot",
    "I want to end it all",
    "I'm going to end my life",
    "sometimes I think about taking my own life",
    "everyone would be better off without me",
    "they'd be better off if I was dead",
    "nobody would miss me",
    "I might overdose",
    "I want to take all my pills",
    "I wanted to die",
    "I want to die",
    "I wish I was dead",
    "I wish I'd never been born",
    "there's no reason to live",
    "life isn't worth living",
    "I just want to go to sleep and never wake up",
    "I've thought about hanging myself",
    "I want to jump off a bridge",
    "I keep thinking about dying",
    "I can't go on anymore",
    "I don't want to wake up tomorrow",
    "I'd rather be dead",
    "I want to unalive myself",
    "I’m going to kill myself.",
    "I WANT TO DIE",
]

NOT_CRISIS = [
    "that joke killed me",
    "I could kill for a coffee",
    "my feet are killing me",
    "I'm dead tired",
    "I'm dying to see her",
    "this commute is killing me",
    "I nearly died laughing",
    "we were just killing time",
    "we killed it at the presentation",
    "I was dying of embarrassment",
    "I could have died of embarrassment",
    "I wanted to die of embarrassment",
    "I was killing myself laughing",
    "the suspense is killing me",
    "I was scared to death",
    "I'm bored to death",
    "I'm dying for a cup of tea",
    "I cut myself shaving this morning",
    "I hurt myself at the gym",
    "I overdosed on coffee today",
    "my phone died halfway through",
    "the conversation died down after a while",
    "I thought I was going to die, my heart was pounding",
    "I'm not going to die from one awkward conversation",
    "I didn't want to be here at the party",
    "I don't want to be here at this party",
    "I wanted to disappear for a second when she looked at me",
    "I can't do this anymore with him, we need to talk",
    "I want to end the conversation sooner next time",
    "she's drop dead gorgeous",
    "we killed two birds with one stone",
    "I told my sister I missed her",
    "I felt scared but I did it",
    "my anxiety was a nine",
    "I want to live more openly",
    "I hurt his feelings and I want to repair it",
]


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_flags(text):
    assert is_crisis(text)


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_idioms_and_ordinary_sentences_do_not_flag(text):
    assert not is_crisis(text)


def test_tables_are_big_enough():
    assert len(CRISIS) >= 30 and len(NOT_CRISIS) >= 30


@pytest.mark.parametrize(
    "text,pattern,fragment",
    [
        ("you never listen", "you_never", "When it feels like you don't listen"),
        ("You never call me back.", "you_never", "you don't call me back"),
        ("you always interrupt me when I talk", "you_always", "When you interrupt me when I talk"),
        ("You're always late!", "you_are_always", "When you're late"),
        ("you make me feel stupid", "you_make_me", "I feel stupid"),
        ("I can't handle this", "cant_handle", "Would you be willing"),
        ("I'm just not a people person", "not_a_people_person", "Would you be willing"),
        ("I'm bad at relationships", "not_a_people_person", "I'm practising"),
        ("it doesn't matter", "doesnt_matter", "Would you be willing"),
        ("whatever", "doesnt_matter", "Would you be willing"),
        ("I'm fine", "im_fine", "Would you be willing"),
        ("it was fine.", "im_fine", "Would you be willing"),
    ],
)
def test_coach_offers_an_invitation(text, pattern, fragment):
    found = suggest(text)
    assert found is not None
    assert found.pattern == pattern
    assert fragment in found.text


@pytest.mark.parametrize(
    "text",
    [
        "I told her I missed our talks",
        "she never called back",  # "never" about someone else, not an accusation
        "it was fine at first and then it got hard",
        "whatever happens, I want to try again",
        "I felt heard",
    ],
)
def test_coach_stays_quiet(text):
    assert suggest(text) is None


def test_coach_excluded_patterns_are_passed_over():
    assert suggest("you never listen", exclude={"you_never"}) is None
