"""Audio commands: ``say``, ``voices``, ``devices``, ``settings show|set``, ``doctor``.

The work lives in ``assistant.speech.tts.synthesizer``, ``assistant.audio.devices`` and ``assistant.config``; this module parses
options and prints. Heavy imports (sounddevice, numpy, pyttsx3) happen inside the commands.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, fields

import click

from assistant.errors import AssistantError
from assistant.text import counted, fail, t


@click.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--no-audio", is_flag=True, help="Print the caption only; do not synthesize or play.")
@click.option("--voice", default=None, help="Voice id or name (default: settings; see assistant voices).")
@click.option("--rate", type=int, default=None, help="Words per minute, 60-400 (default: settings).")
@click.option("--volume", type=float, default=None, help="0.0-1.0 (default: settings).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="Write a WAV file instead of playing.")
@click.option("--timing", is_flag=True, help="Report synthesis time and time to first audio on stderr.")
def say(text: tuple[str, ...], no_audio: bool, voice: str | None, rate: int | None, volume: float | None,
        out: str | None, timing: bool) -> None:
    """Say a line aloud (and print it as a caption)."""
    from assistant.config import Settings
    from assistant.speech.tts.voice import Voice

    settings = Settings.load()
    for key, value in (("voice", voice), ("rate", rate), ("volume", volume)):
        if value is not None:
            settings = settings.with_value(key, value)  # same range checks as settings set
    line = " ".join(text)
    if out:
        _say_to_file(settings, line, out)
        return
    speaker = Voice(settings, no_audio=no_audio, strict=True, echo=click.echo)
    try:
        result = speaker.say(line)
    finally:
        speaker.close()
    if timing and not no_audio:
        first = f"{result.first_audio_ms:.0f} ms" if result.first_audio_ms is not None else t("tts.timing_no_audio")
        cached = t("tts.timing_cached") if result.cached else ""
        click.echo(t("tts.timing", synth_ms=result.synth_ms, cached=cached, first_audio=first,
                     duration_s=result.duration_s), err=True)


def _say_to_file(settings, line: str, out: str) -> None:
    from assistant.speech.tts.synthesizer import Synthesizer

    click.echo(t("tts.caption", text=line))
    with Synthesizer.from_settings(settings) as synth:
        audio = synth.synthesize(line)
    try:
        shutil.copyfile(audio.path, out)
    except OSError as exc:
        raise fail("say_out_unwritable", path=out, reason=exc) from exc
    click.echo(t("tts.saved", path=out, seconds=audio.seconds), err=True)


@click.command()
@click.option("--language", default=None, help="Only voices for this language code, e.g. en.")
def voices(language: str | None) -> None:
    """List the voices for speech, marking the configured one."""
    from assistant.config import Settings
    from assistant.speech.tts.synthesizer import Synthesizer

    settings = Settings.load()
    with Synthesizer.from_settings(settings) as synth:
        found = synth.voices()
    wanted = (settings.voice or "").casefold()
    for voice in found:
        if language and not any(lang.casefold().split("-")[0] == language.casefold() for lang in voice.languages):
            continue
        configured = bool(wanted) and wanted in (voice.id.casefold(), voice.name.casefold())
        mark = t("tts.voice_mark_configured") if configured else t("tts.voice_mark_other")
        click.echo(t("tts.voice_line", mark=mark, id=voice.id, name=voice.name, languages=", ".join(voice.languages)))
    click.echo(t("tts.voices_footer", voice=settings.voice or t("tts.default_voice")))


@click.command()
def devices() -> None:
    """List audio input and output devices, marking the defaults."""
    from assistant.audio.devices import list_devices, resolve_device
    from assistant.config import Settings

    settings = Settings.load()
    found = list_devices()
    for kind in ("input", "output"):
        configured = getattr(settings, f"{kind}_device")
        chosen = None
        if configured:
            try:
                chosen = resolve_device(configured, kind, found).index  # type: ignore[arg-type]
            except AssistantError:
                chosen = None
        click.echo(t("audio.devices_header", kind=t(f"audio.kind_{kind}")))
        usable = [d for d in found if d.has(kind)]  # type: ignore[arg-type]
        for d in usable:
            mark = t("audio.device_mark_default") if d.is_default(kind) else t("audio.device_mark_other")  # type: ignore[arg-type]
            click.echo(t("audio.device_line", mark=mark, index=d.index, name=d.name,
                         channels=d.inputs if kind == "input" else d.outputs, rate=d.default_rate,
                         configured=t("audio.device_configured") if d.index == chosen else ""))
        if not usable:
            click.echo(t("audio.devices_none"))


@click.group()
def settings() -> None:
    """Show or change settings (voice, rate, volume, devices, engine ...)."""


@settings.command(name="show")
def settings_show() -> None:
    """Print every setting and its value."""
    from assistant.config import Settings

    current = Settings.load()
    for f in fields(current):
        click.echo(t("audio.settings.line", name=f.name, value=getattr(current, f.name)))


@settings.command(name="set")
@click.argument("key")
@click.argument("value")
def settings_set(key: str, value: str) -> None:
    """Change one setting, e.g. assistant settings set rate 140."""
    from assistant.config import Settings

    updated = Settings.load().with_value(key, value)
    path = updated.save()
    click.echo(t("audio.settings.saved", name=key, value=getattr(updated, key), path=path))


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    hint: str = ""


def _check_espeak() -> Check:
    path = shutil.which("espeak-ng")
    if path:
        return Check(t("audio.doctor.espeak"), True, path)
    return Check(t("audio.doctor.espeak"), False, t("audio.doctor.espeak_missing"), t("audio.doctor.espeak_hint"))


def _check_synthesis() -> Check:
    import tempfile
    from pathlib import Path

    from assistant.speech.tts.synthesizer import Synthesizer

    name = t("audio.doctor.pyttsx3")
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory() as tmp, Synthesizer(cache_dir=Path(tmp)) as synth:
            audio = synth.synthesize("hello")
    except AssistantError as exc:
        return Check(name, False, exc.message, t("audio.doctor.pyttsx3_hint"))
    ms = (time.monotonic() - started) * 1000
    return Check(name, True, t("audio.doctor.pyttsx3_ok", seconds=audio.seconds, ms=ms))


def _device_checks() -> list[Check]:
    from assistant.audio.devices import device_from_settings, list_devices, resolve_device
    from assistant.config import Settings

    name = t("audio.doctor.portaudio")
    try:
        found = list_devices()
    except AssistantError as exc:
        return [Check(name, False, exc.message, exc.hint or t("audio.doctor.portaudio_hint"))]
    checks = [Check(name, True, t("audio.doctor.portaudio_ok"))]
    current = Settings.load()
    for kind in ("input", "output"):
        try:
            device = resolve_device(device_from_settings(current, kind), kind, found)  # type: ignore[arg-type]
            checks.append(Check(t(f"audio.doctor.{kind}"), True, t("audio.doctor.device_ok", name=device.name)))
        except AssistantError as exc:
            checks.append(Check(t(f"audio.doctor.{kind}"), False, exc.message, t("audio.doctor.device_hint")))
    return checks


def _model_checks() -> list[Check]:
    from assistant.config import Settings

    language = Settings.load().language
    vosk_name, whisper_name = t("audio.doctor.vosk_model", language=language), t("audio.doctor.whisper_model")
    try:
        from assistant.speech.models.catalog import find_vosk_model, whisper_model
    except (ImportError, AttributeError):  # built in parallel; a partial tree must not break doctor
        return [Check(vosk_name, False, t("audio.doctor.models_not_ready"), t("audio.doctor.models_hint"))]
    checks = []
    try:
        whisper = whisper_model()
        checks.append(Check(whisper_name, True, t("audio.doctor.model_ok", name=whisper.name)))
    except AssistantError as exc:
        checks.append(Check(whisper_name, False, exc.message, exc.hint or t("audio.doctor.models_hint")))
    try:
        vosk = find_vosk_model(language)
    except AssistantError as exc:
        vosk, problem = None, exc.message
    else:
        problem = t("errors.vosk_model_missing.message", language=language)
    if vosk is not None:
        checks.append(Check(vosk_name, True, t("audio.doctor.model_ok", name=vosk.name)))
    elif not (language.startswith("en") and checks[0].ok):  # English falls back to the embedded whisper
        checks.append(Check(vosk_name, False, problem, t("audio.doctor.models_hint")))
    return checks


def _check_home() -> Check:
    from assistant.config import ensure_home

    try:
        path = ensure_home()
    except AssistantError as exc:
        return Check(t("audio.doctor.home"), False, exc.message, t("audio.doctor.home_hint"))
    return Check(t("audio.doctor.home"), True, t("audio.doctor.home_ok", path=path))


def _all_checks() -> list[Check]:
    return [_check_espeak(), _check_synthesis(), *_device_checks(), *_model_checks(), _check_home()]


@click.command()
def doctor() -> None:
    """Check speech, sound devices, speech models and the home directory."""
    problems = 0
    for result in _all_checks():
        if result.ok:
            click.echo(t("audio.doctor.ok", check=result.name, detail=result.detail))
            continue
        problems += 1
        click.echo(t("audio.doctor.problem", check=result.name, detail=result.detail))
        if result.hint:
            click.echo(t("audio.doctor.fix", hint=result.hint))
    if problems:
        click.echo(t("audio.doctor.some_failed", problems=counted("problem", problems)))
        raise SystemExit(1)  # click.exceptions.Exit is swallowed outside standalone mode
    click.echo(t("audio.doctor.all_ok"))


COMMANDS: list[click.Command] = [say, voices, devices, settings, doctor]
