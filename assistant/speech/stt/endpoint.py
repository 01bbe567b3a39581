"""Answer-level end of speech: when has the person finished answering?

People pause while reflecting, so an answer ends only after a long trailing silence (default 1.8 s,
setting ``end_silence_s``), or at once when they say a closing phrase ("I'm done", "that's all"; the
list is in ``prompts/messages.toml`` [listening]), or at a hard cap (``max_answer_s``). If nothing is
said for ``no_speech_s`` the answer ends empty. Time is stream time (seconds of audio fed), so the same
audio always ends the same way, from a file or a microphone.

A closed answer (a rating, yes/no, a choice) needs no such patience: given ``complete`` (does this text
already hold a whole answer? the caller's parser decides, this layer has none), the answer ends
``complete_silence_s`` after the speech once what was heard so far is complete. "Seven" ends in about
half a second; "um, maybe a..." still gets the full ``end_silence_s``.

What is voice is the voice detector's call (``vad.voice_detector``: Silero, gated by the room's level), so a
fan or a TV neither holds an answer open nor starts one. An answer starts once ``START_VOICED_S`` of voice
has been heard within ``START_WINDOW_S`` (a few scattered frames of a TV never add up to it; Home Assistant
asks 0.3 s of speech of a voice command), or once the recogniser has heard words (a short "yes" in noise).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable

from assistant.events import Transcript, Word
from assistant.speech.stt.base import SAMPLE_RATE, Recognizer
from assistant.speech.stt.vad import FRAME_S, Vad, voice_detector

START_VOICED_S = 0.25  # this much voice ...
START_WINDOW_S = 0.5  # ... within this long starts the answer


def _done_phrases() -> tuple[str, ...]:
    from assistant.text import lookup

    return tuple(lookup("listening.done_phrases"))


@dataclass(frozen=True)
class EndpointConfig:
    end_silence_s: float = 1.8
    max_answer_s: float = 120.0
    no_speech_s: float = 12.0
    done_phrases: tuple[str, ...] = field(default_factory=_done_phrases)
    complete: Callable[[str], bool] | None = None  # text -> holds a whole closed answer
    complete_silence_s: float = 0.5  # the silence that ends a complete answer


@dataclass(frozen=True)
class Answer:
    text: str
    finals: tuple[Transcript, ...]
    reason: str  # silence | complete | phrase | cap | no_speech | end_of_input
    audio_s: float

    @property
    def transcript(self) -> Transcript | None:
        """All finals merged into one final transcript (None when nothing was said)."""
        if not self.text:
            return None
        words: tuple[Word, ...] = tuple(w for f in self.finals for w in f.words)
        first = self.finals[0]
        # the recogniser's own confidence: the least sure part (unknown if any part is)
        sure = [f.confidence for f in self.finals if f.confidence is not None]
        confidence = min(sure) if sure and len(sure) == len(self.finals) else None
        return Transcript(self.text, True, words, first.engine, first.model, first.language, confidence)


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]", " ", text.lower().replace("’", "'")).split())


def strip_done_phrase(text: str, phrases: Iterable[str]) -> tuple[str, bool]:
    """Remove a closing phrase at the end of ``text``; report whether one was there."""
    norm = _normalise(text)
    for phrase in sorted(phrases, key=len, reverse=True):
        p = _normalise(phrase)
        if norm == p or norm.endswith(" " + p):
            words_to_drop = len(p.split())
            kept = text.split()[: max(0, len(text.split()) - words_to_drop)]
            return " ".join(kept).rstrip(" ,.;:-"), True
    return text, False


class AnswerListener:
    """Feed audio; ``feed`` returns the :class:`Answer` once the answer is over, else None."""

    def __init__(self, recognizer: Recognizer, config: EndpointConfig | None = None,
                 on_partial: Callable[[Transcript], None] | None = None, vad: Vad | None = None) -> None:
        self.rec, self.config, self.on_partial = recognizer, config or EndpointConfig(), on_partial
        # The recogniser's own detector when it has one (whisper's segmentation): the same frames, judged once.
        self._vad = vad if vad is not None else getattr(recognizer, "voice", None) or voice_detector()
        self._finals: list[Transcript] = []
        self._audio_s = 0.0
        self._recent: deque[float] = deque(maxlen=round(START_WINDOW_S / FRAME_S))  # voiced seconds per frame
        self._started = False
        self._run = 0  # voiced frames in a row
        self._trailing_s = 0.0
        self._partial = ""
        self._complete = False
        self.answer: Answer | None = None

    def feed(self, pcm16: bytes) -> Answer | None:
        if self.answer:
            return self.answer
        self._audio_s += len(pcm16) / (2 * SAMPLE_RATE)
        for frame in self._vad.frames(pcm16):
            self._recent.append(frame.seconds if frame.voiced else 0.0)
            if not self._started and sum(self._recent) >= START_VOICED_S - 1e-9:
                self._started = True
            # A lone voiced frame (a TV's loud syllable) does not restart the silence; voice comes in runs.
            self._run = self._run + 1 if frame.voiced else 0
            if self._run >= 2:
                self._trailing_s = 0.0
            else:
                self._trailing_s += frame.seconds
        results = self.rec.accept(pcm16)
        if results:  # the recogniser heard words (an open answer's first pause gives a partial, not a final)
            self._started = True
        for result in results:
            if result.final:
                self._finals.append(result)
                self._partial = ""
            else:
                self._partial = result.text
                if self.on_partial:
                    self.on_partial(result)
            if strip_done_phrase(result.text, self.config.done_phrases)[1]:
                return self._end("phrase")
        if results and self.config.complete is not None:
            self._complete = self.config.complete(" ".join([f.text for f in self._finals] + [self._partial]).strip())
        started = self._started
        if started and self._complete and self._trailing_s >= self.config.complete_silence_s:
            return self._end("complete")
        if started and self._trailing_s >= self.config.end_silence_s:
            return self._end("silence")
        if not started and self._audio_s >= self.config.no_speech_s:
            return self._end("no_speech")
        if self._audio_s >= self.config.max_answer_s:
            return self._end("cap")
        return None

    def close(self) -> Answer:
        """The input ran out: end the answer with whatever was said."""
        return self.answer or self._end("end_of_input")

    def _end(self, reason: str) -> Answer:
        self._finals.extend(r for r in self.rec.finish() if r.final)
        texts = [f.text for f in self._finals]
        text = " ".join(" ".join(texts).split())
        text, said_done = strip_done_phrase(text, self.config.done_phrases)
        if said_done:
            reason = "phrase"
        self.answer = Answer(text, tuple(self._finals), reason, round(self._audio_s, 3))
        return self.answer


def listen(chunks: Iterable[bytes], recognizer: Recognizer, config: EndpointConfig | None = None,
           on_partial: Callable[[Transcript], None] | None = None, vad: Vad | None = None) -> Answer:
    """Consume ``chunks`` until the answer is over (or the chunks run out)."""
    listener = AnswerListener(recognizer, config, on_partial, vad)
    for chunk in chunks:
        answer = listener.feed(chunk)
        if answer:
            return answer
    return listener.close()
