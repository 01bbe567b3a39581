"""A private PulseAudio server with a virtual microphone and speaker, for tests with real audio.

    paplay -d micsink x.wav  ──▶  micsink ──monitor──▶ vmic (default source) ──▶ Microphone
    Speaker ──▶ spk (default sink) ──monitor──▶ parec -d spk.monitor  (record_speaker)

sounddevice reaches it through libasound2-plugins (the ALSA "pulse"/"default" devices). PortAudio
reads the environment when it initializes, so the fixture sets it in ``os.environ`` and re-initializes
sounddevice if it was imported already. Import with ``from audio_fixtures import *  # noqa``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

__all__ = ["pulse", "PulseAudio", "Recording"]

_TOOLS = ("pulseaudio", "pactl", "paplay", "parec")


@dataclass
class Recording:
    """What the speaker played; ``pcm`` (16 kHz mono s16le) is filled in when the block ends."""

    pcm: bytes = b""

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 32000


@dataclass
class PulseAudio:
    root: Path
    env: dict[str, str]  # the variables clients need (already in os.environ while the fixture lives)
    server_env: dict[str, str] = field(repr=False, default_factory=dict)

    def run(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), env={**os.environ, **self.env}, check=True, timeout=timeout,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def play_into_mic(self, wav_path: str | Path) -> None:
        """Speak a WAV file into the virtual microphone; returns when it has been played."""
        import wave

        with wave.open(str(wav_path), "rb") as clip:
            seconds = clip.getnframes() / clip.getframerate()
        self.run("paplay", "-d", "micsink", str(wav_path), timeout=seconds + 30)

    @contextlib.contextmanager
    def noise_in_mic(self, wav_path: str | Path) -> Iterator[None]:
        """Play ``wav_path`` into the virtual microphone over and over while the block runs (a fan, a TV in
        the room); anything else played into the microphone meanwhile is heard on top of it."""
        stop, lock = threading.Event(), threading.Lock()
        current: list[subprocess.Popen] = []

        def loop() -> None:
            while True:
                with lock:  # no new player once the block has ended
                    if stop.is_set():
                        return
                    proc = subprocess.Popen(["paplay", "-d", "micsink", str(wav_path)],
                                            env={**os.environ, **self.env},
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    current[:] = [proc]
                proc.wait()

        player = threading.Thread(target=loop, name="noise-in-mic", daemon=True)
        player.start()
        try:
            yield
        finally:
            with lock:
                stop.set()
                for proc in current:
                    proc.terminate()
            player.join(timeout=5)

    @contextlib.contextmanager
    def record_speaker(self, quiet_s: float = 0.5, max_wait_s: float = 4.0) -> Iterator[Recording]:
        """Record what is played on the default sink while the block runs.

        On exit it keeps recording until the sink has been quiet for ``quiet_s`` (at most
        ``max_wait_s``): the null sink may still hold audio after the player has returned.
        """
        recording = Recording()
        before = self._source_outputs()
        proc = subprocess.Popen(
            ["parec", "-d", "spk.monitor", "--rate=16000", "--channels=1", "--format=s16le", "--raw",
             "--latency-msec=20"],  # a small latency, or parec loses the start of short sounds
            env={**os.environ, **self.env}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        blocks: list[tuple[float, bytes]] = []
        reader = threading.Thread(target=_read_blocks, args=(proc, blocks), daemon=True)
        reader.start()
        deadline = time.monotonic() + 5
        while self._source_outputs() <= before and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)  # parec must be connected before anything plays, or the start is lost
        time.sleep(0.1)
        try:
            yield recording
            _wait_until_quiet(blocks, quiet_s, max_wait_s)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
            reader.join(timeout=5)
            out = b"".join(block for _, block in list(blocks))
            recording.pcm = out[: len(out) - len(out) % 2]

    def _source_outputs(self) -> int:
        listed = self.run("pactl", "list", "short", "source-outputs", timeout=10).stdout
        return len([line for line in listed.splitlines() if line.strip()])

    def reinit_portaudio(self) -> None:
        """Make an already imported sounddevice see this server."""
        sd = sys.modules.get("sounddevice")
        if sd is not None:
            sd._terminate()
            sd._initialize()


def _read_blocks(proc: subprocess.Popen, blocks: list[tuple[float, bytes]]) -> None:
    assert proc.stdout is not None
    while True:
        block = proc.stdout.read1(3200) if hasattr(proc.stdout, "read1") else proc.stdout.read(3200)
        if not block:
            return
        blocks.append((time.monotonic(), block))


def _wait_until_quiet(blocks: list[tuple[float, bytes]], quiet_s: float, max_wait_s: float) -> None:
    from assistant.audio.formats import rms_dbfs

    deadline = time.monotonic() + max_wait_s
    time.sleep(0.1)
    while time.monotonic() < deadline:
        recent = [block for stamp, block in list(blocks) if stamp >= time.monotonic() - quiet_s]
        heard = sum(len(block) for block in recent) / 32000
        if heard >= quiet_s * 0.8 and rms_dbfs(b"".join(recent)) < -60:
            return
        if not recent and blocks and blocks[-1][0] < time.monotonic() - quiet_s:
            return  # nothing is flowing: the sink went idle
        time.sleep(0.05)


def _start(root: Path) -> PulseAudio:
    runtime = root / "runtime"
    runtime.mkdir(mode=0o700)
    server_env = {
        **os.environ, "HOME": str(root), "XDG_RUNTIME_DIR": str(runtime), "XDG_CONFIG_HOME": str(root / "config"),
        "PULSE_RUNTIME_PATH": str(runtime / "pulse"), "PULSE_STATE_PATH": str(root / "state"),
    }
    server_env.pop("PULSE_SERVER", None)
    client_env = {
        "XDG_RUNTIME_DIR": str(runtime),
        "PULSE_RUNTIME_PATH": str(runtime / "pulse"),
        "PULSE_SERVER": f"unix:{runtime / 'pulse' / 'native'}",
        "PULSE_COOKIE": str(root / "config" / "pulse" / "cookie"),
    }
    subprocess.run(
        ["pulseaudio", "--start", "--exit-idle-time=-1", "-n", "-F", "/dev/null", "--daemonize=yes",
         "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=spk"],
        env=server_env, check=True, timeout=30, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    pulse = PulseAudio(root, client_env, server_env)
    deadline = time.monotonic() + 10
    while True:
        try:
            pulse.run("pactl", "info", timeout=5)
            break
        except subprocess.CalledProcessError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    pulse.run("pactl", "load-module", "module-null-sink", "sink_name=micsink")
    pulse.run("pactl", "load-module", "module-remap-source", "master=micsink.monitor", "source_name=vmic", "channels=1")
    pulse.run("pactl", "set-default-source", "vmic")
    pulse.run("pactl", "set-default-sink", "spk")
    return pulse


@pytest.fixture(scope="session")
def pulse() -> Iterator[PulseAudio]:
    """A private PulseAudio server (virtual mic ``vmic``, speaker ``spk``) for the whole session."""
    missing = [tool for tool in _TOOLS if not shutil.which(tool)]
    if missing:  # never skip: in CI these tests must run (scripts/test installs the packages)
        pytest.fail(f"{', '.join(missing)} not installed; run scripts/test (apt install pulseaudio pulseaudio-utils)")
    root = Path(tempfile.mkdtemp(prefix="pulse-"))  # short: unix socket paths are limited to 108 bytes
    os.chmod(root, 0o700)
    pulse_keys = ("XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH", "PULSE_SERVER", "PULSE_COOKIE")
    saved = {key: os.environ.get(key) for key in pulse_keys}
    pulse = None
    try:
        pulse = _start(root)
        os.environ.update(pulse.env)
        pulse.reinit_portaudio()
        yield pulse
    finally:
        if pulse is not None:
            subprocess.run(["pulseaudio", "--kill"], env=pulse.server_env, timeout=10,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if pulse is not None:
            PulseAudio.reinit_portaudio(pulse)
        shutil.rmtree(root, ignore_errors=True)


class SpeakerMonitor:
    """Listens to the virtual speaker the whole time, like a person in the room would.

    ``wait_until_said_and_quiet(since)``: block until sound was heard after ``since`` and the speaker
    has then been quiet for ``quiet_s`` — "the question has finished".
    """

    def __init__(self, pulse: PulseAudio) -> None:
        self._proc = subprocess.Popen(
            ["parec", "-d", "spk.monitor", "--rate=16000", "--channels=1", "--format=s16le", "--raw",
             "--latency-msec=20"],
            env={**os.environ, **pulse.env}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.blocks: list[tuple[float, bytes]] = []
        self._reader = threading.Thread(target=_read_blocks, args=(self._proc, self.blocks), daemon=True)
        self._reader.start()

    def _loud_times(self, since: float) -> list[float]:
        from assistant.audio.formats import rms_dbfs

        return [stamp for stamp, block in list(self.blocks) if stamp >= since and rms_dbfs(block) > -45]

    def wait_until_said_and_quiet(self, since: float, quiet_s: float = 0.7, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            loud = self._loud_times(since)
            if loud and time.monotonic() - loud[-1] >= quiet_s:
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self._proc.send_signal(signal.SIGINT)
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()


__all__ += ["SpeakerMonitor"]


def onsets(pcm: bytes, rate: int = 16000, frame_s: float = 0.005, quiet_before_s: float = 0.25,
           threshold: float = 0.01) -> list[float]:
    """Times (s) where sound starts after at least ``quiet_before_s`` of silence, at ``frame_s`` resolution:
    cue onsets in a recording of the virtual speaker (used by tests and scripts/bench)."""
    import numpy as np

    x = np.frombuffer(pcm, "<i2").astype(np.float32) / 32768
    n = int(rate * frame_s)
    level = np.sqrt(np.mean(x[: len(x) // n * n].reshape(-1, n) ** 2, axis=1))
    found, quiet = [], 0
    for i, is_loud in enumerate(level > threshold):
        if is_loud and quiet * frame_s >= quiet_before_s:
            found.append(i * frame_s)
        quiet = 0 if is_loud else quiet + 1
    return found


__all__ += ["onsets"]
