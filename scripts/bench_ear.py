"""Figures for the ear (``scripts/bench speech`` and ``scripts/bench conversation``).

speech: closed answers (ratings 0-10 alone and in carriers, yes/no, choices; and a few answers that are no
answer, which must not become one) spoken by seven espeak-ng voices and by the Piper neural voice at three
speeds, each heard as a session hears it (``practice.hearing.hear_file``, the path of ``assistant transcribe
--as``): accuracy per voice family, the wrong-value rate with confirmation off, the decode time of a closed
answer, and end of speech → final for closed answers streamed at real time.

conversation: a simulated person (the Piper voice) answers the guided debrief by voice through the private
PulseAudio server (like tests/test_hands_free.py) with default settings; the gap is from the end of the
answer's voice (paplay start + the voice's end in the clip) to the assistant's next sound at the speaker
monitor.
"""

from __future__ import annotations

import queue
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

PIPER_SCALES = (0.85, 1.0, 1.2)  # Piper's length scale: faster, normal, slower speech
ESPEAK_QUICK = ("en-us",)  # the one espeak-ng voice of a quick run
CLOSED_LATENCY = (("seven", "rating"), ("about a seven", "rating"), ("eight", "rating"), ("yes", "yesno"),
                  ("no, not really", "yesno"))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def closed_answers(ctx, engine) -> dict:
    """Accuracy, wrong values and decode time of closed answers (see the module docstring)."""
    import ear_clips
    from assistant.audio.formats import load_for_recognition
    from assistant.practice.hearing import Ear, closed_answer, hear_file

    folder = ctx["tmp"] / "ear-clips"
    folder.mkdir(exist_ok=True)
    if ctx.get("quick"):  # one rating in one voice of each family: checks the section runs
        few = ear_clips.RATINGS[:1]
        clips = (ear_clips.espeak_set(folder, voices=ESPEAK_QUICK, kinds=("rating",), ratings=few)
                 + ear_clips.piper_set(folder, kinds=("rating",), ratings=few))
    else:
        clips = ear_clips.espeak_set(folder) + ear_clips.piper_set(folder, scales=PIPER_SCALES)
    ear = Ear()
    tally: dict[str, list[int]] = {"espeak": [0, 0], "neural": [0, 0]}
    ratings = wrong_ratings = read_back = right_ratings = 0
    decode_ms: list[float] = []
    for clip in clips:
        choices = ear_clips.CHOICES if clip.kind == "choice" else ()
        heard = hear_file(engine, str(clip.path), clip.kind, choices, ear)
        value = None if heard["problem"] or isinstance(heard["value"], dict) else heard["value"]
        family = "neural" if clip.voice == "piper" else "espeak"
        if clip.expected is not None:
            tally[family][0] += 1
            tally[family][1] += value == clip.expected
        if clip.kind == "rating":
            ratings += 1
            wrong_ratings += value is not None and value != clip.expected
            if value is not None and value == clip.expected:
                right_ratings += 1
                read_back += heard["confidence"] is None or heard["confidence"] < _confirm_below()
        utterance = _as_segmented(load_for_recognition(clip.path))
        started = time.perf_counter()
        engine.hear_closed(utterance, 0.0, closed_answer(clip.kind, choices))
        decode_ms.append((time.perf_counter() - started) * 1000)
    latency = _closed_latency_ms(engine, folder, CLOSED_LATENCY[:1] if ctx.get("quick") else CLOSED_LATENCY)
    return {
        "closed_answer_accuracy_espeak": round(tally["espeak"][1] / tally["espeak"][0], 3),
        "closed_answer_accuracy_neural": round(tally["neural"][1] / tally["neural"][0], 3),
        "closed_answer_wrong_value_rate": round(wrong_ratings / ratings, 4),
        "closed_answer_read_back_rate_auto": round(read_back / max(1, right_ratings), 3),
        "closed_answer_clips": len(clips),
        "closed_decode_ms_p50": round(percentile(decode_ms, 50), 1),
        "closed_decode_ms_p95": round(percentile(decode_ms, 95), 1),
        "endpoint_to_final_ms_whisper_closed": round(statistics.median(latency), 1),
        "endpoint_to_final_ms_whisper_closed_max": round(max(latency), 1),
    }


def _confirm_below() -> float:
    from assistant.text import data_file

    return data_file("session.toml")["settings"]["confirm_below"]


