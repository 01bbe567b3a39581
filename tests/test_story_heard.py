"""A told story's numbers through the real recogniser, with speech made at run time: a number whisper wrote as
another word is heard from the audio of its slot; a number nobody can make out is left empty and asked for on
its own; words that sound like numbers but were said as words never become one. The stories are heard as
``--audio-in`` files are (``practice.sources.FileAnswers``). Pure slot logic is in ``test_story_numbers.py``."""

from __future__ import annotations

import random

from assistant.dialogue import extract
from assistant.dialogue.scripts import load_script
from assistant.dialogue.session import Session
from assistant.events import Listen
from assistant.practice.hearing import Ear, listen_for
from assistant.practice.sources import FileAnswers
from reflections import NUMERIC


def _told(engine, path, scored: bool = True) -> str:
    heard = FileAnswers(engine, [str(path)], Ear(story_numbers=scored)).answer(listen_for("reflection"))
    return heard.text if heard else ""


def _numbers(text: str) -> dict:
    return {f: v for f, v in extract.extract(text).values.items() if f in NUMERIC}


def test_a_storys_misheard_number_is_heard_from_its_audio(whisper_engine, speak):
    # en-us+f3 is among the voices tiny.en hears worst: "maybe an eight" is written "maybe a nade".
    path = speak("The worst was when she called back, maybe an eight. Afterwards I was around a four.",
                 voice="en-us+f3")
    plain, scored = _told(whisper_engine, path, scored=False), _told(whisper_engine, path)
    assert "anxiety_peak" not in _numbers(plain), plain  # whisper alone missed it, or this clip tests nothing
    found = _numbers(scored)
    assert found["anxiety_peak"] == 8, scored
    assert found.items() <= {"anxiety_peak": 8, "anxiety_after": 4}.items(), scored  # nothing wrong on the way


def test_an_unintelligible_number_is_left_empty_and_asked_for_on_its_own(whisper_engine, speak_piper, tmp_path):
    from assistant.audio.formats import load_for_recognition, silence, write_wav

    before = load_for_recognition(speak_piper("Before I sent it I was at a", pad=0.3))
    after = load_for_recognition(speak_piper("out of ten. At the worst it was an eight. Afterwards I was a two.",
                                             pad=0.1))
    rng = random.Random(7)  # a burst of noise as loud as the voice where the number was said
    burst = b"".join(rng.randint(-6000, 6000).to_bytes(2, "little", signed=True) for _ in range(int(0.35 * 16000)))
    path = tmp_path / "story.wav"
    write_wav(path, before + burst + after + silence(0.8))
    told = _told(whisper_engine, path)
    heard = _numbers(told)
    assert "anxiety_before" not in heard and heard.get("anxiety_after") == 2, told
    assert heard.items() <= {"anxiety_peak": 8, "anxiety_after": 2}.items(), told
    session = Session(load_script("debrief"), "s1")
    session.start()
    out = session.hear(told)
    asked = []
    while not session.done and len(asked) < 30:
        listen = [o for o in out if isinstance(o, Listen)][-1]
        asked.append((listen.field, listen.kind))
        out = session.hear("yes" if listen.kind == "correction" else "six" if listen.kind == "rating" else "skip")
    assert ("anxiety_before", "rating") in asked, asked  # its own question
    assert not {f for f, _kind in asked} & set(heard), asked  # what the story held is not asked again


def test_words_that_sound_like_numbers_never_become_one(whisper_engine, speak_piper):
    path = speak_piper("We stayed up half the night. I felt like a free man, then a bit sick. We talked about "
                       "the phone for ages.")
    told = _told(whisper_engine, path)
    assert _numbers(told) == {}, told
