"""Piper neural speech, run in this process. The only module that imports piper (and onnxruntime).

In-process, not in a worker like pyttsx3. Measured on the 2-core build machine with en_US-joe-medium:
loading takes 0.5-0.7 s and ~140 MB; synthesis raises the process to ~250-340 MB (onnxruntime's
buffers); the first sentence of a two-sentence line is ready in ~200 ms, the whole line at RTF ~0.06.
A worker would add a second Python with numpy and onnxruntime (~60 MB more, counted twice with
whisper loaded), a process start (~0.3 s) before the load, and a copy of every chunk through a pipe,
for protection against hangs that Piper (unlike pyttsx3's ``runAndWait``) does not have: it is a
pure function of the text, and onnxruntime releases the GIL while it computes, so the audio callback
and the recogniser keep running.

One loaded voice per process: voices are loaded once, in a background thread, and shared by every
engine (``with_rate`` gives the same voice at another length scale). A voice that cannot load or run
raises ``tts_piper_broken``; the synthesizer then falls back to pyttsx3 with one line.
"""

from __future__ import annotations

import atexit
import threading
from concurrent.futures import Future
from typing import Iterator

from assistant.speech.models.piper_voices import PiperVoiceFiles, installed_voices
from assistant.speech.tts.base import Audio, EngineName, TtsInfo, VoiceInfo
from assistant.text import fail

NATURAL_WPM = 165  # settings.rate at which Piper speaks at the voice's own pace (length scale 1)
SENTENCE_PAUSE_S = 0.2  # between the sentences of a line, so they do not run together
_LENGTH_SCALE_RANGE = (0.3, 3.0)

_loaded: dict[str, Future] = {}
_loaded_lock = threading.Lock()


def load(files: PiperVoiceFiles) -> Future:
    """Start loading ``files`` in a background thread (once per process); the Future gives the voice."""
    key = str(files.model)
    with _loaded_lock:
        future = _loaded.get(key)
        if future is None:
            if not _loaded:
                atexit.register(_finish_loading)
            future = _loaded[key] = Future()
            threading.Thread(target=_load_into, args=(files, future), name="piper-load", daemon=True).start()
    return future


def _finish_loading(timeout_s: float = 20.0) -> None:
    """At exit, let a load still under way finish: onnxruntime torn down mid-initialisation aborts the
    process ("terminate called without an active exception") after a command that ended early, e.g. on a
    script that does not exist."""
    for future in list(_loaded.values()):
        try:
            future.exception(timeout=timeout_s)
        except Exception:  # noqa: BLE001 (a timeout at exit: nothing more to do)
            pass


def _load_into(files: PiperVoiceFiles, future: Future) -> None:
    try:
        from piper import PiperVoice

        future.set_result(PiperVoice.load(files.model, files.config))
    except BaseException as exc:  # noqa: BLE001 (a broken voice, onnxruntime missing: reported on first use)
        future.set_exception(exc)


class PiperEngine:
    """A Piper voice behind the speech-out contract. ``rate`` (words per minute, as for espeak) sets the
    length scale: ``NATURAL_WPM / rate``, so the default 150 is a little slower than the voice's own pace."""

    def __init__(self, files: PiperVoiceFiles, rate: int = 150, volume: float = 0.9, *, preload: bool = True) -> None:
        self.files, self.rate, self.volume = files, int(rate), float(volume)
        self.info = TtsInfo(EngineName.PIPER, files.name, files.sample_rate)
        self._future: Future | None = load(files) if preload else None

    @property
    def length_scale(self) -> float:
        low, high = _LENGTH_SCALE_RANGE
        return min(high, max(low, NATURAL_WPM / max(1, self.rate)))

    def cache_key(self) -> list:
        return [EngineName.PIPER.value, self.files.name, str(self.files.model), self.rate, round(self.volume, 3)]

    def with_rate(self, rate: int) -> "PiperEngine":
        return PiperEngine(self.files, rate, self.volume, preload=self._future is not None)

    def loaded(self) -> bool:
        """True once the voice is in memory (or failed to load): synthesis will not wait for it."""
        return self._future is not None and self._future.done()

    def wait_loaded(self) -> None:
        """Block until the voice is in memory; raises ``tts_piper_broken`` when it cannot load."""
        self._voice()

    def _voice(self):
        if self._future is None:
            self._future = load(self.files)
        try:
            return self._future.result()
        except Exception as exc:
            raise fail("tts_piper_broken", name=self.files.name, reason=f"{type(exc).__name__}: {exc}") from exc

    def synthesize(self, text: str) -> Audio:
        pieces = list(self.synthesize_stream(text))
        return Audio(b"".join(p.pcm for p in pieces), self.info.sample_rate)

    def synthesize_stream(self, text: str) -> Iterator[Audio]:
        """One piece per sentence (Piper phonemizes a line into sentences and runs the network on each)."""
        import numpy as np
        from piper import SynthesisConfig

        voice = self._voice()
        options = SynthesisConfig(length_scale=self.length_scale * voice.config.length_scale)
        rate = voice.config.sample_rate
        try:
            sentences = [s for s in voice.phonemize(text) if s]
        except Exception as exc:
            raise fail("tts_piper_broken", name=self.files.name, reason=f"{type(exc).__name__}: {exc}") from exc
        pause = np.zeros(int(SENTENCE_PAUSE_S * self.length_scale * rate), np.float32)
        for index, phonemes in enumerate(sentences):
            try:
                samples = np.asarray(voice.phoneme_ids_to_audio(voice.phonemes_to_ids(phonemes), options), np.float32)
            except Exception as exc:
                raise fail("tts_piper_broken", name=self.files.name, reason=f"{type(exc).__name__}: {exc}") from exc
            peak = float(np.max(np.abs(samples))) if samples.size else 0.0
            if peak > 1e-6:  # every sentence at the same loudness, then the user's volume
                samples = samples / peak * self.volume
            if index < len(sentences) - 1:
                samples = np.concatenate([samples, pause])
            pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
            yield Audio(pcm, rate)

    def voices(self) -> list[VoiceInfo]:
        return [voice_info(v) for v in installed_voices()]

    def close(self) -> None:
        """Nothing to free: the voice stays loaded for the rest of the process (one load per process)."""


def voice_info(files: PiperVoiceFiles) -> VoiceInfo:
    return VoiceInfo(files.name, files.name, (files.language,), EngineName.PIPER, files.quality, files.source)
