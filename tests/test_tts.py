"""Text to speech with pyttsx3 (espeak-ng, forced as with ``tts_engine = pyttsx3``): the real worker, the
cache, timeouts, and the fakes. Piper has its own file (test_piper.py)."""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

import pytest

from assistant.audio.formats import read_wav, rms_dbfs
from assistant.errors import AssistantError
from assistant.speech.tts.pyttsx3_engine import Pyttsx3Engine
from assistant.speech.tts.synthesizer import Synthesizer
from assistant.speech.tts.voice import SayTiming, Voice
from fakes import RecordingSynthesizer


def espeak(voice: str = "", rate: int = 150, volume: float = 0.9, **options) -> Synthesizer:
    """A synthesizer on the pyttsx3 engine (what ``tts_engine = pyttsx3`` gives)."""
    cache_dir = options.pop("cache_dir", None)
    return Synthesizer(Pyttsx3Engine(voice, rate, volume, **options), cache_dir=cache_dir)


@pytest.fixture
def synth():
    with espeak(timeout_s=10.0) as synthesizer:
        yield synthesizer


def test_the_pyttsx3_setting_chooses_espeak():
    from assistant.config import Settings
    from assistant.speech.tts.select import choose, open_engine

    settings = Settings().with_value("tts_engine", "pyttsx3")
    assert choose(settings).engine == "pyttsx3" and not choose(settings).problem
    engine = open_engine(settings)
    assert isinstance(engine, Pyttsx3Engine) and engine.rate == 150


def test_real_synthesis_writes_a_16bit_wav(synth):
    audio = synth.synthesize("Hello, this is a test.")
    pcm, fmt = read_wav(audio.path)
    assert fmt.width == 2 and fmt.channels == 1 and fmt.rate == audio.rate
    assert pcm == audio.pcm
    assert 0.8 < audio.seconds < 5.0
    assert rms_dbfs(audio.pcm) > -40
    assert not audio.cached
    assert synth.engine.worker_starts == 1


def test_two_lines_in_a_row_are_two_different_recordings(synth):
    """pyttsx3 traps: a second request must not reuse the first file or drop a line."""
    short = synth.synthesize("Yes.")
    long = synth.synthesize("Take a slow breath in, and let it out even more slowly.")
    assert short.path != long.path and short.pcm != long.pcm
    assert 0.2 < short.seconds < 1.5
    assert 2.0 < long.seconds < 8.0
    assert long.seconds > 2 * short.seconds
    assert synth.engine.worker_starts == 1  # one worker serves many requests


def test_cache_hit_starts_no_worker(synth):
    first = synth.synthesize("A line said twice.")
    fresh = espeak(timeout_s=10.0)  # a new process's view: only the cache on disk
    again = fresh.synthesize("A line   said twice. ")  # whitespace does not change the line
    assert again.cached and again.pcm == first.pcm and again.path == first.path
    assert fresh.engine.worker_starts == 0  # how fast a cached line starts: scripts/bench tts


def test_cache_key_includes_voice_rate_and_volume(synth):
    base = synth.cache_path("hello")
    assert espeak(rate=120).cache_path("hello") != base
    assert espeak(volume=0.5).cache_path("hello") != base
    assert espeak(voice="gmw/en-us").cache_path("hello") != base
    assert espeak().cache_path("hello") == base


