"""Talking over the assistant (barge-in): the line stops when the person starts, and what they say is the
answer, from its first word.

    line plays ──▶ Voice.say(until=BargeIn.heard_voice) ──▶ microphone chunk (echo-cancelled, audio.echo)
                      │                                        └─▶ OnsetDetector: the person, not the echo?
                      └─ True: the line stops; the audio since just before the voice is kept (BargeIn.pending)
    next answer ──▶ MicAnswers takes the kept audio first, then the live microphone

How the person is told from the assistant's own voice and the room (:class:`OnsetDetector`):

- the live voice detector (``speech.stt.vad.voice_detector``: Silero with a room gate) on the cancelled
  signal, so a fan is never a voice and a TV or babble under the person is the room, not an onset;
- the level must stand ``echo_margin_db`` above the most the echo has ever come through, measured against the
  loudest the line was in the last ``ECHO_PATH_S`` (its echo may still be arriving). The canceller leaves
  the echo 30-50 dB down once it has learnt the room, but now and then a word gets through (measured on the
  virtual devices: a burst at -45 dBFS in a line that otherwise came through at -73 or not at all), and
  Silero calls it a voice;
- the echo's measure is learnt from everything heard over the first ``arm_after_s`` of lines in the run,
  when the canceller, still learning, lets the echo through nearly whole, and nothing fires then; after,
  from every frame not taken for the person. So a person about as loud as the line (the echo 10 dB under
  it) stops it, and nothing the echo does can;
- ``onset_s`` (0.16 s) of voice in a row: a click, a syllable of residue or a TV's loudest moment (the room gate
  lets one through now and then, never 0.15 s of it: ``tests/test_noisy_room.py``) is not a person.

Lines said after a barge-in and before the answer is taken are shown, not spoken: the person is talking,
and what they say is heard as the answer to the question that follows (a story told over the welcome is the
story). The crisis words are an exception (``must_say``): they are always said in full.
A voice that started in a line's last moments, too late to stop it, is kept for the answer all the same.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any, Callable

from assistant.audio.formats import rms_dbfs

log = logging.getLogger(__name__)

KEEP_BEFORE_S = 0.6  # audio kept from before the onset fired: Silero calls a soft onset late, and ``onset_s``
CHUNK_S = 0.05  # the microphone's chunk, the granularity of the check
ECHO_PATH_S = 0.4  # what played this long ago may still be coming back (device buffers, the room, the canceller)
# ... and where the line has been silent that long, this much: with brown noise under it, a line was stopped once
# by a voice nobody said, 0.4 s after anything had played (the canceller's latency grows on a busy machine)
ECHO_LATE_S = 1.2
SILENT_DB = -60.0  # a line quieter than this is not playing
LEARN_DB = -45.0  # how much of the echo comes through is learnt only where the line is at least this loud
KEEP_S = 15.0  # the line's audio kept, so a voice that began during it is kept from its start


class OnsetDetector:
    """Says when a person starts talking over a line, from the echo-cancelled microphone (module docstring)."""

    def __init__(self, vad: Any = None, onset_s: float = 0.16, arm_after_s: float = 1.5,
                 echo_margin_db: float = 6.0, frame_s: float = 0.032) -> None:
        if vad is None:
            from assistant.speech.stt.vad import voice_detector

            vad = voice_detector()
        self.vad = vad
        self.frame_s = frame_s
        self.onset_frames = max(1, round(onset_s / frame_s))
        self.arm_frames = round(arm_after_s / frame_s)
        self.echo_margin_db = echo_margin_db
        self.echo_db = -90.0  # the most the echo has come through, relative to what was playing
        self._heard = 0  # frames heard while lines played, this run
        self._run = 0  # frames in a row that may be the person
        self._voiced_run = 0  # frames in a row that Silero calls voice, the echo's or the person's
        self.onset_frames_ago = 0  # when it fired: frames since the voice began

    @property
    def armed(self) -> bool:
        return self._heard >= self.arm_frames

    def new_line(self) -> None:
        self._run = self._voiced_run = 0

    @property
    def person_talking(self) -> bool:
        """The last frame heard may be the person's (a voice above the echo's measure) and did not fire yet."""
        return self._run > 0

    @property
    def voice_seconds(self) -> float:
        """How long the voice heard now has lasted (0 when there is none)."""
        return self._voiced_run * self.frame_s

    def feed(self, pcm16: bytes, playing_db: float = SILENT_DB) -> bool:
        """One chunk heard while a line plays; True when the person has started talking.

        ``playing_db``: the loudest the line was over the moments whose echo may be in this chunk (dBFS; the
        silence level when nothing played). A frame is the person's only when Silero calls it voice and it
        stands ``echo_margin_db`` above the most the echo has come through relative to that. The echo's
        measure is learnt from every frame until the detector is armed (the canceller still learning lets its
        echo through nearly whole) and from every frame that is not the person's after."""
        fired = False
        for frame in self.vad.frames(pcm16):
            level = rms_dbfs(frame.audio)
            relative = level - playing_db if playing_db > SILENT_DB else None
            person = frame.voiced and (relative is None or relative >= self.echo_db + self.echo_margin_db)
            if relative is not None and playing_db >= LEARN_DB and (not self.armed or not person):
                if relative > self.echo_db:
                    log.debug("the echo came through at %+.1f dB (%.1f dBFS, the line at %.1f)%s", relative, level,
                              playing_db, "" if self.armed else " while the canceller learns")
                self.echo_db = max(self.echo_db, relative)
            self._run = self._run + 1 if person else 0
            self._voiced_run = self._voiced_run + 1 if frame.voiced else 0
            self._heard += 1
            if self._run >= self.onset_frames and self.armed and not fired:
                fired = True
                self.onset_frames_ago = self._voiced_run
                log.debug("barge-in: a voice at %.1f dBFS while the line was at %.1f (echo up to %+.1f dB)",
                          level, playing_db, self.echo_db)
        return fired


