"""A story told live, through the virtual microphone, is heard as well as the same recording as a file: the ear
of a session (Silero, the story's endpoint, whisper in windows with the earlier text as context) against
``assistant transcribe``'s path. Outcomes only; how long it takes is in ``scripts/bench live``. That a told story's
turn ends and the session goes on, by voice end to end, is tests/test_hands_free.py's told debrief."""

from __future__ import annotations

import threading
import time

from wer import errors, words

# ~20 s in the Piper voice, with pauses between its sentences: two windows live, one as a file.
STORY = ("I told my friend Sam about my panic attacks at work, and it was a new topic for us. Before it my anxiety "
         "was about a seven. At the worst moment it went up to an eight, and afterwards it was maybe a three. We "
         "talked for about twenty minutes. I felt nervous and then relieved.")


def test_a_story_heard_live_has_the_words_a_file_has(pulse, whisper_engine, speak_piper):
    """Tolerance: the goal is live word errors ≤ 1.2 × a file's, pooled over many stories (the bench); one story
    has few errors either way, and through the microphone where a voice starts moves by a frame from run to run,
    which flips a word or two ("friend"/"friends", "before it"/"before"). So three words more than that are
    allowed (6 % of its 49 words); a window lost, or the prompt's words written again, costs many more. Before,
    every 0.3 s pause ended a piece decoded alone: "before it my anxiety was about a seven" came back "before it
    might annihilate one amount of heaven" in one voice. The numbers, what the story is for, must all be there."""
    from assistant.audio.devices import Microphone
    from assistant.audio.formats import chunk_bytes, load_for_recognition
    from assistant.config import Settings
    from assistant.practice.hearing import Ear, listen_for
    from assistant.speech.stt.base import transcribe_chunks

    clip = speak_piper(STORY + " I'm done.")
    as_file = " ".join(f.text for f in transcribe_chunks(
        whisper_engine, (c.audio for c in chunk_bytes(load_for_recognition(clip), seconds=0.5))))
    pulse.reinit_portaudio()
    with Microphone.from_settings(Settings.load()) as mic:
        time.sleep(0.5)  # the room before the voice
        player = threading.Thread(target=pulse.play_into_mic, args=(clip,), daemon=True)
        player.start()
        answer = Ear().hear(whisper_engine, (c.audio for c in mic.chunks(timeout=5.0)), listen_for("reflection"))
    player.join()
    # The turn ended by itself: "I'm done", or the story's patience where a busy machine read it late.
    assert answer.reason in ("phrase", "silence"), answer
    live_errors, said = errors(STORY, answer.text)
    file_errors, _ = errors(STORY, as_file)
    assert live_errors <= 1.2 * file_errors + 3, (answer.text, as_file)
    assert {"seven", "eight", "three", "twenty"} <= set(words(answer.text)), answer.text
    assert "done" not in words(answer.text)  # the closing phrase is not part of the story
