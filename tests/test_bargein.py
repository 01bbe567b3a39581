"""Talking over the assistant (barge-in): the onset detector's rules on made-up frames, and sessions on the virtual
devices with the assistant's own voice looped back into the microphone 10 dB down and 60 ms late (as laptop
speakers leak into their microphone), the echo removed by the sound server's canceller (``audio.echo``).
Outcomes only; how fast a line stops is in ``scripts/bench bargein``."""

from __future__ import annotations

import pytest

from assistant.speech.stt.vad import Frame

FRAME = 512 * 2


def _tone(db: float, frames: int = 1) -> bytes:
    import numpy as np

    t = np.arange(512 * frames) / 16000
    amplitude = 32768 * 10 ** (db / 20) * np.sqrt(2)
    return (amplitude * np.sin(2 * np.pi * 300 * t)).astype("<i2").tobytes()


class Said:
    """A voice detector that calls a frame voiced when the test says so (the rules here are the level's)."""

    def __init__(self) -> None:
        self.voiced = False

    def frames(self, pcm16: bytes) -> list[Frame]:
        return [Frame(pcm16[i : i + FRAME], self.voiced) for i in range(0, len(pcm16) - FRAME + 1, FRAME)]


def _detector(**options):
    from assistant.practice.bargein import OnsetDetector

    vad = Said()
    return OnsetDetector(vad, **options), vad


def _feed(detector, vad, db: float, seconds: float, voiced: bool, playing_db: float = -20.0) -> list[bool]:
    vad.voiced = voiced
    return [detector.feed(_tone(db), playing_db) for _ in range(round(seconds / 0.032))]


@pytest.mark.parametrize("heard_db,playing_db,fires", [
    (-45.0, -20.0, False),  # the canceller lets a word of the line through, 25 dB under it: the echo
    (-28.0, -20.0, False),  # as loud as the echo came through while the canceller learned: still the echo
    (-22.0, -20.0, True),  # a person about as loud as the line: well above anything the echo did
    (-45.0, -90.0, True),  # a quiet person while the line is silent (between its sentences)
])
def test_a_voice_must_stand_above_what_the_echo_did(heard_db, playing_db, fires):
    detector, vad = _detector(arm_after_s=1.5)
    _feed(detector, vad, -30.0, 1.6, voiced=True)  # the canceller still learning: the echo 10 dB under the line
    _feed(detector, vad, -90.0, 1.0, voiced=False)  # then it cancels
    detector.new_line()
    assert any(_feed(detector, vad, heard_db, 0.3, voiced=True, playing_db=playing_db)) is fires


def test_nothing_fires_before_the_canceller_has_heard_the_assistant():
    detector, vad = _detector(arm_after_s=1.5)
    assert not any(_feed(detector, vad, -20.0, 0.3, voiced=True, playing_db=-90.0))  # not armed yet
    _feed(detector, vad, -90.0, 1.5, voiced=False)
    assert any(_feed(detector, vad, -20.0, 0.3, voiced=True, playing_db=-90.0))


def test_a_click_is_not_a_person():
    detector, vad = _detector(arm_after_s=0.0, onset_s=0.16)
    results = []
    for _ in range(10):
        results += _feed(detector, vad, -20.0, 0.064, voiced=True) + _feed(detector, vad, -90.0, 0.1, voiced=False)
    assert not any(results)


def test_the_loudest_moment_of_what_played():
    from assistant.practice.bargein import SILENT_DB, loudest_db

    assert loudest_db(b"") == SILENT_DB
    assert abs(loudest_db(_tone(-90.0, 4) + _tone(-20.0, 2)) - -20.0) < 0.5


def test_barge_in_is_a_setting_and_off_by_default():
    from assistant.config import Settings

    assert Settings().barge_in is False
    assert Settings().with_value("barge_in", "true").barge_in is True


# --- On the virtual devices, the assistant's voice looped back into the microphone --------------------------------

STORY = ("Yesterday I told my friend Sam about my panic attacks at work, and it went better than I feared. "
         "Before it I was a seven, at the worst an eight, and now a two. I'm done.")


@pytest.fixture
def echo_room(pulse, run_cli):
    """The virtual devices with the speaker looped into the microphone 10 dB down and 60 ms late, and barge-in on."""
    assert run_cli("settings", "set", "barge_in", "true").exit_code == 0
    with pulse.echo_loop(gain_db=-10.0, latency_ms=60):
        yield pulse


def _reply(clip, key: str, over_s: float | None = None):
    from hands_free import Reply, voice_end_s, voice_start_s

    return Reply(key, clip, voice_end_s(clip), over_s=over_s, voice_start_s=voice_start_s(clip))


def _told_caption() -> str:
    from assistant.dialogue.scripts import load_script

    return next(" ".join(s.text.split()) for s in load_script("debrief").steps if s.type == "reflect")


def _stored_reflection() -> str:
    from assistant.journal.store import Store

    with Store.open() as store:
        (row,) = store.list_sessions()
        return str(store.answers_for(row.id).get("reflection") or "")