def test_cache_is_private(synth, assistant_home):
    audio = synth.synthesize("private words")
    assert stat.S_IMODE(os.stat(audio.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(audio.path.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(assistant_home / "cache").st_mode) == 0o700
    assert not list(audio.path.parent.glob("*.part.wav"))


def test_prefetch_warms_the_cache(synth):
    assert synth.prefetch(["one", "two", "one"]) == 2
    assert synth.synthesize("two").cached


def test_voices_lists_english(synth):
    voices = synth.voices()
    assert any(v.id == "gmw/en-us" for v in voices)
    assert all(v.id and v.name for v in voices)


def test_rate_changes_the_audio():
    with espeak(rate=90) as slow_synth, espeak(rate=300) as fast_synth:
        slow = slow_synth.synthesize("one two three four")
        fast = fast_synth.synthesize("one two three four")
    assert slow.seconds > 1.8 * fast.seconds


def test_unknown_voice_is_one_clear_error():
    with espeak(voice="klingon-opera") as bad, pytest.raises(AssistantError) as info:
        bad.synthesize("hello")
    assert info.value.code == "tts_voice_unknown"
    assert "assistant voices" in info.value.line()


def test_empty_text_is_refused(synth):
    with pytest.raises(AssistantError) as info:
        synth.synthesize("   ")
    assert info.value.code == "tts_empty_text"
    assert synth.engine.worker_starts == 0


def _hanging_worker(tmp_path: Path, hang_times: int) -> list[str]:
    """A worker command that hangs on its first ``hang_times`` starts, then is the real worker."""
    counter = tmp_path / "starts"
    script = tmp_path / "hanging_worker.py"
    script.write_text(
        "import os, sys, time\n"
        f"counter = {str(counter)!r}\n"
        "n = int(open(counter).read()) if os.path.exists(counter) else 0\n"
        "open(counter, 'w').write(str(n + 1))\n"
        f"if n < {hang_times}:\n"
        "    sys.stdin.readline()\n"
        "    time.sleep(3600)\n"
        "os.execv(sys.executable, [sys.executable, '-m', 'assistant.speech.tts.worker'])\n"
    )
    return [sys.executable, str(script)]


def test_hung_worker_is_killed_and_the_retry_works(tmp_path):
    with espeak(timeout_s=1.0, worker_command=_hanging_worker(tmp_path, 1)) as synth:
        started = time.monotonic()
        audio = synth.synthesize("after a hang")
        elapsed = time.monotonic() - started
        hung = synth.engine.worker_starts
        assert audio.seconds > 0.3
        assert synth.synthesize("and the next one").seconds > 0.3
    assert hung == 2  # the hung worker was replaced once, and the new one served both lines
    assert elapsed >= 1.0  # ... after its timeout, not before: a slow worker is given the time it is promised


def test_worker_that_always_hangs_fails_with_one_line(tmp_path):
    with espeak(timeout_s=0.5, worker_command=_hanging_worker(tmp_path, 99)) as synth:
        with pytest.raises(AssistantError) as info:
            synth.synthesize("never said")
        assert synth.engine.worker_starts == 2  # killed, restarted, retried once
    assert info.value.code == "tts_failed"
    assert "0.5 s" in info.value.line() and "\n" not in info.value.line()


def test_worker_that_crashes_is_restarted(tmp_path):
    script = tmp_path / "crash.py"
    script.write_text("import sys; sys.exit(3)\n")
    with espeak(worker_command=[sys.executable, str(script)]) as synth, pytest.raises(AssistantError) as info:
        synth.synthesize("crash")
    assert info.value.code == "tts_failed"
    assert synth.engine.worker_starts == 2


# --- the fake and the high-level voice ----------------------------------------------------------------

def test_recording_synthesizer_records():
    fake = RecordingSynthesizer()
    audio = fake.synthesize("Welcome back.")
    fake.synthesize("How close did that feel?")
    assert fake.lines == ["Welcome back.", "How close did that feel?"]
    assert audio.rate == 16000 and len(audio.pcm) == 3200 and set(audio.pcm) == {0}


class FakeSpeaker:
    def __init__(self, fail_with: AssistantError | None = None) -> None:
        self.played: list[tuple[int, int]] = []
        self.fail_with = fail_with
        self.first_audio_at: float | None = None

    def play(self, pcm: bytes, rate: int, *, blocking: bool = True) -> float:
        if self.fail_with:
            raise self.fail_with
        self.first_audio_at = time.monotonic()
        self.played.append((len(pcm), rate))
        return len(pcm) / (2 * rate)

    def stop(self) -> None: ...

    def close(self) -> None: ...


def _captured(lines: list[tuple[str, bool]]):
    def echo(message: str, err: bool = False) -> None:
        lines.append((message, err))

    return echo


def test_voice_prints_a_caption_and_plays():
    out: list[tuple[str, bool]] = []
    fake, speaker = RecordingSynthesizer(), FakeSpeaker()
    voice = Voice(synthesizer=fake, speaker=speaker, echo=_captured(out))
    timing = voice.say("Let's begin.")
    assert out == [("assistant: Let's begin.", False)]
    assert fake.lines == ["Let's begin."] and speaker.played == [(3200, 16000)]
    assert isinstance(timing, SayTiming) and timing.duration_s == pytest.approx(0.1)
    assert timing.first_audio_ms is not None and timing.first_audio_ms >= 0


def test_voice_without_audio_only_prints():
    out: list[tuple[str, bool]] = []
    fake = RecordingSynthesizer()
    voice = Voice(no_audio=True, synthesizer=fake, speaker=FakeSpeaker(), echo=_captured(out))
    voice.say("Quiet.")
    assert out == [("assistant: Quiet.", False)] and fake.lines == []


def test_voice_warns_once_when_audio_fails_and_continues():
    from assistant.text import fail

    out: list[tuple[str, bool]] = []
    speaker = FakeSpeaker(fail_with=fail("no_output_device"))
    voice = Voice(synthesizer=RecordingSynthesizer(), speaker=speaker, echo=_captured(out))
    voice.say("First.")
    voice.say("Second.")
    warnings = [m for m, err in out if err]
    assert len(warnings) == 1 and "captions only" in warnings[0] and "no_output_device" in warnings[0]
    assert [m for m, err in out if not err] == ["assistant: First.", "assistant: Second."]


def test_strict_voice_raises():
    from assistant.text import fail

    voice = Voice(synthesizer=RecordingSynthesizer(), speaker=FakeSpeaker(fail_with=fail("no_output_device")),
                  strict=True, echo=lambda *a, **k: None)
    with pytest.raises(AssistantError):
        voice.say("Loud.")


def test_long_first_line_is_written_to_its_own_file(tmp_path):
    """pyttsx3 2.99: a long first utterance queued with property changes can end runAndWait early."""
    long_line = " ".join(["Before we start, this assistant supports your practice and is not therapy."] * 3)
    with espeak(cache_dir=tmp_path / "cache") as synth:
        first = synth.synthesize(long_line)
        second = synth.synthesize("Short.")
    assert first.seconds > 8 and second.seconds < 2


def test_many_lines_in_a_row_each_get_their_own_audio(tmp_path):
    """The debrief's lines one after another through one worker: none missing, none swapped."""
    from assistant.dialogue.scripts import load_script

    lines = [s.text for s in load_script("debrief").steps if s.text.strip()]
    with espeak(cache_dir=tmp_path / "cache") as synth:
        seconds = [synth.synthesize(line).seconds for line in lines]
    # each clip's length follows its text's length (a swapped or doubled clip breaks this)
    per_char = [s / len(line) for s, line in zip(seconds, lines)]
    assert all(0.03 < x < 0.12 for x in per_char), list(zip(lines, seconds))