def _as_segmented(pcm: bytes) -> bytes:
    """The utterance the recogniser would cut from a clip: the voice with 0.3 s of silence either side."""
    from assistant.speech.stt.vad import ENERGY_FRAME_BYTES, EnergyVad

    flags = [frame.voiced for frame in EnergyVad().frames(pcm)]
    voiced = [i for i, v in enumerate(flags) if v]
    margin = int(0.3 / 0.03)
    first, last = max(0, voiced[0] - margin), min(len(flags), voiced[-1] + 1 + margin)
    return pcm[first * ENERGY_FRAME_BYTES : last * ENERGY_FRAME_BYTES]


def final_after_speech_ms(rec, pcm: bytes, speech_end_s: float, chunk: int = 960) -> float:
    """Feed ``pcm`` to the recogniser at real time (30 ms chunks): ms from the end of the voice to the final."""
    start, got = time.monotonic(), None
    for i in range(0, len(pcm), chunk):
        delay = start + i / 32000 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if any(r.final for r in rec.accept(pcm[i : i + chunk])):
            got = time.monotonic()
            break
    if got is None:
        rec.finish()
        got = time.monotonic()
    return (got - (start + speech_end_s)) * 1000


def _closed_latency_ms(engine, folder: Path, said=CLOSED_LATENCY) -> list[float]:
    """Stream closed answers at real time: end of the voice → the final."""
    import ear_clips
    from assistant.audio.formats import load_for_recognition
    from assistant.practice.hearing import closed_answer
    from assistant.speech.stt.vad import ENERGY_FRAME_S, EnergyVad

    out = []
    for text, kind in said:
        pcm = load_for_recognition(ear_clips.espeak(text, folder, pad=0.5))
        flags = [frame.voiced for frame in EnergyVad().frames(pcm)]
        speech_end = (max(i for i, v in enumerate(flags) if v) + 1) * ENERGY_FRAME_S
        out.append(final_after_speech_ms(engine.recognizer(partials=False, closed=closed_answer(kind)), pcm,
                                         speech_end))
    return out


# --- conversation ------------------------------------------------------------------------------------------

CLOSED = ("rating", "yesno", "choice", "duration", "date")

# The same content as the guided answers (all fifteen fields) told in one go, ending with "I'm done" as the
# question invites. Both flows are spoken by the Piper voice: a natural voice, as a person would speak.
REFLECTION = ("I told my friend Sam about my panic attacks at work, and it was a new topic for us. "
              "It felt pretty personal, about a six. We talked for about fifteen minutes. "
              "Before it my anxiety was a seven, at the worst it was a four, and afterwards it was a two. "
              "The anxiety lasted about twenty minutes. I felt nervous and relieved, and my chest was tight. "
              "Starting the conversation was easier than I expected, but asking for more time stayed hard. "
              "What helped most was that Sam asked kind questions. I learned that people want to know me. "
              "Next, I will invite Sam for coffee next week. I'm done.")


# A quick run's told debrief: short, so its one turn takes seconds.
QUICK_REFLECTION = "Before it my anxiety was a seven, and afterwards it was a two. I'm done."


