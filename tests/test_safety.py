"""The crisis check (must flag / must not flag) and the language coach."""

from __future__ import annotations

import pytest

from assistant.dialogue.coach import suggest
from assistant.dialogue.crisis import is_crisis

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

# Everyday and indirect wordings: hopelessness about living, being a burden, a method or a plan.
CRISIS_EVERYDAY = [
    "I feel like dying",
    "honestly I felt like dying after that call",
    "some days I feel like ending it all",
    "i wanna die",
    "I kind of wanna kill myself right now",
    "I just want it all to be over",
    "I'm done with life",
    "I'm so tired of living",
    "I'm sick of being alive",
    "I hate being alive",
    "I wish I could sleep forever",
    "thinking about unaliving myself",
    "what's the point of living",
    "what is the point in going on",
    "I see no point in being alive",
    "why am I even alive",
    "I have nothing left to live for",
    "there's no one to live for any more",
    "I can't live like this",
    "I can't go on like this any longer",
    "I don't see a future for me",
    "I've given up on life",
    "my life is pointless",
    "I'm just a burden",
    "I feel like such a burden to everyone",
    "I'm a burden to my family",
    "my family would be better off without me",
    "everyone would be better off if I was gone",
    "the world would be better off without me",
    "I've made a plan to end my life",
    "I've been planning how to do it",
    "I know exactly how I would do it",
    "I looked up how to overdose",
    "I've been reading about painless ways",
    "I've been saving up my pills",
    "I bought a rope",
    "I wrote a suicide note",
    "I wrote goodbye letters to my kids",
    "I started giving away my things",
    "I held a gun to my head",
    "my life is over and I want out",
    "nobody would care if I was gone",
    "I keep thinking about suicide, like, every night",
]

# Idioms and ordinary talk that only sound alarming: a false alarm stops a practice for nothing.
IDIOMS = [
    "the meeting was a suicide mission",
    "asking for a raise felt like a suicide mission",
    "coach made us run suicides, well, suicide sprints",
    "the car has suicide doors",
    "saying that at work would be career suicide",
    "telling the group felt like social suicide",
    "I wanted to crawl into a hole and die",
    "I really shot myself in the foot there",
    "I need to cut myself some slack",
    "I've been killing myself to finish this project",
    "I was killing myself at the gym all week",
    "I'm taking my life back, one step at a time",
    "I decided to take my life in a new direction",
    "I'm going to end it with him for good",
    "she ended things with her boyfriend",
    "the waiting is killing me",
    "the deadline is tomorrow",
    "it felt like a dead end job",
    "I'm dead serious about this",
    "I was dead on my feet by nine",
    "my battery died during the call",
    "my laptop was dead so I phoned her",
    "the cake was to die for",
    "he's a die-hard fan",
    "would you jump off a bridge if your friends did",
    "I felt like a burden asking him for a lift",
    "I didn't want to be a burden so I didn't ask",
    "my feet are killing me after the walk",
    "I'm done with this project",
    "I'm tired of waiting for him to call",
    "I was so tired of the small talk",
    "there was no point in arguing",
    "what's the point of the meeting",
    "I can't see a way out of this conversation",
    "I have no future plans yet",
    "we planned how to do it together",
    "I know exactly how I would say it",
    "I looked up how to start a hard conversation",
    "I took my pills this morning as usual",
    "I bought a rope for the boat",
    "I wrote a goodbye card for my colleague",
    "I'm giving away my old books",
    "I felt like I wanted to hide",
    "I was scared to death before I called",
    "we killed the awkward silence with a joke",
]


@pytest.mark.parametrize("text", CRISIS + CRISIS_EVERYDAY)
def test_crisis_flags(text):
    assert is_crisis(text)


@pytest.mark.parametrize("text", NOT_CRISIS + IDIOMS)
def test_idioms_and_ordinary_sentences_do_not_flag(text):
    assert not is_crisis(text)


def test_tables_are_big_enough():
    assert len(CRISIS) >= 30 and len(NOT_CRISIS) >= 30
    assert len(CRISIS_EVERYDAY) >= 40 and len(IDIOMS) >= 40


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
