"""Breathing exercises: patterns as data (``prompts/breathing.toml``) and a drift-free cue timeline.

Every cue is placed against the exercise's start: cue *n* is due at the sum of the phase lengths
before it, never at "previous cue + sleep", so speech length and scheduling jitter cannot accumulate.
The audio runner (``breathing.exercise``) renders cues into one continuous output stream at exact sample
offsets; the caption-only runner waits on a monotonic clock against the same times.

Voice control changes the timeline while it runs: ``slower``/``faster`` scale phases from the next one
on; ``pause`` stops at once and ``resume`` restarts the interrupted phase from its beginning.
No I/O here: the timeline is driven with times, so it is tested with a fake clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.text import fail

TEMPO_STEP = 1.15  # "slower" multiplies phase lengths by this, "faster" divides
TEMPO_RANGE = (0.6, 1.8)


@dataclass(frozen=True)
class Phase:
    cue: str  # key in [cues]: in, hold, out, top_up, rest
    seconds: float


@dataclass(frozen=True)
class Pattern:
    name: str
    title: str
    description: str
    cycles: int
    phases: tuple[Phase, ...]

    @property
    def cycle_s(self) -> float:
        return sum(p.seconds for p in self.phases)

    @property
    def timings(self) -> str:
        return "-".join(f"{p.seconds:g}" for p in self.phases)


@dataclass(frozen=True)
class Cue:
    at_s: float  # seconds from the exercise start (pauses included)
    kind: str  # "cue" (phase start) or "count"
    key: str  # cue key ("in", "hold"...) or the count word
    phase_s: float  # how long this phase lasts at the current tempo
    cycle: int  # 0-based
    phase: int  # index within the cycle
    slot_s: float  # time until the next cue: a cue's audio must fit in it


def data() -> dict[str, Any]:
    """``prompts/breathing.toml`` (through the one loader, ``text.data_file``)."""
    from assistant.text import data_file

    return data_file("breathing.toml")


def patterns() -> dict[str, Pattern]:
    out = {}
    for name, raw in data()["patterns"].items():
        phases = tuple(Phase(p["cue"], float(p["seconds"])) for p in raw["phases"])
        out[name] = Pattern(name, raw["title"], raw.get("description", ""), int(raw.get("cycles", 6)), phases)
    return out


_CUSTOM = re.compile(r"^\d+(\.\d+)?(-\d+(\.\d+)?){1,3}$")


def custom_pattern(spec: str) -> Pattern:
    """``4-2-6`` → in 4, hold 2, out 6; ``4-4-4-4`` adds a hold after the exhale; ``5-5`` is in-out."""
    if not _CUSTOM.match(spec.strip()):
        raise fail("breathing_bad_pattern", spec=spec)
    seconds = [float(x) for x in spec.strip().split("-")]
    if any(not 0.5 <= s <= 20 for s in seconds):
        raise fail("breathing_bad_pattern", spec=spec)
    cues = {2: ("in", "out"), 3: ("in", "hold", "out"), 4: ("in", "hold", "out", "hold")}[len(seconds)]
    phases = tuple(Phase(c, s) for c, s in zip(cues, seconds))
    return Pattern(f"custom-{spec}", spec, "", 6, phases)


def get_pattern(name: str | None, custom: str | None = None) -> Pattern:
    if custom:
        return custom_pattern(custom)
    known = patterns()
    name = name or "box"
    if name not in known:
        if _CUSTOM.match(name):
            return custom_pattern(name)
        raise fail("breathing_unknown_pattern", name=name, known=", ".join(known))
    return known[name]


def cycles_for(pattern: Pattern, cycles: int | None, minutes: float | None) -> int:
    if cycles is not None and minutes is not None:
        raise fail("breathing_cycles_and_minutes")
    if minutes is not None:
        if not 0 < minutes <= 60:
            raise fail("breathing_bad_minutes", minutes=minutes)
        return max(1, round(minutes * 60 / pattern.cycle_s))
    if cycles is not None:
        if not 1 <= cycles <= 500:
            raise fail("breathing_bad_cycles", cycles=cycles)
        return cycles
    return pattern.cycles


class Timeline:
    """The sequence of cues, computed one phase ahead so that tempo and pauses can change it."""

    def __init__(self, pattern: Pattern, cycles: int, counts: bool = False) -> None:
        self.pattern, self.cycles, self.counts = pattern, cycles, counts
        self.tempo = 1.0
        self.paused_at: float | None = None
        self._cycle, self._phase = 0, 0
        self._phase_start = 0.0  # when the current (next to be cued) phase starts
        self._pending: list[Cue] = []
        self.completed_cycles = 0
        self._current: Cue | None = None  # the last phase cue given (the phase now running)
        self._given_in_phase: list[Cue] = []  # counts already given in that phase
        self._plan_phase()

    @property
    def done(self) -> bool:
        return not self._pending and self._cycle >= self.cycles

    @property
    def end_s(self) -> float:
        """When the last phase planned so far ends (the whole exercise, once everything is planned)."""
        return self._phase_start

    def _plan_phase(self) -> None:
        if self._cycle >= self.cycles:
            return
        phase = self.pattern.phases[self._phase]
        length = phase.seconds * self.tempo
        start = self._phase_start
        whole = int(length + 1e-9)
        count_times = [start + i for i in range(1, whole)] if self.counts else []
        cue_slot = (count_times[0] if count_times else start + length) - start
        cues = [Cue(round(start, 6), "cue", phase.cue, length, self._cycle, self._phase, cue_slot)]
        words = data()["words"]["counts"]
        for i, at in enumerate(count_times):
            nxt = count_times[i + 1] if i + 1 < len(count_times) else start + length
            cues.append(Cue(round(at, 6), "count", words[min(i + 1, len(words) - 1)], length, self._cycle,
                            self._phase, nxt - at))
        self._pending.extend(cues)
        self._phase_start = start + length
        self._phase += 1
        if self._phase == len(self.pattern.phases):
            self._phase, self._cycle = 0, self._cycle + 1

    def due(self, until_s: float) -> list[Cue]:
        """Every cue due before ``until_s`` (session time), in order; plans ahead as needed."""
        if self.paused_at is not None:
            return []
        out = []
        while True:
            if not self._pending:
                if self._cycle >= self.cycles:
                    break
                self._plan_phase()
            if not self._pending or self._pending[0].at_s >= until_s:
                break
            cue = self._pending.pop(0)
            if cue.kind == "cue":
                self._current, self._given_in_phase = cue, []
                if cue.phase == 0 and cue.cycle > 0:
                    self.completed_cycles = cue.cycle
            else:
                self._given_in_phase.append(cue)
            out.append(cue)
        if self.done:
            self.completed_cycles = self.cycles
        return out

    def next_at(self) -> float | None:
        if self.paused_at is not None:
            return None
        if not self._pending:
            self._plan_phase()
        return self._pending[0].at_s if self._pending else None

    def set_tempo(self, faster: bool) -> float:
        """Scale the phases not yet planned (the current one keeps its length)."""
        factor = 1 / TEMPO_STEP if faster else TEMPO_STEP
        self.tempo = min(TEMPO_RANGE[1], max(TEMPO_RANGE[0], self.tempo * factor))
        return self.tempo

    def pause(self, at_s: float) -> None:
        if self.paused_at is None:
            self.paused_at = at_s

    def resume(self, at_s: float) -> None:
        """Restart the interrupted phase from its beginning at ``at_s``; everything after it moves too."""
        if self.paused_at is None:
            return
        self.paused_at = None
        current = self._current
        if current is None:  # paused before the first cue: everything just starts later
            shift = at_s - (self._pending[0].at_s if self._pending else self._phase_start)
            self._pending = [_moved(c, shift) for c in self._pending]
            self._phase_start += shift
            return
        same = [c for c in self._pending if (c.cycle, c.phase) == (current.cycle, current.phase)]
        later = [c for c in self._pending if (c.cycle, c.phase) != (current.cycle, current.phase)]
        redo = [_moved(c, at_s - current.at_s) for c in (current, *self._given_in_phase, *same)]
        shift = at_s - current.at_s  # the old phase end moves to at_s + phase length
        self._pending = redo + [_moved(c, shift) for c in later]
        self._phase_start += shift
        self._current, self._given_in_phase = None, []


def _moved(cue: Cue, shift: float) -> Cue:
    return Cue(round(cue.at_s + shift, 6), cue.kind, cue.key, cue.phase_s, cue.cycle, cue.phase, cue.slot_s)