def conversation(ctx, pulse, flow: str = "guided") -> dict:
    """A debrief by voice with default settings: gaps after closed and open answers, turns, wall time.

    ``flow`` "guided" answers one question per field (``debrief --guided``); "reflect" tells the same content
    in one reflection (``debrief``), says yes to the summary and answers only what is still asked. A quick run
    (``ctx["quick"]``) answers one question, measures the gap to the next sound and stops the session.
    """
    quick = bool(ctx.get("quick"))
    import os

    import ear_clips
    from assistant.audio.formats import load_for_recognition
    from assistant.dialogue.scripts import load_script
    from assistant.speech.stt.vad import ENERGY_FRAME_S, EnergyVad
    from assistant.text import data_file
    from audio_fixtures import SpeakerMonitor
    from test_hands_free import ANSWERS  # what the simulated person says, field by field (the same as the test)

    steps = [s for s in load_script("debrief").steps if s.type in ("ask", "reflect")]
    questions = {" ".join(s.text.split()): (s.field, "text" if s.type == "reflect" else s.kind) for s in steps}
    summary = {data_file("session.toml")["say"][key] for key in ("summary_check", "summary_what", "summary_again")}
    folder = ctx["tmp"] / "conversation"
    folder.mkdir(exist_ok=True)
    said = {**ANSWERS, "yes": "yes", "reflection": QUICK_REFLECTION if quick else REFLECTION}
    clips: dict[str, Path] = {}
    voice_end: dict[str, float] = {}

    def clip(key: str) -> Path:
        """The answer's recording, made once (all before the session in a full run, so none delays it)."""
        if key not in clips:
            clips[key] = ear_clips.piper(said[key], folder)
            flags = [frame.voiced for frame in EnergyVad().frames(load_for_recognition(clips[key]))]
            voice_end[key] = (max(i for i, v in enumerate(flags) if v) + 1) * ENERGY_FRAME_S
        return clips[key]

    if not quick:  # a quick run makes only the one answer it gives
        for key in said:
            clip(key)
    # Each flow in a home of its own, past the first-run disclaimer, so neither pays for the other's start.
    home = ctx["tmp"] / f"home-{flow}"
    home.mkdir(exist_ok=True)
    (home / ".welcomed").touch()
    env = dict(os.environ, PYTHONUNBUFFERED="1", ASSISTANT_HOME=str(home))
    monitor = SpeakerMonitor(pulse)
    started = time.monotonic()
    args = ["debrief", "--guided"] if flow == "guided" else ["debrief"]
    proc = subprocess.Popen([sys.executable, "-m", "assistant", *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put((time.monotonic(), line.rstrip())) for line in proc.stdout],
                     daemon=True).start()
    gaps: dict[str, list[float]] = {"closed": [], "open": []}
    pending: tuple[str, float] | None = None  # (closed|open, when the answer's voice ended)
    turns, deadline = 0, time.monotonic() + (90 if quick else 420)
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                at, line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            caption = " ".join(line.removeprefix("assistant: ").split())
            if caption in questions:
                key, kind = questions[caption]
            elif caption.startswith("I heard") or caption in summary:
                key, kind = "yes", "yesno"
            elif not (quick and turns):  # a quick run's gap ends at whatever is said next
                continue
            if not monitor.wait_until_said_and_quiet(at):
                break
            if pending is not None:
                loud = [t for t in monitor._loud_times(pending[1]) if t >= pending[1]]
                if loud:
                    gaps[pending[0]].append((loud[0] - pending[1]) * 1000)
            if quick and turns:  # one answer and the gap after it: enough to know the flow works
                proc.terminate()
                break
            time.sleep(0.2)
            answer = clip(key)
            played = time.monotonic()
            pulse.play_into_mic(answer)
            turns += 1
            pending = ("closed" if kind in CLOSED else "open", played + voice_end[key])
        proc.wait(timeout=max(1, deadline - time.monotonic()))
        if pending is not None and not quick:  # the closing words after the last answer
            time.sleep(1.0)
            loud = [t for t in monitor._loud_times(pending[1]) if t >= pending[1]]
            if loud:
                gaps[pending[0]].append((loud[0] - pending[1]) * 1000)
    finally:
        if proc.poll() is None:
            proc.kill()
        monitor.close()
    wall = time.monotonic() - started
    if quick and turns and gaps["open"]:
        return {"gap_ms_p50_open": round(percentile(gaps["open"], 50)), "turns": turns, "wall_s": round(wall, 1)}
    if proc.returncode != 0 or not gaps["open"] or (flow == "guided" and not gaps["closed"]):
        return {"conversation_error": (proc.stderr.read() or "no gaps measured")[-300:], "turns": turns}
    out = {"gap_ms_p50_open": round(percentile(gaps["open"], 50)), "turns": turns, "wall_s": round(wall, 1)}
    if gaps["closed"]:
        out |= {"gap_ms_p50_closed": round(percentile(gaps["closed"], 50)),
                "gap_ms_p95_closed": round(percentile(gaps["closed"], 95)),
                "gap_ms_max_closed": round(max(gaps["closed"]))}
    return out


def flows(ctx, pulse) -> dict:
    """The same debrief content hands-free, question by question and told as one reflection (cached in ctx, so
    the conversation and reflect sections of one run share it)."""
    if "flows" not in ctx:
        ctx["flows"] = {flow: conversation(ctx, pulse, flow) for flow in ("guided", "reflect")}
    return ctx["flows"]