def loudest_db(pcm16: bytes, frame_samples: int = 512) -> float:
    """The level of the loudest frame of ``pcm16`` (dBFS); the silence level for nothing."""
    frames = [pcm16[i : i + 2 * frame_samples] for i in range(0, len(pcm16) - 2 * frame_samples + 1, 2 * frame_samples)]
    return max((rms_dbfs(frame) for frame in frames), default=SILENT_DB)


class BargeIn:
    """The microphone heard while lines play, the detector, and the audio kept for the next answer."""

    def __init__(self, microphone: Any, playing: Callable[[float, float | None], bytes],
                 detector: OnsetDetector | None = None) -> None:
        self.mic = microphone
        # The line handed to the speaker over some seconds up to a moment (``Speaker.recent``): a chunk is
        # judged against what played before it was captured, not now (on a busy machine chunks queue up).
        self.playing = playing
        self.detector = detector or OnsetDetector()
        self.pending: list[bytes] = []  # audio heard over the last line, for the next answer
        self.interrupted = False  # the person talked over a line; lines until the answer are not spoken
        self._line: deque[bytes] = deque(maxlen=round(KEEP_S / CHUNK_S))
        self.stops = 0  # lines stopped this run

    def line_starts(self) -> None:
        """Before a line: what the microphone heard since the last line or answer ended is not said over this one
        (the rest of an answer that ended on its words, the canceller starting up)."""
        if not self.pending:
            self.mic.flush()
        self._line.clear()
        self.detector.new_line()

    def heard_voice(self) -> bool:
        """``Voice.say(until=...)``: the microphone's chunks so far (waiting up to ~60 ms for one); True when the
        person started talking."""
        for read, chunk in enumerate(self.mic.chunks(timeout=0.06), 1):
            self._line.append(chunk.audio)
            captured = getattr(self.mic, "captured_at", None) or None
            playing_db = loudest_db(self.playing(ECHO_PATH_S, captured))
            if playing_db <= SILENT_DB:  # a pause in the line, or its start: an echo may come late on a busy machine
                playing_db = loudest_db(self.playing(ECHO_LATE_S, captured))
            if self.detector.feed(chunk.audio, max(SILENT_DB, playing_db)):
                self._keep(self.detector.voice_seconds + KEEP_BEFORE_S)
                self.interrupted = True
                self.stops += 1
                return True
            if read >= 10 or self.mic.pending_chunks() == 0:  # caught up, or let the speaker see the line end
                return False
        return False

    def _keep(self, seconds: float) -> None:
        """Keep the last ``seconds`` of the line's audio for the answer."""
        kept: list[bytes] = []
        total = 0.0
        for audio in reversed(self._line):
            kept.insert(0, audio)
            total += len(audio) / 32000
            if total >= seconds:
                break
        self.pending = kept

    def line_ended(self) -> None:
        """A line played out: a voice that began in its last moments is kept, and taken as talking over the line
        (the lines until the answer are not said over it)."""
        if not self.interrupted and self.detector.person_talking:
            self._keep(self.detector.voice_seconds + KEEP_BEFORE_S)
            self.interrupted = True
        self._line.clear()
        self.detector.new_line()

    def take(self) -> list[bytes]:
        """The audio kept for the answer now being heard (empty when the person did not talk over a line)."""
        pending, self.pending, self.interrupted = self.pending, [], False
        return pending


class BargeInVoice:
    """A voice whose lines stop when the person talks over them; everything else is the voice's own."""

    def __init__(self, voice: Any, bargein: BargeIn, must_say: Callable[[str], bool] | None = None) -> None:
        self._voice, self.bargein, self._must_say = voice, bargein, must_say

    def __getattr__(self, name: str) -> Any:
        return getattr(self._voice, name)

    def say(self, text: str, **options: Any) -> Any:
        must = self._must_say is not None and self._must_say(text)
        if self.bargein.interrupted and not must:
            self._voice.echo_caption(text)  # the person is talking: shown, not said
            return None
        self.bargein.line_starts()
        timing = self._voice.say(text, until=None if must else self.bargein.heard_voice, **options)
        if not self.bargein.interrupted:
            self.bargein.line_ended()
        return timing
