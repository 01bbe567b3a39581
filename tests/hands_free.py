"""A simulated person in a room, for hands-free tests and ``scripts/bench noisy``: it runs the assistant on the
private PulseAudio server, listens to the virtual speaker, and when a caption asks for an answer it waits for
the assistant to finish speaking and speaks the answer's clip into the virtual microphone, optionally with
noise looped into the microphone the whole time (a fan, a TV).

The timeline it returns says, for each answer, when the person's voice ended, when the assistant's next
caption appeared (the turn was over) and when its next sound reached the speaker.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from audio_fixtures import SpeakerMonitor

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Reply:
    key: str  # what was answered (a field, "yes", "reflection" ...)
    clip: Path
    voice_end_s: float  # where the voice ends in the clip


@dataclass
class Turn:
    caption: str
    key: str
    voice_end_at: float  # monotonic time the answer's voice ended
    next_caption_at: float | None = None
    next_sound_at: float | None = None

    @property
    def caption_gap_s(self) -> float | None:
        return None if self.next_caption_at is None else self.next_caption_at - self.voice_end_at

    @property
    def sound_gap_s(self) -> float | None:
        return None if self.next_sound_at is None else self.next_sound_at - self.voice_end_at


@dataclass
class Conversation:
    returncode: int | None
    stderr: str
    turns: list[Turn] = field(default_factory=list)
    captions: list[tuple[float, str]] = field(default_factory=list)
    wall_s: float = 0.0
    stopped_early: bool = False


def voice_end_s(clip: Path) -> float:
    """Where the voice ends in a clean clip (energy: exact for synthetic speech in digital silence)."""
    from assistant.audio.formats import load_for_recognition
    from assistant.speech.stt.vad import ENERGY_FRAME_S, EnergyVad

    flags = [frame.voiced for frame in EnergyVad().frames(load_for_recognition(clip))]
    return (max(i for i, voiced in enumerate(flags) if voiced) + 1) * ENERGY_FRAME_S


def converse(pulse, args: list[str], reply: Callable[[str], Reply | None], *, env: dict[str, str] | None = None,
             noise: Path | None = None, timeout_s: float = 400.0,
             stop: Callable[[Conversation], bool] | None = None, patience_s: float = 0.7) -> Conversation:
    """Run ``assistant ARGS`` and answer every caption ``reply`` has a clip for (see the module docstring), once
    the speaker has been quiet for ``patience_s`` (on a busy machine a streamed line can stall longer than 0.7 s
    between sentences, and an answer begun then is not heard). ``stop(conversation)``, asked after each caption,
    ends the run early (the process is killed)."""
    import contextlib

    env = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    monitor = SpeakerMonitor(pulse)
    result = Conversation(None, "")
    noisy = pulse.noise_in_mic(noise) if noise is not None else contextlib.nullcontext()
    started = time.monotonic()
    with noisy:
        time.sleep(0.5 if noise is not None else 0.0)  # the room is noisy before the session starts
        proc = subprocess.Popen([sys.executable, "-m", "assistant", *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))
        lines: "queue.Queue[tuple[float, str]]" = queue.Queue()
        assert proc.stdout is not None
        threading.Thread(target=lambda: [lines.put((time.monotonic(), line.rstrip())) for line in proc.stdout],
                         daemon=True).start()
        errors: list[str] = []
        assert proc.stderr is not None
        threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True).start()
        deadline = time.monotonic() + timeout_s
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    at, line = lines.get(timeout=0.5)
                except queue.Empty:
                    continue
                caption = " ".join(line.removeprefix("assistant: ").split())
                if not caption:
                    continue
                result.captions.append((at, caption))
                if result.turns and result.turns[-1].next_caption_at is None:
                    result.turns[-1].next_caption_at = at
                if stop is not None and stop(result):
                    result.stopped_early = True
                    break
                answer = reply(caption)
                if answer is None:
                    continue
                if not monitor.wait_until_said_and_quiet(at, patience_s):
                    break
                time.sleep(0.2)
                played = time.monotonic()
                result.turns.append(Turn(caption, answer.key, played + answer.voice_end_s))
                pulse.play_into_mic(answer.clip)
            if not result.stopped_early and proc.poll() is None and time.monotonic() < deadline:
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            time.sleep(1.0)  # the closing words after the last answer
            loud = monitor._loud_times(started)
            for turn in result.turns:
                after = [t for t in loud if t >= turn.voice_end_at]
                turn.next_sound_at = after[0] if after else None
        except subprocess.TimeoutExpired:
            pass
        finally:
            if proc.poll() is None:
                proc.kill()
            monitor.close()
        proc.wait(10)
    time.sleep(0.3)
    result.returncode = proc.returncode
    result.stderr = "".join(errors)
    result.wall_s = time.monotonic() - started
    return result


def noise_wav(folder: Path, kind: str, snr_db: float, voice: Path, seconds: float = 30.0) -> Path:
    """``kind`` noise (tests/room.py) as a WAV, ``snr_db`` below the active speech level of ``voice``: looped into
    the microphone under everything the person says."""
    import numpy as np

    import room
    from assistant.audio.formats import load_for_recognition, write_wav

    out = folder / f"noise-{kind}-{snr_db:g}-{voice.stem}.wav"
    if out.exists():
        return out
    raw = np.frombuffer(room.noise(kind, seconds, folder), "<i2").astype(np.float64)
    target = room.speech_level(load_for_recognition(voice)) / 10 ** (snr_db / 20)
    scaled = raw * target / (float(np.sqrt(np.mean(raw**2))) or 1.0)
    write_wav(out, np.clip(np.round(scaled), -32768, 32767).astype("<i2").tobytes())
    return out


class Person:
    """Answers a debrief the way a person would: each question with its clip, "yes" to the summary, "no" to an
    offer to skip, and to "I heard 7. Is that right?" yes only when 7 is what they said (a person corrects a
    misheard rating; saying yes to it would store a wrong value the ear did not choose)."""

    def __init__(self, clips: dict[str, Reply], questions: dict[str, str], ratings: dict[str, int],
                 told: str = "") -> None:
        from assistant.text import data_file

        say = data_file("session.toml")["say"]
        self.clips, self.questions, self.ratings, self.told = clips, questions, ratings, told
        self.summary = {say[key] for key in ("summary_check", "summary_again")}
        self.skip_offers = {say["skip_offer"], say["skip_offer_again"]}
        self.confirm_again = say["confirm_again"]
        self.field = ""
        self._last_confirm = "yes"

    def __call__(self, caption: str) -> Reply | None:
        import re

        if self.told and caption == self.told:
            self.field = "reflection"
            return self.clips["reflection"]
        if caption in self.questions:
            self.field = self.questions[caption]
            return self.clips[self.field]
        if caption.startswith("I heard"):
            number = re.search(r"\d+", caption)
            expected = self.ratings.get(self.field)
            right = expected is None or (number is not None and int(number.group()) == expected)
            self._last_confirm = "yes" if right else "no"
            return self.clips[self._last_confirm]
        if caption == self.confirm_again:
            return self.clips[self._last_confirm]
        if caption in self.summary:
            return self.clips["yes"]
        if caption in self.skip_offers:
            return self.clips["no"]
        return None
