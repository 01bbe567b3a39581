"""Where the assistant keeps things, and the user's settings.

Everything the assistant writes lives under one directory, ``home()``:
``ASSISTANT_HOME`` (or ``--home``, which sets it) wins, else the platform's user data dir.

    home/
      settings.toml   voice, rate, volume, devices, engine ...
      assistant.log   with --verbose or the log setting: what went wrong and where (never what was said)
      journal.db      the journal (later issues)
      models/         speech models installed by `assistant models download|install`
      cache/tts/      synthesized prompt audio, keyed by (text, engine, voice, rate, volume)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from assistant.events import ConfirmMode
from assistant.text import fail, lookup, readable

APP_NAME = "practice-assistant"


def home() -> Path:
    """The home folder (it need not exist yet). A home that is a file is one clear error naming where it came
    from (``ASSISTANT_HOME``, which ``--home`` sets), raised by every command that uses the home; commands
    that do not (``--help``) never ask."""
    override = os.environ.get("ASSISTANT_HOME")
    if override:
        path = Path(override).expanduser()
        if path.exists() and not path.is_dir():
            raise fail("home_env_not_folder", path=path)
        return path
    import platformdirs

    path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    if path.exists() and not path.is_dir():
        raise fail("home_not_folder", path=path)
    return path


def ensure_home() -> Path:
    """Create the home dir (0700: it holds private words) and return it."""
    path = home()
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        probe = path / f".write-test-{os.getpid()}"  # per process: two starting at once must not race
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise fail("home_unwritable", path=path, reason=exc) from exc
    return path


def touch_private(path: Path) -> None:
    """Create an (empty) marker file readable by its owner only: every file in the home is 0600."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def models_dir() -> Path:
    return home() / "models"


def cache_dir() -> Path:
    return home() / "cache"


def settings_path() -> Path:
    return home() / "settings.toml"


@dataclass(frozen=True)
class Settings:
    """User settings; every field can be set with `assistant settings set KEY VALUE`."""

    tts_engine: str = "auto"  # auto | piper | pyttsx3 (auto: Piper when a Piper voice is installed)
    voice: str = ""  # a Piper voice name (en_US-joe-medium) or an espeak voice id; "" = the default
    rate: int = 150  # words per minute (Piper: its length scale); calm and slow by default
    volume: float = 0.9  # 0.0 .. 1.0
    input_device: str = ""  # name substring or index; "" = system default
    output_device: str = ""
    engine: str = "auto"  # auto | vosk | whisper
    language: str = "en"
    end_silence_s: float = 1.8  # trailing silence that ends an answer
    max_answer_s: float = 120.0  # hard cap per answer
    closed_silence_s: float = 0.5  # ... a closed answer (a rating, yes/no, a choice) once it can be parsed
    reflection_silence_s: float = 3.0  # ... a reflection (a long free answer)
    reflection_max_s: float = 300.0  # hard cap per reflection
    confirm: str = "auto"  # read-backs: auto (a heard rating the ear is unsure of) | always | ratings | never
    crisis_resources: str = ""  # spoken on crisis language; "" = the default in prompts/session.toml (988 + local)
    keep_audio: bool = False  # keep recorded answers as WAV under home/audio (0600); off: audio is never written
    log: bool = False  # write what went wrong, and where, to home/assistant.log (0600; never what was said)
    mic_noise_suppression: int = 0  # WebRTC noise suppression on the microphone, 0 (off) .. 4 (strongest)
    mic_auto_gain: int = 0  # WebRTC auto gain: target dB below full scale, 1 .. 31; 0 = off
    long_intros: bool = False  # true: the full disclaimer, welcome and invitation every session, not only at first

    @classmethod
    def load(cls) -> "Settings":
        path = settings_path()
        if not path.exists():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise fail("settings_unreadable", path=path, reason=exc) from exc
        settings = cls()
        for key, value in data.items():
            settings = settings.with_value(key, value)
        return settings

    def with_value(self, key: str, value: object) -> "Settings":
        """Return a copy with ``key`` set, converting strings to the field's type."""
        types = {f.name: str(f.type) for f in fields(self)}  # annotations are strings (__future__ annotations)
        if key not in types:
            raise fail("settings_unknown_key", key=key, keys=", ".join(types))
        converters: dict[str, Any] = {"str": str, "int": int, "float": float, "bool": _to_bool}
        kind = converters[types[key]]
        if isinstance(value, str):
            value = readable(value)  # bytes that were not UTF-8 (argv) must not break the file
        try:
            converted = kind(value)
        except (TypeError, ValueError, OverflowError) as exc:
            kind_words = lookup(f"setting_kinds.{types[key]}")
            raise fail("settings_bad_value", key=key, value=value, kind=kind_words) from exc
        _check_range(key, converted)
        return replace(self, **{key: converted})

    def save(self) -> Path:
        ensure_home()
        lines = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            elif isinstance(value, bool):
                value = "true" if value else "false"
            lines.append(f"{f.name} = {value}")
        path = settings_path()
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        return path




_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ValueError(value)


_RANGES = {
    "rate": (60, 400),
    "volume": (0.0, 1.0),
    "end_silence_s": (0.3, 10.0),
    "max_answer_s": (5.0, 1800.0),
    "closed_silence_s": (0.2, 10.0),
    "reflection_silence_s": (0.3, 30.0),
    "reflection_max_s": (5.0, 1800.0),
    "mic_noise_suppression": (0, 4),
    "mic_auto_gain": (0, 31),
}
_CHOICES = {"engine": ("auto", "vosk", "whisper"), "tts_engine": ("auto", "piper", "pyttsx3"),
            "confirm": tuple(ConfirmMode)}


def clamp_rate(rate: int) -> int:
    """A speaking rate inside the range ``settings set rate`` allows (for "slower" / "faster")."""
    low, high = _RANGES["rate"]
    return int(min(high, max(low, rate)))


def _check_range(key: str, value: object) -> None:
    if key in _RANGES:
        low, high = _RANGES[key]
        if not low <= value <= high:  # type: ignore[operator]
            raise fail("settings_out_of_range", key=key, value=value, low=low, high=high)
    if key in _CHOICES and value not in _CHOICES[key]:
        raise fail("settings_bad_choice", key=key, value=value, choices=", ".join(_CHOICES[key]))
