"""Say a line: print it as a caption (through the ``echo`` it is given), synthesize it, play it.

    Voice.say(text) ──caption──▶ echo (the CLI passes click.echo; silent by default)
                    └─▶ Synthesizer.synthesize ──▶ devices.Speaker.play (half-duplex gate closed meanwhile)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from assistant.errors import AssistantError


@dataclass(frozen=True)
class SayTiming:
    synth_ms: float
    first_audio_ms: float | None  # from say() to the first audio callback; None without audio
    duration_s: float
    cached: bool = False



class Voice:
    """Say a line: show it as a caption and, unless ``no_audio``, speak it. Never crashes a session.

    If audio cannot play (no device, PortAudio or espeak missing) one warning is printed and the
    rest of the session runs with captions only; ``strict=True`` raises instead (``assistant say``).
    """

    def __init__(self, settings: Any = None, *, no_audio: bool = False, synthesizer: Any = None,
                 speaker: Any = None, gate: Any = None, strict: bool = False,
                 echo: Callable[..., None] | None = None) -> None:
        if settings is None:
            from assistant.config import Settings

            settings = Settings.load()
        self.settings = settings
        self.no_audio = no_audio
        self.strict = strict
        self.gate = gate
        if synthesizer is None:
            from assistant.speech.tts.synthesizer import Synthesizer

            synthesizer = Synthesizer.from_settings(settings)
        self.synthesizer = synthesizer
        self._speaker = speaker
        self._echo = echo
        self.warned = False

    def echo(self, message: str, err: bool = False) -> None:
        """Captions and the one "audio unavailable" warning go to the echo given (none: nowhere)."""
        if self._echo is not None:
            self._echo(message, err=err)

    @property
    def speaker(self) -> Any:
        if self._speaker is None:
            from assistant.audio.devices import Speaker

            self._speaker = Speaker.from_settings(self.settings, gate=self.gate)
        return self._speaker

    def prepare(self, texts: Iterable[str] = ()) -> None:
        """Before a session: synthesize its lines and open the output stream, so each line starts at once.

        Measured with the stream open: cached line → first audio callback in ~1-2 ms (≈50 ms when the
        first line also has to load PortAudio and open the device).
        """
        if self.no_audio:
            return
        try:
            audio = None
            for text in texts:
                audio = self.synthesizer.synthesize(text)
            if audio is not None:
                self.speaker.open(audio.rate)
        except AssistantError as exc:
            if self.strict:
                raise
            self._warn(exc)

    def say(self, text: str, *, blocking: bool = True) -> SayTiming:
        from assistant.text import t

        self.echo(t("tts.caption", text=text))
        if self.no_audio:
            return SayTiming(0.0, None, 0.0)
        started = time.monotonic()
        try:
            audio = self.synthesizer.synthesize(text)
            synth_ms = (time.monotonic() - started) * 1000
            duration = self.speaker.play(audio.pcm, audio.rate, blocking=blocking)
        except AssistantError as exc:
            if self.strict:
                raise
            self._warn(exc)
            return SayTiming(0.0, None, 0.0)
        first = getattr(self.speaker, "first_audio_at", None)
        first_ms = (first - started) * 1000 if first is not None else None
        return SayTiming(synth_ms, first_ms, duration, audio.cached)

    def _warn(self, exc: AssistantError) -> None:
        from assistant.text import t

        self.no_audio = True  # captions only from now on
        if not self.warned:
            self.warned = True
            self.echo(t("tts.audio_unavailable", reason=exc.line()), err=True)

    def stop(self) -> None:
        if self._speaker is not None:
            self._speaker.stop()

    def close(self) -> None:
        if self._speaker is not None:
            self._speaker.close()
        self.synthesizer.close()
