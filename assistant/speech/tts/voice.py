"""Say a line: print it as a caption (through the ``echo`` it is given), synthesize it, play it.

    Voice.say(text) ──caption (as written)──▶ echo (the CLI passes click.echo; silent by default)
                    └─▶ Synthesizer.stream (as said: "7" → "seven") ──▶ devices.Speaker.play
                        first sentence plays while the next is made; the half-duplex gate stays
                        closed until the whole line has played
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from assistant.errors import AssistantError


@dataclass(frozen=True)
class SayTiming:
    synth_ms: float  # from say() until the first piece is ready
    first_audio_ms: float | None  # from say() to the first audio callback; None without audio
    duration_s: float
    cached: bool = False


class Voice:
    """Say a line: show it as a caption and, unless ``no_audio``, speak it. Never crashes a session.

    If audio cannot play (no device, PortAudio or espeak missing) one warning is printed and the
    rest of the session runs with captions only; ``strict=True`` raises instead (``assistant say``).
    The engine comes from the settings (``speech.tts.select``); a Piper voice starts loading in the
    background as soon as the voice is made, while the first lines play from the cache.
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
        self._echo = echo
        if synthesizer is None:
            from assistant.speech.tts.select import open_synthesizer

            synthesizer = open_synthesizer(settings, echo=self.echo, preload=not no_audio)
        self.synthesizer = synthesizer
        self._base_synthesizer = synthesizer
        self._speaker = speaker
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

    def warm(self, texts: Iterable[str]) -> None:
        """At session start: make ``texts`` (the fixed lines) ahead in the background and open the speaker."""
        if self.no_audio:
            return
        try:
            self.speaker.open(self.synthesizer.info.sample_rate)
        except AssistantError as exc:
            if self.strict:
                raise
            self._warn(exc)
            return
        self.synthesizer.warm(texts)

    def set_rate_offset(self, delta: int) -> None:
        """"slower" / "faster": speak at the settings' rate plus ``delta`` words per minute from now on."""
        if delta == 0:
            self.synthesizer = self._base_synthesizer
            return
        from assistant.config import clamp_rate

        rate = clamp_rate(self.settings.rate + delta)
        if hasattr(self._base_synthesizer, "with_rate") and getattr(self.synthesizer.engine, "rate", None) != rate:
            if self.synthesizer is not self._base_synthesizer:
                self.synthesizer.close()
            self.synthesizer = self._base_synthesizer.with_rate(rate)

    def say(self, text: str, *, blocking: bool = True) -> SayTiming:
        from assistant.text import t

        self.echo(t("tts.caption", text=text))
        if self.no_audio:
            return SayTiming(0.0, None, 0.0)
        started = time.monotonic()
        try:
            first, rest = self._pieces(text)
            synth_ms = (time.monotonic() - started) * 1000
            streamed = {} if rest is None else {"more": (piece.pcm for piece in rest)}
            duration = self.speaker.play(first.pcm, first.rate, blocking=blocking, **streamed)
        except AssistantError as exc:
            if self.strict:
                raise
            self._warn(exc)
            return SayTiming(0.0, None, 0.0)
        problem = getattr(self.speaker, "feed_error", None)
        if blocking and isinstance(problem, AssistantError):
            if self.strict:
                raise problem
            self._warn(problem)
        first_at = getattr(self.speaker, "first_audio_at", None)
        first_ms = (first_at - started) * 1000 if first_at is not None else None
        return SayTiming(synth_ms, first_ms, duration, first.cached)

    def _pieces(self, text: str):
        """The first piece of the line, and an iterator of the rest (None when the first is all of it)."""
        stream = getattr(self.synthesizer, "stream", None)
        if stream is None:  # a test double with synthesize() only
            return self.synthesizer.synthesize(text), None
        pieces = iter(stream(text))
        first = next(pieces)
        return first, (None if first.cached else pieces)

    def _warn(self, exc: AssistantError) -> None:
        from assistant.text import t

        self.no_audio = True  # captions only from now on
        stop_warming = getattr(self.synthesizer, "stop_warming", None)
        if stop_warming is not None:
            stop_warming()
        if not self.warned:
            self.warned = True
            self.echo(t("tts.audio_unavailable", reason=exc.line()), err=True)

    def stop(self) -> None:
        if self._speaker is not None:
            self._speaker.stop()

    def close(self) -> None:
        if self._speaker is not None:
            self._speaker.close()
        if self.synthesizer is not self._base_synthesizer:
            self.synthesizer.close()
        self._base_synthesizer.close()
