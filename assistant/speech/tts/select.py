"""Which engine speaks: ``settings.tts_engine`` (auto | piper | pyttsx3), ``voice`` and ``language``.

- ``pyttsx3``: espeak-ng, always.
- ``piper``: the Piper voice named by ``voice`` (or the first installed for ``language``).
- ``auto`` (default): Piper when a Piper voice fits (``voice`` names one, or is empty and one is installed
  for the language); pyttsx3 when ``voice`` names an espeak voice or no Piper voice speaks the language.

A Piper voice that was asked for (or expected: auto with no voice set, English) but is missing or broken
falls back to pyttsx3 with one line on ``echo`` (stderr), never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from assistant.speech.tts.base import EngineName, TtsEngine
from assistant.speech.tts.synthesizer import Synthesizer


@dataclass(frozen=True)
class Choice:
    engine: str  # EngineName
    piper_voice: Any = None  # PiperVoiceFiles when engine is piper
    problem: str = ""  # why Piper was wanted but is not used (said once on stderr)


def choose(settings: Any) -> Choice:
    """The engine and voice the settings ask for, without loading anything."""
    from assistant.speech.models.piper_voices import find_voice, installed_voices, is_voice_name
    from assistant.text import t

    wanted = settings.tts_engine
    if wanted == EngineName.PYTTSX3:
        return Choice(EngineName.PYTTSX3)
    voice = settings.voice or ""
    found = find_voice(voice, settings.language)
    if found is not None:
        return Choice(EngineName.PIPER, found)
    names_piper = is_voice_name(voice) or voice.endswith(".onnx")
    if wanted == EngineName.PIPER or names_piper:
        what = voice or settings.language
        return Choice(EngineName.PYTTSX3, problem=t("tts.piper_missing", voice=what))
    if not voice and settings.language.lower().startswith("en") and not installed_voices():
        return Choice(EngineName.PYTTSX3, problem=t("tts.piper_missing", voice=settings.language))
    return Choice(EngineName.PYTTSX3)  # an espeak voice, or a language no Piper voice speaks


def pyttsx3_engine(settings: Any, *, voice_of_choice: bool = True) -> TtsEngine:
    from assistant.speech.models.piper_voices import is_voice_name
    from assistant.speech.tts.pyttsx3_engine import Pyttsx3Engine

    voice = settings.voice or ""
    if not voice_of_choice or is_voice_name(voice) or voice.endswith(".onnx"):
        voice = ""  # a Piper voice name means nothing to espeak: its default voice
    return Pyttsx3Engine(voice, settings.rate, settings.volume)


def open_engine(settings: Any, choice: Choice | None = None, *, preload: bool = True) -> TtsEngine:
    choice = choice or choose(settings)
    if choice.engine == EngineName.PIPER:
        from assistant.speech.tts.piper_engine import PiperEngine

        return PiperEngine(choice.piper_voice, settings.rate, settings.volume, preload=preload)
    return pyttsx3_engine(settings)


def open_synthesizer(settings: Any, *, echo: Callable[..., None] | None = None, preload: bool = True,
                     cache_dir: Any = None) -> Synthesizer:
    """The synthesizer for these settings; ``preload`` starts loading a Piper voice in the background now.

    A missing Piper voice is reported on ``echo`` here (once); a broken one when it is first used.
    """
    choice = choose(settings)
    if choice.problem and echo is not None:
        echo(choice.problem, err=True)
    return Synthesizer(open_engine(settings, choice, preload=preload), cache_dir=cache_dir, echo=echo,
                       fallback=lambda: pyttsx3_engine(settings, voice_of_choice=False))


def all_voices(settings: Any) -> list:
    """Piper voices installed, then espeak's (the pyttsx3 worker is asked only here)."""
    from assistant.speech.models.piper_voices import installed_voices
    from assistant.speech.tts.piper_engine import voice_info

    piper = [voice_info(v) for v in installed_voices()]
    engine = pyttsx3_engine(settings, voice_of_choice=False)
    try:
        return piper + engine.voices()
    finally:
        engine.close()
