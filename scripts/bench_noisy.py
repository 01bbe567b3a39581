"""Figures for the ear in a noisy room (``scripts/bench noisy``): a simulated person (the Piper voice) talks to
the assistant on the private PulseAudio server while noise is looped into the microphone the whole session
(tests/hands_free.py; noise from tests/room.py, at a level below the person's active speech level).

- told debrief, brown noise 20 and 10 dB below the voice (a fan): the person tells the story, ending with
  "I'm done" as the question invites, and waits. ``told_<noise>_turn_end_s``: from the end of the voice to
  the assistant's next caption (the turn is over); ``..._next_sound_s``: to its next sound at the speaker.
  The full run adds babble 10 dB and a story with no closing phrase (the 3 s patience ends it).
- guided debrief with babble 10 dB below the voice (a TV): every rating stored is the one said, or none;
  end of a closed answer's voice -> the assistant's next sound, p50 / p95 / max.
- lone-word free decode: a lone "seven" (and "eight", "That's all") decoded as free speech now and with the
  settings before (greedy with temperature fallback, which re-decoded a lone "seven" for seconds).

Quick mode (``ctx["quick"]`` or ``BENCH_QUICK=1``): the told debriefs in brown noise only, stopped once the
story's turn is over, and the lone word; the guided debrief in babble is the full run's.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

CLOSED = ("rating", "yesno", "choice", "duration", "date")
TOLD_NOISES = (("brown", 20.0), ("brown", 10.0))
GUIDED_NOISE = ("babble", 10.0)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _home(ctx, name: str) -> dict[str, str]:
    home = ctx["tmp"] / f"home-noisy-{name}"
    home.mkdir(exist_ok=True)
    (home / ".welcomed").touch()
    return {"ASSISTANT_HOME": str(home)}


def _person(folder: Path, reflection: str):
    import ear_clips
    from assistant.dialogue.scripts import load_script
    from hands_free import Person, Reply, voice_end_s
    from test_hands_free import ANSWERS

    steps = load_script("debrief").steps
    questions = {" ".join(s.text.split()): s.field for s in steps if s.type == "ask"}
    told = next(" ".join(s.text.split()) for s in steps if s.type == "reflect")
    kinds = {s.field: s.kind for s in steps if s.type == "ask"}
    sayings = {**ANSWERS, "yes": "yes", "no": "no", **({"reflection": reflection} if reflection else {})}
    clips = {}
    for key, text in sayings.items():
        path = ear_clips.piper(text, folder)
        clips[key] = Reply(key, path, voice_end_s(path))
    ratings = {field: _number(ANSWERS[field]) for field, kind in kinds.items() if kind == "rating"}
    return Person(clips, questions, ratings, told), kinds


def _number(word: str) -> int:
    words = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words.index(word)


def told_turn_end(ctx, pulse, noise: str, snr_db: float, closing: bool = True) -> dict:
    """The story told in noise: seconds from the end of its voice to the next caption and sound."""
    from bench_ear import REFLECTION
    from hands_free import converse, noise_wav

    folder = ctx["tmp"] / "noisy"
    folder.mkdir(exist_ok=True)
    story = REFLECTION if closing else REFLECTION.removesuffix(" I'm done.")
    person, _kinds = _person(folder, story)
    room_noise = noise_wav(folder, noise, snr_db, person.clips["reflection"].clip)

    def story_over(conversation) -> bool:  # the summary has been said: the turn ended, and was heard to
        turns = [t for t in conversation.turns if t.key == "reflection"]
        return bool(turns) and len([c for c in conversation.captions if c[0] > turns[0].voice_end_at]) >= 2

    run = converse(pulse, ["debrief", "--confirm", "never"], person, env=_home(ctx, f"told-{noise}{snr_db:g}"),
                   noise=room_noise, timeout_s=150, stop=story_over)
    turn = next((t for t in run.turns if t.key == "reflection"), None)
    if turn is None:
        return {"error": f"the story was never asked for; {run.stderr[-200:]}"}
    return {"turn_end_s": _rounded(turn.caption_gap_s), "next_sound_s": _rounded(turn.sound_gap_s)}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def guided_in_noise(ctx, pulse, noise: str, snr_db: float) -> dict:
    """The guided debrief with default settings in noise: stored ratings against what was said, closed gaps."""
    from assistant.journal.store import Store
    from hands_free import converse, noise_wav

    folder = ctx["tmp"] / "noisy"
    folder.mkdir(exist_ok=True)
    person, kinds = _person(folder, "")
    room_noise = noise_wav(folder, noise, snr_db, person.clips["what_happened"].clip)
    env = _home(ctx, f"guided-{noise}{snr_db:g}")
    run = converse(pulse, ["debrief", "--guided"], person, env=env, noise=room_noise, timeout_s=600)
    saved = os.environ.get("ASSISTANT_HOME")
    os.environ["ASSISTANT_HOME"] = env["ASSISTANT_HOME"]
    try:
        with Store.open() as store:
            sessions = store.list_sessions()
            answers = store.answers_for(sessions[0].id) if sessions else {}
            status = sessions[0].status if sessions else "none"
    finally:
        if saved is not None:
            os.environ["ASSISTANT_HOME"] = saved
    stored = {field: answers.get(field) for field in person.ratings}
    wrong = {field: value for field, value in stored.items() if value is not None and value != person.ratings[field]}
    closed = [t.sound_gap_s * 1000 for t in run.turns
              if t.sound_gap_s is not None and (t.key in ("yes", "no") or kinds.get(t.key) in CLOSED)]
    out = {"status": status, "returncode": run.returncode, "turns": len(run.turns), "wall_s": round(run.wall_s, 1),
           "ratings_right": sum(value == person.ratings[f] for f, value in stored.items()),
           "ratings_absent": sum(value is None for value in stored.values()), "ratings_wrong": len(wrong),
           "wrong": wrong}
    if closed:
        out |= {"closed_gap_ms_p50": round(percentile(closed, 50)), "closed_gap_ms_p95": round(percentile(closed, 95)),
                "closed_gap_ms_max": round(max(closed))}
    # What was read back or kept, for a wrong value: misheard and not read back (the ear was sure), or kept.
    out["read_backs"] = [caption for _at, caption in run.captions if caption.startswith(("I heard", "I'll keep"))]
    if run.returncode != 0:
        out["stderr"] = run.stderr[-300:]
    return out


def told_in_stream_time(ctx, engine, noise: str, snr_db: float, detector: str) -> dict:
    """The story mixed with noise and fed to the ear offline: where in the stream its turn ends, in seconds after
    the voice. Stream time does not depend on how busy the machine is (wall time adds the decode's latency).
    ``detector`` "silero" is the ear's own; "energy" hands the listener and whisper's segmentation the energy
    detector, as the ear was before (its answer is cut at 40 s of trailing noise)."""
    import ear_clips
    import room
    from assistant.audio.formats import chunk_bytes, load_for_recognition, silence
    from assistant.practice.hearing import Ear
    from assistant.speech.stt.endpoint import EndpointConfig, listen
    from assistant.speech.stt.vad import EnergyVad
    from assistant.speech.stt.whisper_engine import WhisperRecognizer
    from bench_ear import REFLECTION
    from hands_free import voice_end_s

    folder = ctx["tmp"] / "noisy"
    folder.mkdir(exist_ok=True)
    clip = ear_clips.piper(REFLECTION, folder)
    lead, tail = 1.0, 40.0
    clean = silence(lead) + load_for_recognition(clip) + silence(tail)
    pcm = room.mix(clean, room.noise(noise, 60.0, folder), snr_db) if noise != "quiet" else clean
    chunks = (chunk.audio for chunk in chunk_bytes(pcm, seconds=0.05))
    config = Ear().endpoint(_reflection())
    if detector == "energy":
        recognizer = WhisperRecognizer(engine, None, partials=False, vad=EnergyVad())
        answer = listen(chunks, recognizer, EndpointConfig(end_silence_s=config.end_silence_s,
                                                           max_answer_s=config.max_answer_s), vad=EnergyVad())
    else:
        answer = listen(chunks, engine.recognizer(partials=False), config)
    voice_end = lead + voice_end_s(clip)
    ended = answer.reason != "end_of_input"
    return {"turn_end_stream_s": round(answer.audio_s - voice_end, 2) if ended else None, "reason": answer.reason}


def _reflection():
    from assistant.events import Listen

    return Listen("", "reflection", (), "", ())


def lone_word_decode_ms(ctx) -> dict:
    """Lone words and short answers decoded as free speech, as segmented live, side by side: ``now`` (one decode
    at temperature 0 with a beam of 5, bounded tokens) and ``fallback`` (the settings before: greedy, with
    faster-whisper's temperature fallback). Median of 3 per clip, alternating; the texts of both are kept."""
    import numpy as np

    import ear_clips
    from assistant.audio.formats import load_for_recognition
    from assistant.speech.models.catalog import whisper_model
    from assistant.speech.stt.whisper_engine import PAD_S, WhisperEngine
    from bench_ear import _as_segmented

    found = whisper_model()
    engine = WhisperEngine(found.path, found.name)
    folder = ctx["tmp"] / "noisy"
    folder.mkdir(exist_ok=True)

    def fallback(pcm: bytes) -> str:
        pad = np.zeros(int(PAD_S * 16000), np.float32)
        audio = np.concatenate([pad, np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0, pad])
        segments, _ = engine.model.transcribe(audio, language="en", beam_size=1, word_timestamps=True,
                                              condition_on_previous_text=False, vad_filter=False)
        return " ".join(s.text.strip() for s in segments)

    clips = [("espeak", "seven", ear_clips.espeak("seven", folder)),
             ("piper", "seven", ear_clips.piper("seven", folder)), ("piper", "eight", ear_clips.piper("eight", folder)),
             ("espeak", "that's all", ear_clips.espeak("That's all.", folder))]
    out: dict = {}
    now_all, before_all = [], []
    for voice, text, clip in clips:
        utterance = _as_segmented(load_for_recognition(clip))
        engine.decode(utterance, 0.0)  # warm
        now, before = [], []
        for _ in range(3):
            started = time.perf_counter()
            heard = engine.decode(utterance, 0.0)
            now.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            old_text = fallback(utterance)
            before.append((time.perf_counter() - started) * 1000)
        key = f"{text.replace(' ', '_').replace(chr(39), '')}_{voice}"
        out[f"lone_{key}_ms_now"] = round(statistics.median(now))
        out[f"lone_{key}_ms_fallback"] = round(statistics.median(before))
        out[f"lone_{key}_text_now"] = heard.text if heard else ""
        out[f"lone_{key}_text_fallback"] = old_text
        now_all += now
        before_all += before
    out["lone_word_decode_ms_max_now"] = round(max(now_all))
    out["lone_word_decode_ms_max_fallback"] = round(max(before_all))
    return out


def bench_noisy(ctx) -> dict:
    """The hands-free debrief with noise looped into the microphone (see the module docstring). A part that fails
    is reported as ``<part>_error`` and the others still run."""
    pulse = ctx["pulse"]()
    quick = bool(ctx.get("quick")) or os.environ.get("BENCH_QUICK") == "1"
    parts: list[tuple[str, object]] = []
    told = TOLD_NOISES if quick else TOLD_NOISES + (("babble", 10.0),)
    for noise, snr in told:
        parts.append((f"told_{noise}{snr:g}", lambda n=noise, s=snr: told_turn_end(ctx, pulse, n, s)))
    if not quick:
        parts.append(("told_no_closing_brown10", lambda: told_turn_end(ctx, pulse, "brown", 10.0, closing=False)))
        noise, snr = GUIDED_NOISE
        parts.append((f"guided_{noise}{snr:g}", lambda: guided_in_noise(ctx, pulse, noise, snr)))
    parts.append(("lone", lambda: lone_word_decode_ms(ctx)))
    engine: list = []

    def whisper():
        if not engine:
            from assistant.speech.models.catalog import whisper_model
            from assistant.speech.stt.whisper_engine import WhisperEngine

            found = whisper_model()
            engine.append(WhisperEngine(found.path, found.name))
        return engine[0]

    stream = (("quiet", 0.0),) + TOLD_NOISES + ((() if quick else (("babble", 10.0),)))
    for detector in ("silero", "energy"):
        for noise, snr in stream:
            parts.append((f"told_stream_{detector}_{noise}{snr:g}",
                          lambda d=detector, n=noise, s=snr: told_in_stream_time(ctx, whisper(), n, s, d)))
    result: dict = {}
    for name, run in parts:
        try:
            figures = run()  # type: ignore[operator]
        except Exception as exc:  # one failed part must not lose the others' figures
            result[f"{name}_error"] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        for key, value in figures.items():
            result[key if name == "lone" else f"{name}_{key}"] = value
        print(f"  noisy {name}: {figures}", file=sys.stderr, flush=True)
    return result
