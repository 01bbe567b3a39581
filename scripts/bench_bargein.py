"""Figures for talking over the assistant (``scripts/bench bargein``): sessions on the private PulseAudio server
with the speaker looped into the virtual microphone 10 dB down and 60 ms late (laptop speakers leaking into
their microphone), a simulated person (tests/hands_free.py) and, for the noise runs, noise from tests/room.py
looped in as well. Every run is a returning person's (``.welcomed``), as most are.

- stop: the person starts talking over a line (the welcome 2 s in, the invitation 1.5 s in, a guided question
  1 s in) in two voices (Piper, espeak-ng en-us). ``stop_ms``: from the start of their
  voice (when the clip was launched into the microphone plus where its voice begins) to the end of the
  assistant's sound at the speaker's monitor. Both ends err late (the player's start-up, the monitor's
  latency), so the figure is an upper bound. ``stopped``: lines stopped of those talked over; ``from_first_word``:
  answers stored from the first word said over the line (the invitation's; a question's answer from its value).
- echo: a whole guided debrief, each answer given 1.5 s after the speaker went quiet: ``echo_stops`` lines stopped
  while the person was not talking (by the assistant's own voice), of ``echo_lines`` said; a pause in the making
  of a line longer than that patience has the person answer over the rest of it, a true barge-in, counted as
  ``echo_stops_while_answering`` (the quick run: the welcome and the invitation only).
- noise: brown and babble 10 dB below the person's speech, with the echo, through the welcome and invitation,
  and the story after it: ``noise_<kind>_stops``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

STORY = ("Yesterday I told my friend Sam about my panic attacks at work, and it went better than I feared. "
         "Before it I was a seven, at the worst an eight, and now a two. I'm done.")
VOICES = ("piper", "en-us")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _home(ctx, name: str) -> dict[str, str]:
    home = ctx["tmp"] / f"home-bargein-{name}"
    home.mkdir(exist_ok=True)
    (home / ".welcomed").touch()
    (home / "settings.toml").write_text("barge_in = true\n")  # off by default
    return {"ASSISTANT_HOME": str(home)}


def _clip(folder: Path, text: str, voice: str) -> Path:
    import ear_clips

    return ear_clips.piper(text, folder, pad=0.3) if voice == "piper" else \
        ear_clips.espeak(text, folder, voice=voice, pad=0.3)


def _reply(clip: Path, key: str, over_s: float | None = None):
    from hands_free import Reply, voice_end_s, voice_start_s

    return Reply(key, clip, voice_end_s(clip), over_s=over_s, voice_start_s=voice_start_s(clip))


def _lines() -> dict[str, str]:
    from assistant.dialogue.scripts import load_script

    steps = {s.id: " ".join(s.text.split()) for s in load_script("debrief").steps}
    return {"welcome": steps["welcome"], "invitation": steps["reflection"], "question": steps["what_happened"]}


def _log(env: dict[str, str]) -> str:
    log = Path(env["ASSISTANT_HOME"]) / "assistant.log"
    return log.read_text(encoding="utf-8") if log.exists() else ""


def _answers(env: dict[str, str]) -> dict:
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


def talk_over(ctx, pulse, line: str, over_s: float, voice: str, n: int) -> dict:
    """One person talking over one line: how long the line went on, and what was stored."""
    from hands_free import converse, stops

    folder = ctx["tmp"] / "bargein"
    folder.mkdir(exist_ok=True)
    lines = _lines()
    guided = line == "question"
    text = "I told my friend Sam about my panic attacks at work" if guided else STORY
    said = _reply(_clip(folder, text, voice), "over", over_s)
    env = _home(ctx, f"{line}-{voice}-{n}")
    args = ["--verbose", "debrief", "--confirm", "never"] + (["--guided"] if guided else [])

    def answered(conversation) -> bool:  # a caption after the voice: the answer was heard (a skipped line's is before)
        return any(at > turn.voice_end_at + 0.3 for turn in conversation.turns for at, _ in conversation.captions)

    run = converse(pulse, args, lambda caption: said if caption == lines[line] else None, env=env, timeout_s=120,
                   stop=answered)
    turn = run.turns[0] if run.turns else None
    if turn is None or turn.voice_start_at is None:
        return {"error": f"the line was never said; {run.stderr[-200:]}"}
    stop_ms = None if turn.line_stopped_at is None else (turn.line_stopped_at - turn.voice_start_at) * 1000
    stored = str(_answers(env).get("what_happened" if guided else "reflection") or "").lower()
    return {"stop_ms": stop_ms, "stopped": bool(stops(_log(env))),
            "from_first_word": stored.startswith("i told" if guided else "yesterday"), "stored": stored[:60]}


def echo_session(ctx, pulse, quick: bool) -> dict:
    """A debrief answered after each line, with its echo: lines stopped by the echo, of the lines said."""
    from bench_noisy import _person
    from hands_free import converse, stops, talking

    folder = ctx["tmp"] / "bargein"
    folder.mkdir(exist_ok=True)
    person, _kinds = _person(folder, STORY)
    env = _home(ctx, "echo")
    args = ["--verbose", "debrief", "--confirm", "never"] + ([] if quick else ["--guided"])

    def told(conversation) -> bool:
        return quick and any(turn.next_caption_at is not None for turn in conversation.turns)

    run = converse(pulse, args, person, env=env, timeout_s=600, stop=told, patience_s=1.5)
    alone = stops(_log(env), talking(run))
    return {"echo_stops": len(alone), "echo_stops_while_answering": len(stops(_log(env))) - len(alone),
            "echo_lines": len(run.captions), "echo_wall_s": round(run.wall_s, 1)}


def noise_session(ctx, pulse, kind: str) -> dict:
    """The welcome, the invitation and a story after it in noise 10 dB under the voice, with the echo."""
    from hands_free import converse, noise_wav, stops, talking

    folder = ctx["tmp"] / "bargein"
    folder.mkdir(exist_ok=True)
    story = _reply(_clip(folder, STORY, "piper"), "reflection")
    noise = noise_wav(folder, kind, 10.0, story.clip)
    env = _home(ctx, f"noise-{kind}")
    invitation = _lines()["invitation"]

    def over(conversation) -> bool:
        return any(turn.next_caption_at is not None for turn in conversation.turns)

    run = converse(pulse, ["--verbose", "debrief", "--confirm", "never"],
                   lambda caption: story if caption == invitation else None, env=env, noise=noise, timeout_s=150,
                   stop=over)
    stored = str(_answers(env).get("reflection") or "").lower()
    return {"stops": len(stops(_log(env), talking(run))), "lines": len(run.captions), "story_heard": "sam" in stored}


def bench_bargein(ctx) -> dict:
    pulse = ctx["pulse"]()
    quick = bool(ctx.get("quick"))
    trials = [("invitation", 1.5, "piper")] if quick else \
        [(line, at, voice) for voice in VOICES
         for line, at in (("welcome", 2.0), ("invitation", 1.5), ("question", 1.0))]
    result: dict = {}
    stops: list[float] = []
    stopped = first_word = done = 0
    with pulse.echo_loop(gain_db=-10.0, latency_ms=60):
        for n, (line, at, voice) in enumerate(trials):
            try:
                figures = talk_over(ctx, pulse, line, at, voice, n)
            except Exception as exc:  # one failed trial must not lose the others' figures
                result[f"stop_{line}_{voice}_error"] = f"{type(exc).__name__}: {exc}"[:300]
                continue
            print(f"  bargein {line} {at:g}s {voice}: {figures}", file=sys.stderr, flush=True)
            if "error" in figures:
                result[f"stop_{line}_{voice}_error"] = figures["error"]
                continue
            done += 1
            stopped += bool(figures["stopped"])
            first_word += bool(figures["from_first_word"])
            if figures["stop_ms"] is not None:
                stops.append(figures["stop_ms"])
        if stops:
            result |= {"stop_ms_p50": round(percentile(stops, 50)), "stop_ms_p95": round(percentile(stops, 95)),
                       "stop_ms_max": round(max(stops))}
        result |= {"stopped": f"{stopped}/{done}", "from_first_word": f"{first_word}/{done}"}
        for name, part in [("echo", lambda: echo_session(ctx, pulse, quick))] + \
                [(f"noise_{kind}10", lambda k=kind: noise_session(ctx, pulse, k))
                 for kind in (("brown",) if quick else ("brown", "babble"))]:
            try:
                figures = part()
            except Exception as exc:  # as above
                result[f"{name}_error"] = f"{type(exc).__name__}: {exc}"[:300]
                continue
            print(f"  bargein {name}: {figures}", file=sys.stderr, flush=True)
            result |= figures if name == "echo" else {f"{name}_{key}": value for key, value in figures.items()}
    return result
