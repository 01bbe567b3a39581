"""Figures for the ear in a real room (``scripts/bench room``).

The shared recordings of real people saying one digit (``tests/room.py``: 300 clips, six speakers, 8 kHz as
shipped) are heard as answers to "from 0 to 10?" through the session's own closed-answer path
(``practice.hearing.hear_file``, the path of ``assistant transcribe --as rating``):

- ``trimmed``: the files as shipped, cut close to the voice (what ``transcribe --as`` is handed);
- ``clean``: the same with 0.5 s of digital silence either side, as a session hears a person who answers
  after the question and then falls silent;
- ``brown``, ``pink``, ``babble`` at 20, 10 and 5 dB SNR: that padded clip with noise under all of it
  (``room.mix``; babble is four of the project's own voices reading unrelated news at once).

Each answer is one of: right; asked again (no value, or a command); wrong but read back (``confirm = auto``
reads back a heard rating below ``[settings] confirm_below``); wrong stored. Per condition: those four rates,
the right rate per speaker, and the decode p95 (the whole ``hear_file`` call). ``ctx["quick"]``: one clip per
speaker, clean and babble 5 dB only (a smoke run in seconds). ``ctx["room_log"]``: a file to write each
answer to (JSON lines), for a closer look. ``BENCH_ROOM_EVERY=N`` hears every Nth clip only (all six speakers
stay in for N = 7: 43 clips) and ``BENCH_ROOM_CONDITIONS=trimmed,clean,...`` only those conditions: a side-by-side
comparison of two versions in minutes.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

NOISES = ("brown", "pink", "babble")
LEVELS_DB = (20, 10, 5)
OUTCOMES = ("right", "again", "read_back", "wrong_stored")
PAD_S = 0.5
LOGGED = ("text", "value", "problem", "confidence", "decode_s")


def conditions(quick: bool) -> list[tuple[str, str | None, float | None]]:
    """(name, noise, SNR dB); ``trimmed`` is the clip as shipped, with no silence added."""
    if quick:
        return [("clean", None, None), ("babble_5", "babble", 5)]
    every = [("trimmed", None, None), ("clean", None, None)] + [
        (f"{kind}_{db}", kind, db) for kind in NOISES for db in LEVELS_DB]
    chosen = [name for name in os.environ.get("BENCH_ROOM_CONDITIONS", "").split(",") if name]
    return [c for c in every if c[0] in chosen] if chosen else every


def outcome(heard: dict, digit: int, confirm_below: float) -> str:
    """What a session under ``confirm = auto`` does with one heard answer."""
    value = heard["value"]
    if heard["problem"] or value is None or isinstance(value, dict):
        return "again"  # nothing stored: asked again (a command moves the session, it stores no rating)
    if value == digit:
        return "right"
    confidence = heard["confidence"]
    return "read_back" if confidence is None or confidence < confirm_below else "wrong_stored"


def bench(ctx) -> dict:
    import room
    from assistant.audio.formats import write_wav
    from assistant.practice.hearing import Ear, hear_file
    from assistant.speech.models.catalog import whisper_model
    from assistant.speech.stt.whisper_engine import WhisperEngine
    from assistant.text import data_file
    from bench_ear import percentile

    quick = bool(ctx.get("quick"))
    clips = room.real_digits()
    if quick:
        clips = list({clip.speaker: clip for clip in clips if clip.take == 0 and clip.digit == 7}.values())
    else:
        clips = clips[:: max(1, int(os.environ.get("BENCH_ROOM_EVERY", "1")))]
    found = whisper_model()
    engine = WhisperEngine(found.path, found.name)
    confirm_below = data_file("session.toml")["settings"]["confirm_below"]
    folder = ctx["tmp"] / "room"
    folder.mkdir(exist_ok=True)
    ear = Ear()
    log = open(ctx["room_log"], "w") if ctx.get("room_log") else None  # one line per answer, for a closer look
    noises = {kind: room.noise(kind, 60.0, folder / "noise", seed=7)
              for kind in {n for _, n, _ in conditions(quick) if n}}
    result: dict = {}
    table: list[tuple[str, Counter, dict, float]] = []
    hear_file(engine, str(_wav(folder / "warm.wav", room.pad(room.load_16k(clips[0].path)), write_wav)), "rating",
              ear=ear)  # warm-up
    for name, kind, snr in conditions(quick):
        counts: Counter = Counter()
        by_speaker: dict[str, Counter] = defaultdict(Counter)
        decode_s = []
        for index, clip in enumerate(clips):
            pcm = room.load_16k(clip.path)
            if name != "trimmed":
                pcm = room.pad(pcm, PAD_S, PAD_S)
            if kind:  # a different stretch of the noise under each clip
                pcm = room.mix(pcm, noises[kind], snr, offset_s=(index * 1.7) % 55)
            path = _wav(folder / f"{name}.wav", pcm, write_wav)
            heard = hear_file(engine, str(path), "rating", ear=ear)
            said = outcome(heard, clip.digit, confirm_below)
            if log is not None:
                log.write(json.dumps({"condition": name, "clip": clip.path.name, "digit": clip.digit,
                                      "outcome": said, **{k: heard[k] for k in LOGGED}}) + "\n")
            counts[said] += 1
            by_speaker[clip.speaker][said] += 1
            decode_s.append(heard["decode_s"])
        total = len(clips)
        for said in OUTCOMES:
            result[f"room_{name}_{said}"] = round(counts[said] / total, 3)
        speakers = {s: round(c["right"] / sum(c.values()), 3) for s, c in sorted(by_speaker.items())}
        result.update({f"room_{name}_right_{s}": rate for s, rate in speakers.items()})
        p95 = percentile(decode_s, 95) * 1000
        result[f"room_{name}_decode_ms_p95"] = round(p95, 1)
        table.append((name, counts, speakers, p95))
        print(f"[room] {name}: " + " ".join(f"{o} {counts[o]}" for o in OUTCOMES), file=sys.stderr)
    result["room_clips"] = len(clips)
    if log is not None:
        log.close()
    _print_table(table, len(clips))
    return result


def _wav(path: Path, pcm: bytes, write_wav) -> Path:
    write_wav(path, pcm)
    return path


def _print_table(table, total: int) -> None:
    speakers = sorted({s for _, _, by, _ in table for s in by})
    head = f"  {'condition':<10}" + "".join(f"{o:>14}" for o in OUTCOMES) + f"{'p95 ms':>9}  right per speaker: "
    print(head + " ".join(f"{s[:7]:>7}" for s in speakers), file=sys.stderr)
    for name, counts, by, p95 in table:
        cells = "".join(f"{100 * counts[o] / total:>13.1f}%" for o in OUTCOMES)
        per = " ".join(f"{100 * by.get(s, 0):>6.0f}%" for s in speakers)
        print(f"  {name:<10}{cells}{p95:>9.0f}  {' ' * 19}{per}", file=sys.stderr)
