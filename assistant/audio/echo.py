"""Echo cancellation for barge-in: the only module that drives the sound server (``pactl``).

While the assistant may be talked over, the microphone stays open as it speaks, and its own voice comes back
through the room. PulseAudio's ``module-echo-cancel`` with the WebRTC canceller (also served by PipeWire's
``pipewire-pulse``) removes it: loaded over the default microphone and speaker, it makes an echo-cancelled
source and sink pair; this process's streams are routed to them (``PULSE_SOURCE`` / ``PULSE_SINK``, read by
the ALSA "pulse" plugin each time PortAudio opens a stream), so the assistant plays into the sink, whose
samples are the canceller's reference, and hears the cancelled signal. Other programs keep the devices as they
were. Why the sound server and not a canceller in this process: PortAudio's stream times through the ALSA
plugin do not say when a sample was played (measured: a line's start wandered over 3 s), and the server knows
exactly when each sample of the sink and the source passed; the WebRTC canceller also finds the delay itself.

Only the cancellation is asked for: its automatic gain would move the microphone's volume and its noise
suppression would change what the ear was measured on (``mic_noise_suppression`` is the ear's own setting).

It needs a PulseAudio-compatible server and ``pactl``; without them :func:`open_echo_canceller` raises and the
assistant listens only between its lines, as with barge-in off. A run that was killed leaves its module
loaded; the next one unloads it first.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass, field

from assistant.text import fail

log = logging.getLogger(__name__)

SOURCE_NAME = "assistant_echo_cancelled_mic"
SINK_NAME = "assistant_echo_cancelled_speaker"
# WebRTC processing: cancellation only (see the module docstring).
AEC_ARGS = "analog_gain_control=0 digital_gain_control=0 noise_suppression=0"
ROUTE = ("PULSE_SOURCE", "PULSE_SINK")


def _pactl(*args: str, timeout: float = 10.0) -> str:
    try:
        done = subprocess.run(["pactl", *args], check=True, timeout=timeout, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError as exc:
        raise fail("echo_cancel_unavailable", reason="pactl is not installed") from exc
    except subprocess.CalledProcessError as exc:
        reason = (exc.stderr or exc.stdout or "").strip() or f"pactl {args[0]} failed"
        raise fail("echo_cancel_unavailable", reason=reason) from exc
    except (subprocess.TimeoutExpired, OSError) as exc:
        raise fail("echo_cancel_unavailable", reason=exc) from exc
    return done.stdout


def _our_modules() -> list[str]:
    """Ids of echo-cancel modules this program loaded (by their source name), a killed run's included."""
    listed = _pactl("list", "short", "modules")
    return [line.split()[0] for line in listed.splitlines()
            if "module-echo-cancel" in line and f"source_name={SOURCE_NAME}" in line]


@dataclass
class EchoCanceller:
    """A loaded ``module-echo-cancel`` and this process routed through it; :meth:`close` undoes both."""

    module_id: str
    source_master: str
    sink_master: str
    _saved: dict[str, str | None] = field(default_factory=dict, repr=False)

    def route(self) -> None:
        """Streams this process opens from now on use the cancelled pair."""
        self._saved = {key: os.environ.get(key) for key in ROUTE}
        os.environ["PULSE_SOURCE"], os.environ["PULSE_SINK"] = SOURCE_NAME, SINK_NAME

    def close(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved = {}
        try:
            _pactl("unload-module", self.module_id)
        except Exception:  # the server went away: nothing is left to unload
            log.debug("unloading the echo canceller failed", exc_info=True)

    def __enter__(self) -> "EchoCanceller":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_echo_canceller() -> EchoCanceller:
    """Load the canceller over the server's default microphone and speaker and route this process through it.

    Raises ``AssistantError`` (``echo_cancel_unavailable``) when there is no PulseAudio-compatible server.
    """
    if shutil.which("pactl") is None:
        raise fail("echo_cancel_unavailable", reason="pactl is not installed")
    for stale in _our_modules():
        _pactl("unload-module", stale)
    source = _pactl("get-default-source").strip()
    sink = _pactl("get-default-sink").strip()
    if not source or not sink:
        raise fail("echo_cancel_unavailable", reason="the sound server has no default microphone or speaker")
    module_id = _pactl("load-module", "module-echo-cancel", "aec_method=webrtc", f'aec_args="{AEC_ARGS}"',
                       f"source_master={source}", f"sink_master={sink}", f"source_name={SOURCE_NAME}",
                       f"sink_name={SINK_NAME}").strip()
    canceller = EchoCanceller(module_id, source, sink)
    canceller.route()
    log.debug("echo canceller %s loaded over %s and %s", module_id, source, sink)
    return canceller
