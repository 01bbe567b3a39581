"""scripts/bench tts: Piper and pyttsx3 side by side in one run.

- ``tts_intelligibility_wer_<engine>``: every fixed line of the shipped scripts (steps, help, re-asks and
  the session's own lines; ``dialogue.session.fixed_lines``) spoken by the engine and transcribed by our
  whisper recogniser; word error rate over all lines (numbers compared as words on both sides).
- ``tts_first_audio_ms_uncached``: a new 25-word, two-sentence line → first audio callback (Piper,
  streaming, voice loaded and warmed by a few lines as in a session, output stream open).
  ``tts_cached_first_audio_ms``: a cached line → the same.
- ``tts_rtf_piper``: synthesis time / audio length over the fixed lines; ``tts_load_s_piper``.
- ``peak_rss_mb_voice_piper_whisper``: a real `assistant checkin` in voice mode (Piper + whisper loaded,
  the warm-up running), VmHWM of the process.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

SHIPPED = ("breathe", "checkin", "compassion", "debrief", "grounding", "ladder-build", "rehearse", "repair")
NEW_LINES = [  # 25 words, two sentences, never said before (the cache is fresh for each)
    "Thank you for telling me about the call with your brother today. It sounds like you stayed with the "
    "discomfort and noticed what helped.",
    "When you think back on that evening, what stands out first for you. Take your time, there is no rush "
    "and nothing you have to get right.",
    "You did something brave when you shared that with your friend. Notice how your body feels now, "
    "compared with the moment just before you spoke.",
    "It is normal for the anxiety to rise before it falls again. Each time you practise, you teach yourself "
    "that you can handle the wave.",
    "Let us look at what went well before we look at anything else. Even a small step toward closeness "
    "counts, and this one counted.",
]


def fixed_lines() -> list[str]:
    from assistant.dialogue.scripts import load_script
    from assistant.dialogue.session import fixed_lines as lines_of

    found: list[str] = []
    for name in SHIPPED:
        found += lines_of(load_script(name))
    return list(dict.fromkeys(found))


def _words(text: str) -> list[str]:
    from assistant.speech.tts.normalize import for_speech

    text = for_speech(text).lower().replace("-", " ")
    return "".join(c if c.isalnum() or c.isspace() or c == "'" else " " for c in text).replace("'", "").split()


def _edits(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def intelligibility(synth, recogniser, lines: list[str], tmp: Path) -> tuple[float, float, list[tuple[str, str]]]:
    """(word error rate, synthesis seconds per audio second, the worst lines) for one engine."""
    from assistant.audio.formats import AudioFormat, pcm_to_16k_mono, silence, write_wav
    from assistant.speech.stt.transcribe import transcribe_file

    errors = words = 0
    synth_s = audio_s = 0.0
    misses = []
    for i, line in enumerate(lines):
        started = time.perf_counter()
        audio = synth.synthesize(line)
        synth_s += time.perf_counter() - started
        audio_s += audio.seconds
        path = tmp / f"wer-{i}.wav"
        write_wav(path, silence(0.5) + pcm_to_16k_mono(audio.pcm, AudioFormat(audio.rate, 2, 1)) + silence(0.5))
        heard = transcribe_file(recogniser, str(path))["text"]
        ref = _words(line)
        edits = _edits(ref, _words(heard))
        errors, words = errors + edits, words + len(ref)
        if edits:
            misses.append((edits, line, heard))
    misses.sort(reverse=True)
    return errors / max(1, words), synth_s / max(1e-9, audio_s), [(line, heard) for _, line, heard in misses[:3]]


def _first_audio_ms(voice, line: str, whole: bool = True) -> float:
    """Say ``line``: ms to its first audio callback; then let it finish (``whole``) or cut it off."""
    started = time.monotonic()
    voice.say(line, blocking=False)
    deadline = started + 5  # the first callback may come a moment after say() returns
    while voice.speaker.first_audio_at is None and time.monotonic() < deadline:
        time.sleep(0.0005)
    at = voice.speaker.first_audio_at
    if whole:
        voice.speaker.wait()
    else:
        voice.stop()
    return (at - started) * 1000 if at is not None else float("nan")


def bench_tts(ctx) -> dict:
    ctx["pulse"]()
    from assistant.config import Settings
    from assistant.speech.models.catalog import whisper_model
    from assistant.speech.models.piper_voices import find_voice
    from assistant.speech.stt.whisper_engine import WhisperEngine
    from assistant.speech.tts.piper_engine import PiperEngine
    from assistant.speech.tts.pyttsx3_engine import Pyttsx3Engine
    from assistant.speech.tts.synthesizer import Synthesizer
    from assistant.speech.tts.voice import Voice

    tmp: Path = ctx["tmp"]
    quick = bool(ctx.get("quick"))  # two lines, one new line: checks the section runs
    result: dict = {}
    found = whisper_model()
    recogniser = WhisperEngine(found.path, found.name)
    lines = sorted(fixed_lines(), key=len)[:2] if quick else fixed_lines()
    result["tts_fixed_lines"] = len(lines)

    started = time.perf_counter()
    piper_engine = PiperEngine(find_voice("", "en"))
    piper_engine.wait_loaded()
    result["tts_load_s_piper"] = round(time.perf_counter() - started, 3)
    piper = Synthesizer(piper_engine, cache_dir=tmp / "tts-piper")
    espeak = Synthesizer(Pyttsx3Engine(), cache_dir=tmp / "tts-espeak")
    espeak.synthesize("warm up the worker")
    for name, synth in (("piper", piper), ("pyttsx3", espeak)):
        wer, rtf, worst = intelligibility(synth, recogniser, lines, tmp)
        result[f"tts_intelligibility_wer_{name}"] = round(100 * wer, 2)
        result[f"tts_rtf_{name}"] = round(rtf, 4)
        result[f"tts_worst_lines_{name}"] = worst
    espeak.close()

    voice = Voice(Settings(), synthesizer=piper, echo=lambda *a, **k: None)
    # As in a session, where the fixed lines were made before a read-back: the voice has spoken (the first
    # runs of a new onnxruntime session are up to 2x slower), and the output stream is open.
    voice.prepare(["Ready.", "Take a slow breath in.", "How anxious did you feel, from zero to ten?"])
    new_lines = NEW_LINES[:1] if quick else NEW_LINES
    uncached = [_first_audio_ms(voice, line, whole=not quick) for line in new_lines]
    cached = [_first_audio_ms(voice, line, whole=not quick) for line in new_lines]
    voice.close()
    result["tts_first_audio_ms_uncached"] = round(statistics.median(uncached), 1)
    result["tts_first_audio_ms_uncached_max"] = round(max(uncached), 1)
    result["tts_cached_first_audio_ms"] = round(statistics.median(cached), 2)
    result["tts_cached_first_audio_ms_max"] = round(max(cached), 2)
    result["peak_rss_mb_voice_piper_whisper"] = ctx["voice_session_rss"]("whisper", None, "en")
    return result