def test_a_story_told_over_the_invitation_stops_it_and_is_stored_from_its_first_word(echo_room, speak_piper):
    """1.5 s into the invitation the person starts telling: the line stops at once (well before its end, ~10 s
    later) and the story is stored from "Yesterday", the word said over the line, not from where the line ended."""
    from hands_free import converse

    told = _told_caption()
    story = _reply(speak_piper(STORY, pad=0.3), "reflection", over_s=1.5)

    def over(conversation) -> bool:
        return any(turn.next_caption_at is not None for turn in conversation.turns)

    run = converse(echo_room, ["--verbose", "debrief", "--confirm", "never"],
                   lambda caption: story if caption == told else None, timeout_s=240, stop=over)
    (turn,) = run.turns
    assert "Traceback" not in run.stderr and "not available" not in run.stderr, run.stderr[-800:]
    assert turn.voice_start_at is not None and turn.line_stopped_at is not None, run.captions
    assert turn.line_stopped_at - turn.voice_start_at < 1.0, (turn, run.captions[-4:])  # cut short, not played out
    reflection = _stored_reflection().lower()
    assert reflection.startswith("yesterday"), reflection
    assert "sam" in reflection and "seven" in reflection or "7" in reflection, reflection


def _log() -> str:
    """The ``--verbose`` log of the runs in this test's home (it never holds what was said)."""
    import os
    from pathlib import Path

    log = Path(os.environ["ASSISTANT_HOME"]) / "assistant.log"
    return log.read_text(encoding="utf-8") if log.exists() else ""


def _stops(spans=()) -> list[str]:
    """Lines stopped by a voice in the runs so far, but for those stopped while the person was talking."""
    from hands_free import stops

    return stops(_log(), spans)


def test_its_own_echo_never_stops_a_line_over_a_whole_guided_debrief(echo_room, speak_piper):
    """Every question of the guided debrief spoken with its echo in the microphone, each answered after the line
    (as a person who waits does): no line is stopped but while the person talks (on a busy machine a pause
    in the making of a line can be longer than their patience, and they answer over the rest of it), and every
    rating is stored as said."""
    from assistant.journal.store import Store
    from hands_free import converse, talking
    from test_noisy_room import _debrief_person

    person = _debrief_person(speak_piper)
    run = converse(echo_room, ["--verbose", "debrief", "--guided", "--confirm", "never"], person, timeout_s=600,
                   patience_s=1.5)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-800:]
    assert _stops(talking(run)) == [], run.captions
    with Store.open() as store:
        (row,) = store.list_sessions()
        answers = store.answers_for(row.id)
    assert row.status == "finished", run.captions[-6:]
    assert {f: answers.get(f) for f in person.ratings} == person.ratings, answers


@pytest.mark.parametrize("kind", ["brown", "babble"])
def test_noise_in_the_room_never_stops_a_line(echo_room, speak_piper, tmp_path, kind):
    """A fan or a TV 10 dB under the person's voice, looped into the microphone with the echo, through the welcome
    and the invitation: no line is stopped, and the story told after the invitation ends its turn. (How much of it
    is heard in noise is the ear's, measured in ``scripts/bench noisy``.)"""
    from hands_free import converse, noise_wav, talking

    told = _told_caption()
    story = _reply(speak_piper(STORY, pad=0.3), "reflection")
    noise = noise_wav(tmp_path, kind, 10.0, story.clip)

    def over(conversation) -> bool:
        return any(turn.next_caption_at is not None for turn in conversation.turns)

    run = converse(echo_room, ["--verbose", "debrief", "--confirm", "never"],
                   lambda caption: story if caption == told else None, noise=noise, timeout_s=240, stop=over)
    assert "Traceback" not in run.stderr, run.stderr[-800:]
    assert _stops(talking(run)) == [], run.captions
    assert run.turns and run.turns[0].next_caption_at is not None, run.captions  # the story was heard, its turn ended


def test_with_barge_in_off_the_line_plays_out_as_before(echo_room, speak_piper, run_cli):
    """The setting off: no canceller is loaded and the invitation plays to its end under the story (half duplex)."""
    from hands_free import converse

    assert run_cli("settings", "set", "barge_in", "false").exit_code == 0
    told = _told_caption()
    story = _reply(speak_piper(STORY, pad=0.3), "reflection", over_s=1.5)

    def over(conversation) -> bool:
        return any(turn.next_caption_at is not None for turn in conversation.turns)

    run = converse(echo_room, ["--verbose", "debrief", "--confirm", "never"],
                   lambda caption: story if caption == told else None, timeout_s=240, stop=over)
    (turn,) = run.turns
    assert turn.voice_start_at is not None and turn.line_stopped_at is not None, run.captions
    assert turn.line_stopped_at - turn.voice_start_at > 5.0, turn  # the rest of the invitation was said
    assert _stops() == [] and "echo canceller" not in _log()
