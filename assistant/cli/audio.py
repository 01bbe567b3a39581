"""Audio commands: ``say``, ``voices``, ``devices``, ``settings show|set``, ``doctor``.

The work lives in ``assistant.speech.tts`` (``select`` picks Piper or pyttsx3), ``assistant.audio.devices`` and
``assistant.config``; this module parses options and prints. Heavy imports (sounddevice, numpy, pyttsx3, piper)
happen inside the commands.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, fields

import click

from assistant.cli.options import usage_errors
from assistant.errors import AssistantError
from assistant.text import counted, fail, t

# A value given on the command line that settings refuse: a usage mistake (from the file it is not).
SETTING_MISTAKES = ("settings_unknown_key", "settings_bad_value", "settings_out_of_range", "settings_bad_choice")


@click.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--no-audio", is_flag=True, help="Print the caption only; do not synthesize or play.")
# --engine means the recogniser in every command; the voice that speaks is --voice-engine (setting tts_engine).
@click.option("--voice-engine", "voice_engine", type=click.Choice(["auto", "piper", "pyttsx3"]), default=None,
              help="Speech synthesis engine (default: settings tts_engine, auto = Piper when a Piper voice is "
                   "installed).")
@click.option("--voice", default=None, help="Voice id or name (default: settings; see assistant voices).")
@click.option("--rate", type=int, default=None, help="Words per minute, 60-400 (default: settings).")
@click.option("--volume", type=float, default=None, help="0.0-1.0 (default: settings).")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write a WAV file (with the active engine) instead of playing.")
@click.option("--timing", is_flag=True, help="Report synthesis time and time to first audio on stderr.")
def say(text: tuple[str, ...], no_audio: bool, voice_engine: str | None, voice: str | None, rate: int | None,
        volume: float | None, output: str | None, timing: bool) -> None:
    """Say a line aloud (and print it as a caption)."""
    from assistant.config import Settings
    from assistant.speech.tts.voice import Voice

    settings = Settings.load()
    for key, value in (("tts_engine", voice_engine), ("voice", voice), ("rate", rate), ("volume", volume)):
        if value is not None:
            with usage_errors(*SETTING_MISTAKES):
                settings = settings.with_value(key, value)  # same range checks as settings set
    if output or not no_audio:  # speech is cached in the home: an unusable one is one line before a voice loads
        from assistant.config import ensure_home

        ensure_home()
    line = " ".join(text)
    if output:
        _say_to_file(settings, line, output)
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
    """The line as a WAV file, made by whichever engine is active (and cached like a spoken line)."""
    from pathlib import Path

    from assistant.audio.formats import AudioFormat, wav_bytes
    from assistant.speech.tts.select import open_synthesizer

    click.echo(t("tts.caption", text=line))
    with open_synthesizer(settings, echo=click.echo) as synth:
        audio = synth.synthesize(line)
        info = synth.info
    try:
        Path(out).write_bytes(wav_bytes(audio.pcm, AudioFormat(audio.rate, 2, 1)))
    except OSError as exc:
        raise fail("say_out_unwritable", path=out, reason=exc) from exc
    click.echo(t("tts.saved", path=out, seconds=audio.seconds, engine=info.engine,
                 voice=info.voice or t("tts.default_voice")), err=True)


@click.command()
@click.option("--language", default=None, help="Only voices for this language code, e.g. en.")
def voices(language: str | None) -> None:
    """List the voices for speech (Piper and espeak-ng), marking the one speaking now."""
    from assistant.config import Settings
    from assistant.speech.tts.base import EngineName
    from assistant.speech.tts.select import all_voices, choose

    settings = Settings.load()
    found = all_voices(settings)
    choice = choose(settings)
    if choice.engine == EngineName.PIPER:
        active_engine, active = EngineName.PIPER.value, choice.piper_voice.name
    else:
        active_engine, active = EngineName.PYTTSX3.value, settings.voice or ""
    for voice in found:
        if language and not any(_language(lang) == language.casefold() for lang in voice.languages):
            continue
        is_active = voice.engine == active_engine and bool(active) and active.casefold() in (
            voice.id.casefold(), voice.name.casefold())
        mark = t("tts.voice_mark_configured") if is_active else t("tts.voice_mark_other")
        click.echo(t("tts.voice_line", mark=mark, engine=voice.engine, id=voice.id, name=voice.name,
                     languages=", ".join(voice.languages)))
    click.echo(t("tts.voices_footer", engine=active_engine, voice=active or t("tts.default_voice")))


def _language(code: str) -> str:
    """"en_US", "en-us", "en" → "en"."""
    return code.casefold().replace("_", "-").split("-")[0]


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
    """Show or change settings (tts_engine, voice, rate, volume, devices, engine ...)."""


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
    """Change one setting.

    For example: assistant settings set rate 140."""
    from assistant.config import Settings

    current = Settings.load()  # a broken settings file is not a usage mistake; the value given is
    with usage_errors(*SETTING_MISTAKES):
        updated = current.with_value(key, value)
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

    from assistant.speech.tts.pyttsx3_engine import Pyttsx3Engine
    from assistant.speech.tts.synthesizer import Synthesizer

    name = t("audio.doctor.pyttsx3")
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            engine = Pyttsx3Engine(scratch_dir=Path(tmp))
            with Synthesizer(engine, cache_dir=Path(tmp)) as synth:
                audio = synth.synthesize("hello")
    except AssistantError as exc:
        return Check(name, False, exc.message, t("audio.doctor.pyttsx3_hint"))
    ms = (time.monotonic() - started) * 1000
    return Check(name, True, t("audio.doctor.pyttsx3_ok", seconds=audio.seconds, ms=ms))


def _check_piper() -> Check:
    import tempfile
    from pathlib import Path

    from assistant.config import Settings
    from assistant.speech.models.piper_voices import find_voice
    from assistant.speech.tts.piper_engine import PiperEngine
    from assistant.speech.tts.synthesizer import Synthesizer

    name = t("audio.doctor.piper")
    settings = Settings.load()
    files = find_voice(settings.voice or "", settings.language) or find_voice("", "en")
    if files is None:
        if settings.tts_engine == "pyttsx3":
            return Check(name, True, t("audio.doctor.piper_not_used"))
        return Check(name, False, t("audio.doctor.piper_missing"), t("audio.doctor.piper_hint"))
    started = time.monotonic()
    try:
        engine = PiperEngine(files, settings.rate, settings.volume)
        engine.wait_loaded()  # the load, timed on its own
        loaded = time.monotonic()
        with tempfile.TemporaryDirectory() as tmp:
            audio = Synthesizer(engine, cache_dir=Path(tmp)).synthesize("hello")
    except AssistantError as exc:
        return Check(name, False, exc.message, exc.hint or t("audio.doctor.piper_hint"))
    ms = (time.monotonic() - loaded) * 1000
    return Check(name, True, t("audio.doctor.piper_ok", voice=files.name, load_s=loaded - started,
                               seconds=audio.seconds, ms=ms))


def _check_active_engine() -> Check:
    from assistant.config import Settings
    from assistant.speech.tts.select import choose

    settings = Settings.load()
    choice = choose(settings)
    voice = choice.piper_voice.name if choice.piper_voice is not None else settings.voice or t("tts.default_voice")
    return Check(t("audio.doctor.active_engine"), True, t("audio.doctor.active_engine_ok", engine=choice.engine,
                                                          voice=voice))


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
    from assistant.speech.models.catalog import find_vosk_model, whisper_model

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
    return [_check_espeak(), _check_synthesis(), _check_piper(), _check_active_engine(), *_device_checks(),
            *_model_checks(), _check_home()]


@click.command()
@click.option("--listen", is_flag=True,
              help="Only listen: a few seconds of the room, then one phrase you say; how well you will be heard.")
def doctor(listen: bool) -> None:
    """Check speech, sound devices, speech models and the home directory."""
    if listen:
        _listen()
        return
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


def _listen() -> None:
    """The room, then a phrase, through the microphone as a session hears it; the verdict in plain words."""
    from assistant.audio.devices import Microphone
    from assistant.config import Settings
    from assistant.practice.room_check import Verdict, measure, record, record_phrase

    room_s = 3.0
    with Microphone.from_settings(Settings.load()) as mic:
        click.echo(t("audio.listen.quiet_please", seconds=room_s))
        chunks = (chunk.audio for chunk in mic.chunks(timeout=2.0))
        record(chunks, 0.3)  # the device settling
        room = record(chunks, room_s)
        click.echo(t("audio.listen.say_phrase", phrase=t("audio.listen.phrase")))
        phrase = record_phrase(chunks)
    check = measure(room, phrase)
    click.echo(t("audio.listen.noise", noise_db=check.noise_db, loudness=t(f"audio.listen.{check.loudness}")))
    if check.voice_db is not None and check.snr_db is not None:
        click.echo(t("audio.listen.voice", voice_db=check.voice_db, snr_db=check.snr_db))
    else:
        click.echo(t("audio.listen.not_heard"))
    if check.talking:
        click.echo(t("audio.listen.talking"))
    click.echo(t(f"audio.listen.verdict_{check.verdict}"))
    for key in check.advice:
        click.echo(t("audio.doctor.fix", hint=t(f"audio.listen.{key}")))
    if check.verdict in (Verdict.NOISY, Verdict.QUIET, Verdict.NOT_HEARD):
        raise SystemExit(1)


COMMANDS: list[click.Command] = [say, voices, devices, settings, doctor]
