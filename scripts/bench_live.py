"""Figures for a story told live (``scripts/bench live``): the same rendered stories heard as a file and live.

- **file**: each story clip transcribed as a file (``assistant transcribe``'s path: ~20 s windows cut at pauses).
- **live**: the same clip played into the virtual microphone as the answer to the told debrief's question, on
  the private PulseAudio server (tests/hands_free.py), with default settings; the stored reflection is its live
  transcript. The story ends with "I'm done", as the question invites; the gap is from the end of its voice to
  the assistant's next sound (the summary), and the run stops there.
- **stream**: the same clip fed to the live recogniser in stream time (Silero, no microphone), heard as an open
  answer (windows with the earlier text as context) and as pieces cut at every 0.3 s pause (how every answer was
  heard before; voice commands still are): the recogniser's part of the difference, side by side.
- **told**: a whole told debrief by voice for a returning user, a 25 s story with three anxiety numbers, a
  duration, a feeling and a next step, then whatever is still asked: turns and wall time, and the gaps after the
  closed follow-ups.

Word error rate: words (numbers written as words, "I'm done" left out) against the text the story was rendered
from; pooled over the stories (errors ÷ reference words). Stories by the Piper voice and two espeak-ng voices.
Quick mode (``ctx["quick"]``): one short story, Piper only, and no told debrief.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench_ear import percentile  # noqa: E402
from wer import errors  # noqa: E402  (tests/wer.py: the tests count words the same way)

DONE = " I'm done."
# Debrief stories of 15-30 s, in the words people use (written for this benchmark, nothing tuned on them).
STORIES = (
    "I told my friend Sam about my panic attacks at work, and it was a new topic for us. Before it my anxiety "
    "was about a seven. At the worst moment it went up to an eight, and afterwards it was maybe a three. We "
    "talked for about twenty minutes. I felt nervous and then relieved.",
    "Yesterday I finally asked my sister if we could have dinner, just the two of us. I was shaking a little when "
    "I sat down, maybe a six out of ten. When she asked why I had been so distant it got to a nine. But she "
    "listened, and by the end I was down to a two.",
    "I called my dad on Sunday and told him I missed our walks. My stomach was in knots before the call, I would "
    "say a five. He went quiet for a moment and that was the hardest part. We stayed on the phone for half an "
    "hour, and afterwards I felt lighter and a bit proud of myself.",
)
QUICK_STORY = "I called my dad and told him I missed him. Before the call I was a five, and after it a two."
VOICES = ("piper", "en-us", "en-gb")
# The told debrief's story: three anxiety numbers, a duration, a feeling and a next step, about 25 s.
TOLD_STORY = ("I had coffee with my neighbour Alex and told her I have been feeling lonely since the move. "
              "Before it my anxiety was a six, at the worst it was an eight, and afterwards it was a three. "
              "We talked for about thirty minutes. I felt scared and then relieved. "
              "Next, I will ask her to go for a walk on Saturday. I'm done.")


# The person waits this long after the assistant's voice before answering: on a machine shared with other work,
# a streamed line stalled for more than the usual 0.7 s between sentences and the story, begun in the stall, was
# not heard (the microphone is closed while the assistant speaks). The gaps are measured from the person's voice.
QUIET_S = 2.5


def _clip(folder: Path, text: str, voice: str) -> Path:
    import ear_clips

    return ear_clips.piper(text, folder) if voice == "piper" else ear_clips.espeak(text, folder, voice=voice)


def _home(ctx, name: str) -> dict[str, str]:
    home = ctx["tmp"] / f"home-live-{name}"
    home.mkdir(exist_ok=True)
    (home / ".welcomed").touch()  # a returning user: past the first-run disclaimer
    return {"ASSISTANT_HOME": str(home)}


def _stored(env: dict[str, str]) -> dict:
    from assistant.journal.store import Store

    saved = os.environ.get("ASSISTANT_HOME")
    os.environ["ASSISTANT_HOME"] = env["ASSISTANT_HOME"]
    try:
        with Store.open() as store:
            sessions = store.list_sessions()
            return store.answers_for(sessions[0].id) if sessions else {}
    finally:
        if saved is not None:
            os.environ["ASSISTANT_HOME"] = saved


def told_live(ctx, pulse, clip: Path, name: str) -> tuple[str, float | None]:
    """The clip told as the debrief's story into the virtual microphone: (the stored reflection, seconds from
    the end of its voice to the next sound)."""
    from assistant.dialogue.scripts import load_script
    from hands_free import Reply, converse, voice_end_s

    told = next(" ".join(s.text.split()) for s in load_script("debrief").steps if s.type == "reflect")
    story = Reply("reflection", clip, voice_end_s(clip))

    def story_over(conversation) -> bool:  # the summary has begun: the turn ended, and was heard to
        turns = conversation.turns
        return bool(turns) and len([c for c in conversation.captions if c[0] > turns[0].voice_end_at]) >= 2

    env = _home(ctx, name)
    run = converse(pulse, ["debrief", "--confirm", "never"], lambda caption: story if caption == told else None,
                   env=env, timeout_s=150, stop=story_over, patience_s=QUIET_S)
    if not run.turns:
        raise RuntimeError(f"the story was never asked for; {run.stderr[-200:]}")
    return str(_stored(env).get("reflection") or ""), run.turns[0].sound_gap_s


def in_stream(engine, pcm: bytes, open_answer: bool, paced: bool = False) -> tuple[str, float | None]:
    """The clip heard as a told story by the live recogniser (Silero) and the story's endpoint, fed in stream
    time, as an open answer or as pieces: (the transcript, and when ``paced`` (fed at real time) seconds from
    the end of the voice to the answer's end)."""
    import time

    from assistant.audio.formats import chunk_bytes, silence
    from assistant.practice.hearing import Ear, listen_for
    from assistant.speech.stt.endpoint import AnswerListener
    from assistant.speech.stt.vad import ENERGY_FRAME_S, EnergyVad

    lead = 1.0
    flags = [frame.voiced for frame in EnergyVad().frames(pcm)]
    voice_end = lead + (max(i for i, v in enumerate(flags) if v) + 1) * ENERGY_FRAME_S
    listener = AnswerListener(engine.recognizer(partials=False, open_answer=open_answer),
                              Ear().endpoint(listen_for("reflection")))
    started, answer = time.monotonic(), None
    for chunk in chunk_bytes(silence(lead) + pcm + silence(6.0), seconds=0.05):
        if paced:
            time.sleep(max(0.0, started + chunk.timestamp - time.monotonic()))
        answer = listener.feed(chunk.audio)
        if answer:
            break
    answer = answer or listener.close()
    return answer.text, (time.monotonic() - (started + voice_end)) if paced else None


def told_debrief(ctx, pulse) -> dict:
    """The whole told debrief by voice (see the module docstring)."""
    from bench_noisy import CLOSED, _person
    from hands_free import converse

    folder = ctx["tmp"] / "live"
    person, kinds = _person(folder, TOLD_STORY)
    for field, kind in kinds.items():  # "Would you like a short breathing break?" (a peak of 8): no, thanks
        if kind == "yesno" and field not in person.clips:
            person.clips[field] = person.clips["no"]
    env = _home(ctx, "told")
    run = converse(pulse, ["debrief"], person, env=env, timeout_s=300, patience_s=QUIET_S)
    stored = _stored(env)
    said = {"anxiety_before": 6, "anxiety_peak": 8, "anxiety_after": 3, "conversation_minutes": 30}
    closed = [t.sound_gap_s * 1000 for t in run.turns
              if t.sound_gap_s is not None and (t.key in ("yes", "no") or kinds.get(t.key) in CLOSED)]
    out = {"told_turns": len(run.turns), "told_wall_s": round(run.wall_s, 1), "told_returncode": run.returncode,
           "told_asked": [t.key for t in run.turns],
           "told_numbers_right": sum(stored.get(field) == value for field, value in said.items()),
           "told_numbers_wrong": sum(stored.get(field) not in (None, value) for field, value in said.items())}
    story = next((t for t in run.turns if t.key == "reflection"), None)
    if story is not None and story.sound_gap_s is not None:
        out["told_story_gap_ms"] = round(story.sound_gap_s * 1000)
    if closed:
        out["told_closed_gap_ms_p50"] = round(percentile(closed, 50))
    return out


def through_microphone(engine, pulse, clip: Path) -> tuple[str, float]:
    """The clip played into the virtual microphone and heard live as a told story by the session's ear (Silero,
    the endpoint, the recogniser), without the rest of a session: (the transcript, seconds from the end of the
    voice to the answer's end, its words ready)."""
    import threading
    import time

    from assistant.audio.devices import Microphone
    from assistant.config import Settings
    from assistant.practice.hearing import Ear, listen_for
    from hands_free import voice_end_s

    pulse.reinit_portaudio()
    with Microphone.from_settings(Settings.load()) as mic:
        time.sleep(0.5)  # the room before the voice, as before any answer
        player = threading.Thread(target=pulse.play_into_mic, args=(clip,), daemon=True)
        played = time.monotonic()
        player.start()
        answer = Ear().hear(engine, (chunk.audio for chunk in mic.chunks(timeout=5.0)), listen_for("reflection"))
        ended = time.monotonic()
    player.join()
    return answer.text, ended - (played + voice_end_s(clip))


def bench_live(ctx) -> dict:
    """File, live and stream transcripts of the same stories; the open-answer gap; the told debrief."""
    from assistant.audio.formats import load_for_recognition
    from assistant.speech.models.catalog import whisper_model
    from assistant.speech.stt.transcribe import transcribe_file
    from assistant.speech.stt.whisper_engine import WhisperEngine

    quick = bool(ctx.get("quick"))
    pulse = ctx["pulse"]()
    folder = ctx["tmp"] / "live"
    folder.mkdir(exist_ok=True)
    found = whisper_model()
    engine = WhisperEngine(found.path, found.name)
    stories = (QUICK_STORY,) if quick else STORIES
    tally: dict[str, list[int]] = {}
    ready: list[float] = []
    stream_ready: dict[str, list[float]] = {}
    gaps: list[float] = []
    worst: dict[str, str] = {}

    def count(key: str, reference: str, heard: str) -> None:
        wrong, total = errors(reference, heard)
        pair = tally.setdefault(key, [0, 0])
        pair[0] += wrong
        pair[1] += total

    for voice in ("piper",) if quick else VOICES:
        for number, story in enumerate(stories):
            clip = _clip(folder, story + DONE, voice)
            pcm = load_for_recognition(clip)
            heard = {"file": transcribe_file(engine, str(clip))["text"]}
            for how, open_answer in (("windows", True), ("pieces", False)):  # side by side, at real time for Piper
                heard[how], stream_ready_s = in_stream(engine, pcm, open_answer, paced=voice == "piper")
                if stream_ready_s is not None:
                    stream_ready.setdefault(how, []).append(stream_ready_s * 1000)
            heard["live"], ready_s = through_microphone(engine, pulse, clip)
            ready.append(ready_s * 1000)
            for how, text in heard.items():
                count(how, story, text)
                count(f"{voice}_{how}", story, text)
            print(f"  live {voice} {number} ({ready_s:.2f} s): " + " | ".join(f"{how}: {text}" for how, text in
                                                                              heard.items()), file=sys.stderr,
                  flush=True)
            if errors(story, heard["live"])[0] > errors(story, heard["file"])[0]:
                worst[f"{voice}_{number}"] = heard["live"]
            if not quick and voice == "piper":  # the whole turn in a session: the story, then the summary's sound
                _text, gap = told_live(ctx, pulse, clip, f"{voice}-{number}")
                if gap is not None and gap > 0.05:  # ~0: the person spoke over a line stalled by a busy machine
                    gaps.append(gap * 1000)
    out: dict = {f"live_wer_{key}": round(wrong / total, 3) for key, (wrong, total) in tally.items()}
    out["live_wer_ratio"] = round(tally["live"][0] / max(1, tally["file"][0]), 2)
    out["live_wer_reference_words"] = tally["file"][1]
    out["live_answer_ready_ms_p50"] = round(percentile(ready, 50))
    out["live_answer_ready_ms_p95"] = round(percentile(ready, 95))
    for how, values in stream_ready.items():
        out[f"live_stream_ready_ms_p50_{how}"] = round(percentile(values, 50))
    out["live_worse_than_file"] = worst
    if not quick:
        try:
            out |= told_debrief(ctx, pulse)
        except Exception as exc:  # the figures above must not be lost with it
            out["told_error"] = f"{type(exc).__name__}: {exc}"[:300]
        if "told_story_gap_ms" in out:
            gaps.append(out["told_story_gap_ms"])
    if gaps:
        out["open_gap_ms_p50"] = round(percentile(gaps, 50))
        out["open_gap_ms_p95"] = round(percentile(gaps, 95))
        out["open_gaps_measured"] = len(gaps)
    return out
