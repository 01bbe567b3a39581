"""Bad input, everywhere: every row must end in one ``error[...]`` line (usage errors: ``error[usage]``
for a usage mistake), a non-zero exit, and never a traceback.

Rows run in this process through ``assistant.cli.main`` (the ``run_cli`` fixture); only what needs a real
process (argv bytes that are not UTF-8, a hung speech worker) runs as a subprocess. Inputs are made
at run time: WAVs in memory, a ">4 h" WAV as a 44-byte header that only claims to be long.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# --- WAV files ---------------------------------------------------------------------------------------


def wav_header(rate: int = 16000, bits: int = 16, channels: int = 1, data_bytes: int = 0, tag: int = 1,
               fmt_size: int = 16) -> bytes:
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits) + b"\x00" * (fmt_size - 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", fmt_size) + fmt + b"data" + struct.pack("<I", data_bytes)
    return b"RIFF" + struct.pack("<I", min(len(body) + data_bytes, 2**32 - 1)) + body


def tone(seconds: float, rate: int = 16000, bits: int = 16, channels: int = 1) -> bytes:
    frames = int(seconds * rate)
    sample = {8: b"\x80", 16: b"\x00\x10", 24: b"\x00\x00\x10", 32: b"\x00\x00\x00\x10"}[bits]
    return wav_header(rate, bits, channels, frames * channels * len(sample)) + sample * frames * channels


FOUR_HOURS_AND_A_BIT = 4 * 3600 + 60

BAD_WAVS = {
    "empty": b"",
    "one_byte": b"R",
    "riff_only": b"RIFF",
    "riff_not_wave": b"RIFF\x24\x00\x00\x00AVI LIST",
    "header_cut_in_fmt": wav_header()[:24],
    "header_cut_before_data": wav_header()[:36],
    "header_no_data": wav_header(),
    "data_claimed_not_there": wav_header(data_bytes=32000),
    "one_odd_byte_of_data": wav_header(data_bytes=1) + b"\x01",
    "8bit_no_frames": wav_header(bits=8),
    "stereo_no_frames": wav_header(channels=2),
    "8khz_no_frames": wav_header(rate=8000),
    "96khz_no_frames": wav_header(rate=96000),
    "zero_channels": wav_header(channels=0, data_bytes=4) + b"\x00" * 4,
    "zero_rate": wav_header(rate=0, data_bytes=4) + b"\x00" * 4,
    "rate_500": wav_header(rate=500, data_bytes=4) + b"\x00" * 4,
    "rate_1mhz": wav_header(rate=1_000_000, data_bytes=4) + b"\x00" * 4,
    "64_bit_int": wav_header(bits=64, data_bytes=16) + b"\x00" * 16,
    "mp3_in_wav": wav_header(tag=0x55, data_bytes=4) + b"\x00" * 4,
    "adpcm": wav_header(tag=2, data_bytes=4) + b"\x00" * 4,
    "float_16bit": wav_header(tag=3, bits=16, data_bytes=4) + b"\x00" * 4,
    "float_no_data_chunk": wav_header(tag=3, bits=32)[:36],
    "float_empty": wav_header(tag=3, bits=32),
    "huge_16k_mono": wav_header(data_bytes=FOUR_HOURS_AND_A_BIT * 16000 * 2),
    "huge_8k_8bit": wav_header(rate=8000, bits=8, data_bytes=FOUR_HOURS_AND_A_BIT * 8000),
    "huge_96k_8bit": wav_header(rate=96000, bits=8, data_bytes=FOUR_HOURS_AND_A_BIT * 96000),
    "mp3_bytes": b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb" * 200,
    "png_bytes": b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
    "text": b"this is not audio, it is words\n" * 20,
    "latin1_text": "héllo wörld ".encode("latin-1") * 20,
}

ODD_BUT_VALID_WAVS = {
    "8bit": tone(1.0, bits=8),
    "stereo": tone(1.0, channels=2),
    "8khz": tone(1.0, rate=8000),
    "96khz": tone(1.0, rate=96000),
    "24bit": tone(1.0, bits=24),
    "12bit_in_16": wav_header(bits=12, data_bytes=32000) + b"\x00\x10" * 16000,  # 12 significant bits, 16-bit container
}


@pytest.fixture()
def wav_dir(tmp_path) -> Path:
    folder = tmp_path / "wavs"
    folder.mkdir()
    for name, data in {**BAD_WAVS, **ODD_BUT_VALID_WAVS}.items():
        (folder / f"{name}.wav").write_bytes(data)
    (folder / "a_directory.wav").mkdir()
    (folder / "loop.wav").symlink_to(folder / "loop.wav")
    return folder


SPECIAL_PATHS = ["a_directory", "missing", "loop", "long_name", "dev_null"]


def bad_wav_path(folder: Path, name: str) -> str:
    if name == "missing":
        return str(folder / "not-there.wav")
    if name == "long_name":
        return str(folder / ("x" * 300 + ".wav"))
    if name == "dev_null":
        return os.devnull
    return str(folder / f"{name}.wav")


WAV_COMMANDS = {
    "debrief_audio_in": lambda f: ["debrief", "--no-audio", "--audio-in", f],
    "practice_positional": lambda f: ["practice", "checkin", "--no-audio", f],
    "transcribe": lambda f: ["transcribe", "--engine", "whisper", f],
}


@pytest.mark.parametrize("command", list(WAV_COMMANDS))
@pytest.mark.parametrize("name", [*BAD_WAVS, *SPECIAL_PATHS])
def test_bad_wavs_are_one_line(wav_dir, command, name, run_cli):
    done = run_cli(*WAV_COMMANDS[command](bad_wav_path(wav_dir, name)))
    assert done.one_line_error(), done
    assert "audio_" in done.stderr or "error[usage]" in done.stderr, done.stderr


@pytest.mark.parametrize("name", list(ODD_BUT_VALID_WAVS))
def test_odd_but_valid_wavs_are_converted_not_refused(wav_dir, name, run_cli):
    done = run_cli("transcribe", "--engine", "whisper", str(wav_dir / f"{name}.wav"))
    assert done.exit_code == 0 and "Traceback" not in done.stderr, done


# --- Prompt scripts -------------------------------------------------------------------------------

OK_STEP = '[[steps]]\nid = "q"\ntype = "ask"\nfield = "feeling"\ntext = "How do you feel?"\n'

BAD_SCRIPTS = {
    "not_toml": "this is [not toml",
    "empty": "",
    "only_title": 'title = "Nothing to do"\n',
    "steps_not_list": 'steps = "ask"\n',
    "steps_empty": "steps = []\n",
    "steps_of_numbers": "steps = [1, 2]\n",
    "unknown_top_key": 'colour = "blue"\n' + OK_STEP,
    "name_mismatch": 'name = "other"\n' + OK_STEP,
    "title_number": "title = 3\n" + OK_STEP,
    "description_list": "description = [1]\n" + OK_STEP,
    "closing_string": 'closing = "yes"\n' + OK_STEP,
    "step_no_id": '[[steps]]\ntype = "say"\ntext = "hi"\n',
    "step_no_type": '[[steps]]\nid = "a"\ntext = "hi"\n',
    "step_unknown_type": '[[steps]]\nid = "a"\ntype = "sing"\ntext = "hi"\n',
    "step_type_number": '[[steps]]\nid = "a"\ntype = 5\ntext = "hi"\n',
    "step_id_upper": '[[steps]]\nid = "Hello"\ntype = "say"\ntext = "hi"\n',
    "step_id_number": '[[steps]]\nid = 7\ntype = "say"\ntext = "hi"\n',
    "step_id_space": '[[steps]]\nid = "a b"\ntype = "say"\ntext = "hi"\n',
    "duplicate_id": '[[steps]]\nid = "a"\ntype = "say"\ntext = "hi"\n[[steps]]\nid = "a"\ntype = "say"\ntext = "x"\n',
    "unknown_step_key": '[[steps]]\nid = "a"\ntype = "say"\ntext = "hi"\nvolume = 3\n',
    "key_for_other_type": '[[steps]]\nid = "a"\ntype = "say"\ntext = "hi"\nseconds = 3\n',
    "say_no_text": '[[steps]]\nid = "a"\ntype = "say"\n',
    "say_blank_text": '[[steps]]\nid = "a"\ntype = "say"\ntext = "   "\n',
    "text_number": '[[steps]]\nid = "a"\ntype = "say"\ntext = 4\n',
    "ask_no_field": '[[steps]]\nid = "a"\ntype = "ask"\ntext = "hi?"\n',
    "ask_no_text": '[[steps]]\nid = "a"\ntype = "ask"\nfield = "f"\n',
    "field_upper": '[[steps]]\nid = "a"\ntype = "ask"\nfield = "Feel"\ntext = "hi?"\n',
    "field_reserved": '[[steps]]\nid = "a"\ntype = "ask"\nfield = "round"\ntext = "hi?"\n',
    "field_number": '[[steps]]\nid = "a"\ntype = "ask"\nfield = 3\ntext = "hi?"\n',
    "duplicate_field": OK_STEP + '[[steps]]\nid = "b"\ntype = "ask"\nfield = "feeling"\ntext = "again?"\n',
    "unknown_kind": '[[steps]]\nid = "a"\ntype = "ask"\nfield = "f"\ntext = "hi?"\nkind = "colour"\n',
    "choice_no_choices": '[[steps]]\nid = "a"\ntype = "ask"\nfield = "f"\ntext = "hi?"\nkind = "choice"\n',
    "choice_one_choice": '[[steps]]\nid = "a"\ntype = "ask"\nfield = "f"\ntext = "hi?"\nkind = "choice"\n'
                         'choices = ["x"]\n',
    "choice_empty_string": '[[steps]]\nid = "a"\ntype = "ask"\nfield = "f"\ntext = "hi?"\nkind = "choice"\n'
                           'choices = ["x", ""]\n',
    "choices_numbers": '[[steps]]\nid = "a"\ntype = "ask"\nfield = "f"\ntext = "hi?"\nkind = "choice"\n'
                       'choices = [1, 2]\n',
    "choices_on_text": '[[steps]]\nid = "a"\ntype = "ask"\nfield = "f"\ntext = "hi?"\nchoices = ["x", "y"]\n',
    "optional_string": '[[steps]]\nid = "a"\ntype = "ask"\nfield = "f"\ntext = "hi?"\noptional = "yes"\n',
    "confirm_number": '[[steps]]\nid = "a"\ntype = "ask"\nfield = "f"\ntext = "hi?"\nconfirm = 3\n',
    "help_number": '[[steps]]\nid = "a"\ntype = "ask"\nfield = "f"\ntext = "hi?"\nhelp = 3\n',
    "pause_no_seconds": '[[steps]]\nid = "a"\ntype = "pause"\n',
    "pause_zero": '[[steps]]\nid = "a"\ntype = "pause"\nseconds = 0\n',
    "pause_negative": '[[steps]]\nid = "a"\ntype = "pause"\nseconds = -5\n',
    "pause_bool": '[[steps]]\nid = "a"\ntype = "pause"\nseconds = true\n',
    "pause_string": '[[steps]]\nid = "a"\ntype = "pause"\nseconds = "10"\n',
    "pause_nan": '[[steps]]\nid = "a"\ntype = "pause"\nseconds = nan\n',
    "pause_inf": '[[steps]]\nid = "a"\ntype = "pause"\nseconds = inf\n',
    "breathe_no_pattern": '[[steps]]\nid = "a"\ntype = "breathe"\n',
    "breathe_blank_pattern": '[[steps]]\nid = "a"\ntype = "breathe"\npattern = " "\n',
    "when_unknown_field": '[[steps]]\nid = "a"\ntype = "say"\ntext = "hi"\nwhen = "mood > 3"\n',
    "when_garbage": OK_STEP + '[[steps]]\nid = "b"\ntype = "say"\ntext = "hi"\nwhen = "feeling === $"\n',
    "when_unbalanced": OK_STEP + '[[steps]]\nid = "b"\ntype = "say"\ntext = "hi"\nwhen = "(feeling == 3"\n',
    "when_dangling_op": OK_STEP + '[[steps]]\nid = "b"\ntype = "say"\ntext = "hi"\nwhen = "feeling =="\n',
    "when_empty": OK_STEP + '[[steps]]\nid = "b"\ntype = "say"\ntext = "hi"\nwhen = ""\n',
    "when_number": OK_STEP + '[[steps]]\nid = "b"\ntype = "say"\ntext = "hi"\nwhen = 3\n',
    "when_literal_only": OK_STEP + '[[steps]]\nid = "b"\ntype = "say"\ntext = "hi"\nwhen = "3"\n',
    "when_python": OK_STEP + '[[steps]]\nid = "b"\ntype = "say"\ntext = "hi"\nwhen = "__import__(\'os\')"\n',
    "placeholder_unknown": '[[steps]]\nid = "a"\ntype = "say"\ntext = "You said {mood}"\n',
    "placeholder_format_spec": OK_STEP + '[[steps]]\nid = "b"\ntype = "say"\ntext = "{feeling:>10}"\n',
    "placeholder_attribute": OK_STEP + '[[steps]]\nid = "b"\ntype = "say"\ntext = "{feeling.__class__}"\n',
    "placeholder_unclosed": OK_STEP + '[[steps]]\nid = "b"\ntype = "say"\ntext = "{feeling"\n',
    "placeholder_index": OK_STEP + '[[steps]]\nid = "b"\ntype = "say"\ntext = "{0}"\n',
    "repeat_not_table": OK_STEP.replace('text = "How', 'repeat = 3\ntext = "How'),
    "repeat_from_unknown": OK_STEP + 'repeat = { from = "zzz", rounds = 2 }\n',
    "repeat_rounds_zero": OK_STEP + 'repeat = { from = "q", rounds = 0 }\n',
    "repeat_rounds_21": OK_STEP + 'repeat = { from = "q", rounds = 21 }\n',
    "repeat_rounds_bool": OK_STEP + 'repeat = { from = "q", rounds = true }\n',
    "repeat_rounds_float": OK_STEP + 'repeat = { from = "q", rounds = 2.5 }\n',
    "repeat_while_bad": OK_STEP + 'repeat = { from = "q", rounds = 2, while = "nope >" }\n',
    "repeat_from_later": '[[steps]]\nid = "a"\ntype = "say"\ntext = "hi"\nrepeat = { from = "b", rounds = 2 }\n'
                         '[[steps]]\nid = "b"\ntype = "say"\ntext = "x"\n',
}
BAD_SCRIPT_BYTES = {
    "latin1": ('title = "Caf\u00e9 talk"\n' + OK_STEP).encode("latin-1"),
    "utf16": ('title = "x"\n' + OK_STEP).encode("utf-16"),
    "binary": bytes(range(256)) * 4,
    "nul_bytes": b'title = "a\x00b"\n' + OK_STEP.encode(),
}


def _script_rows():
    rows = [(name, text.encode()) for name, text in BAD_SCRIPTS.items()]
    return rows + list(BAD_SCRIPT_BYTES.items())


@pytest.mark.parametrize("command", ["practice", "prompts_show"])
@pytest.mark.parametrize("name,content", _script_rows(), ids=[n for n, _ in _script_rows()])
def test_broken_scripts_are_one_line(assistant_home, command, name, content, run_cli):
    folder = assistant_home / "scripts"
    folder.mkdir(parents=True)
    script = name.replace("_", "-")
    (folder / f"{script}.toml").write_bytes(content)
    args = ["practice", script, "--text", "--no-audio"] if command == "practice" else ["prompts", "show", script]
    done = run_cli(*args, stdin="fine\n")
    assert done.one_line_error(), done
    assert "script_invalid" in done.stderr, done.stderr


# --- Model folders -----------------------------------------------------------------------------------


def make_model_dir(root: Path, how: str) -> Path:
    model = root / f"model-{how}"
    if how == "missing":
        return model
    if how == "a_file":
        model.write_text("not a folder")
        return model
    model.mkdir()
    files = {"am/final.mdl": b"garbage", "conf/model.conf": b"--min-active=200\n", "graph/HCLG.fst": b"garbage",
             "graph/words.txt": b"a 1\n"}
    keep = {
        "empty": [],
        "only_am": ["am/final.mdl"],
        "no_conf": ["am/final.mdl", "graph/HCLG.fst", "graph/words.txt"],
        "no_graph": ["am/final.mdl", "conf/model.conf"],
        "no_am": ["conf/model.conf", "graph/HCLG.fst", "graph/words.txt"],
    }.get(how)
    if how == "whisper_for_vosk":
        (model / "model.bin").write_bytes(b"garbage")
        (model / "config.json").write_text("{}")
        return model
    if how == "nested":
        inner = model / "vosk-model-small-en-us-0.15"
        for rel, data in files.items():
            (inner / rel).parent.mkdir(parents=True, exist_ok=True)
            (inner / rel).write_bytes(data)
        return model
    for rel in files if keep is None else keep:
        (model / rel).parent.mkdir(parents=True, exist_ok=True)
        (model / rel).write_bytes(files[rel])
    return model


MODEL_CASES = ["missing", "a_file", "empty", "only_am", "no_conf", "no_graph", "no_am", "whisper_for_vosk",
               "nested"]


@pytest.mark.parametrize("how", MODEL_CASES)
def test_bad_vosk_model_dirs_are_one_line(tmp_path, speak, how, run_cli):
    model = make_model_dir(tmp_path, how)
    done = run_cli("transcribe", "--engine", "vosk", "--model", str(model), str(speak("hello")))
    assert done.one_line_error(), done


@pytest.mark.parametrize("how", ["garbage_whisper", "empty", "vosk_for_whisper"])
def test_bad_whisper_model_dirs_are_one_line(tmp_path, speak, how, run_cli):
    model = tmp_path / "whisper"
    model.mkdir()
    if how == "garbage_whisper":
        (model / "model.bin").write_bytes(b"\x00garbage" * 100)
        (model / "config.json").write_text("{not json")
    elif how == "vosk_for_whisper":
        (model / "am").mkdir()
        (model / "am" / "final.mdl").write_bytes(b"x")
    done = run_cli("transcribe", "--engine", "whisper", "--model", str(model), str(speak("hello")))
    assert done.one_line_error(), done


def test_bad_model_installs_are_one_line(tmp_path, run_cli):
    bad_zip = tmp_path / "bad.zip"
    bad_zip.write_bytes(b"PK\x03\x04 not really a zip")
    unsafe = tmp_path / "unsafe.zip"
    with zipfile.ZipFile(unsafe, "w") as zf:
        zf.writestr("../../evil/am/final.mdl", "x")
    text = tmp_path / "model.txt"
    text.write_text("hello")
    empty_zip = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty_zip, "w"):
        pass
    for args in (["models", "install", str(tmp_path / "none.zip")], ["models", "install", str(bad_zip)],
                 ["models", "install", str(unsafe)], ["models", "install", str(text)],
                 ["models", "install", str(empty_zip)], ["models", "install", str(tmp_path), "--name", "../x"],
                 ["models", "download", "no-such-model-anywhere"], ["models", "download", "../../etc"]):
        done = run_cli(*args)
        assert done.one_line_error(), (args, done)
    assert not (tmp_path.parent / "evil").exists()


# --- CLI arguments out of range ------------------------------------------------------------------------

OUT_OF_RANGE = [
    ["settings", "set", "rate", "59"], ["settings", "set", "rate", "401"], ["settings", "set", "rate", "fast"],
    ["settings", "set", "rate", "1e999"], ["settings", "set", "rate", ""], ["settings", "set", "volume", "-0.1"],
    ["settings", "set", "volume", "1.5"], ["settings", "set", "volume", "nan"], ["settings", "set", "volume", "inf"],
    ["settings", "set", "end_silence_s", "0.1"], ["settings", "set", "end_silence_s", "11"],
    ["settings", "set", "max_answer_s", "4"], ["settings", "set", "max_answer_s", "99999"],
    ["settings", "set", "engine", "siri"], ["settings", "set", "no_such_key", "1"],
    ["settings", "set", "keep_audio", "maybe"], ["settings", "set", "rate"],
    ["ladder", "add", "Call Sam", "--fear", "11"], ["ladder", "add", "Call Sam", "--fear", "-1"],
    ["ladder", "add", "Call Sam", "--fear", "high"], ["ladder", "add", "Call Sam"],
    ["ladder", "add", "", "--fear", "3"], ["ladder", "add", "   ", "--fear", "3"],
    ["ladder", "add", "Call Sam", "--fear", "3", "--on", "someday"],
    ["ladder", "add", "Call Sam", "--fear", "3", "--on", "2026-02-30"],
    ["ladder", "edit", "999", "--fear", "5"], ["ladder", "edit", "abc", "--fear", "5"],
    ["ladder", "show", "999"], ["ladder", "show", "-1"], ["ladder", "move", "1"],
    ["ladder", "archive", "12345678901234567890"], ["ladder", "list", "--goal", "no such goal"],
    ["rhythm", "add", "Coffee", "--every", "garbage"], ["rhythm", "add", "Coffee", "--every", ""],
    ["rhythm", "add", "Coffee", "--every", "fri 25:00"], ["rhythm", "add", "Coffee", "--every", "funday 10:00"],
    ["rhythm", "add", "Coffee", "--every", "fri 10:00", "--interval", "0"],
    ["rhythm", "add", "Coffee", "--every", "fri 10:00", "--interval", "-2"],
    ["rhythm", "add", "Coffee", "--every", "fri 10:00", "--interval", "999"],
    ["rhythm", "add", "", "--every", "fri 10:00"], ["rhythm", "add", "Coffee"],
    ["rhythm", "remove", "999"], ["rhythm", "export"],
    ["plan", "set", "minutes", "-5"], ["plan", "set", "disclosures", "-1"], ["plan", "set", "new_topics", "99999"],
    ["plan", "set", "hugs", "3"], ["plan", "set", "minutes", "lots"],
    ["entries", "list", "--since", "garbage"], ["entries", "list", "--since", "2026-13-01"],
    ["entries", "list", "--since", "2026-02-30"], ["entries", "list", "--until", "-5d"],
    ["entries", "list", "--since", "99999d"], ["entries", "list", "--until", "tomorrowish"],
    ["entries", "export", "--format", "xml"], ["entries", "export", "--format", ""],
    ["entries", "export", "--format", "pdf"], ["entries", "export", "--since", "last tuesday"],
    ["entries", "search", ""], ["entries", "search", "  "], ["entries", "search", "x", "--limit", "0"],
    ["entries", "search", "x", "--limit", "1001"], ["entries", "show", ""], ["entries", "show", "nope"],
    ["entries", "delete", "nope", "--yes"],
    ["debrief", "--text", "--confirm", "sometimes"], ["debrief", "--text", "--engine", "siri"],
    ["transcribe", "--engine", "vosk", "--language", "xx", "/nonexistent.wav"],
    ["breathe", "--cycles", "0", "--text", "--no-audio"], ["breathe", "--cycles", "501", "--text", "--no-audio"],
    ["breathe", "--minutes", "0", "--text", "--no-audio"], ["breathe", "--minutes", "61", "--text", "--no-audio"],
    ["breathe", "--cycles", "3", "--minutes", "2", "--text", "--no-audio"],
    ["breathe", "--pattern", "abc", "--text", "--no-audio"], ["breathe", "--pattern", "0-0-0", "--text", "--no-audio"],
    ["breathe", "--pattern", "100-1-1", "--text", "--no-audio"], ["breathe", "no-such-pattern", "--text", "--no-audio"],
    ["breathe", "--minutes", "nan", "--text", "--no-audio"],
    ["say", "--rate", "10", "hello"], ["say", "--volume", "3", "hello"], ["say", "--no-audio"],
    ["report", "-o", "/proc/nope/report.html"], ["rhythm", "export", "-o", "/proc/nope/r.ics"],
    ["entries", "export", "-o", "/proc/nope/x.md"], ["backup", "-o", "/proc/nope/b.db"],
    ["restore", "/proc/nope/b.db"], ["restore"], ["forget"], ["resume", "--text"],
    ["practice", "no-such-script", "--text"], ["prompts", "show", "no-such-script"],
    ["no-such-command"], ["transcribe"], ["models", "install"], ["journal", "decrypt"],
]


@pytest.mark.parametrize("args", OUT_OF_RANGE, ids=[" ".join(a)[:60] for a in OUT_OF_RANGE])
def test_out_of_range_arguments_are_one_line(args, run_cli):
    done = run_cli(*args, stdin="")
    assert done.one_line_error(), done


# Mistakes in how a command was called: error[usage] and status 2 (the README's convention), whether
# click or the library is what notices them.
USAGE_MISTAKES = [
    ["ladder", "move", "1", "--before", "2", "--after", "3"], ["ladder", "move", "1"],
    ["plan", "set", "bogus", "3"], ["plan", "set", "disclosures", "-1"], ["plan", "set", "minutes", "-5"],
    ["plan", "set", "new_topics", "99999"], ["plan", "set", "minutes", "lots"],
    ["entries", "export", "--format", "xml"], ["no-such-command"], ["transcribe"], ["restore"],
    ["debrief", "--text", "--confirm", "sometimes"], ["entries", "list", "--since", "garbage"],
    ["entries", "export", "--until", "2026-02-30"], ["entries", "search", "  "],
    ["settings", "set", "rate", "59"], ["settings", "set", "engine", "siri"], ["settings", "set", "no_such_key", "1"],
    ["settings", "set", "rate", "fast"], ["say", "--rate", "10", "hello"], ["say", "--volume", "3", "hello"],
    ["rhythm", "add", "Coffee", "--every", "garbage"], ["rhythm", "add", "Coffee", "--every", "fri 10:00",
                                                       "--interval", "0"],
    ["rhythm", "add", "", "--every", "fri 10:00"], ["ladder", "add", "Call Sam", "--fear", "11"],
    ["ladder", "add", "  ", "--fear", "3"], ["breathe", "--pattern", "abc", "--text", "--no-audio"],
    ["breathe", "--cycles", "0", "--text", "--no-audio"], ["breathe", "no-such-pattern", "--text", "--no-audio"],
    ["breathe", "--cycles", "3", "--minutes", "2", "--text", "--no-audio"],
]


@pytest.mark.parametrize("args", USAGE_MISTAKES, ids=[" ".join(a) for a in USAGE_MISTAKES])
def test_usage_mistakes_are_usage_errors(args, run_cli):
    from assistant.growth import ladder
    from assistant.journal.store import Store

    with Store.open() as store:
        for text in ("say hello", "ask a question", "share a worry"):
            ladder.add_step(store, text, 3, "closer friendships")
    done = run_cli(*args, stdin="")
    assert done.one_line_error() and done.exit_code == 2 and done.stderr.startswith("error[usage]"), done


# --- Homes that cannot be used -------------------------------------------------------------------------

HOME_COMMANDS = [["entries", "list"], ["checkin", "--text", "--no-audio"], ["ladder", "add", "Call", "--fear", "2"],
                 ["settings", "set", "rate", "120"], ["backup"], ["plan"], ["resume", "--text"],
                 ["say", "-o", "x.wav", "hi"], ["journal", "encrypt"]]


@pytest.mark.parametrize("which", ["proc_missing", "proc_readonly", "a_file", "under_a_file"])
@pytest.mark.parametrize("args", HOME_COMMANDS, ids=["-".join(a[:2]) for a in HOME_COMMANDS])
def test_unusable_home_is_one_line(tmp_path, which, args, run_cli):
    a_file = tmp_path / "plain-file"
    a_file.write_text("x")
    home = {"proc_missing": "/proc/nope", "proc_readonly": "/proc/sys", "a_file": str(a_file),
            "under_a_file": str(a_file / "home")}[which]
    done = run_cli("--home", home, *args, stdin="")
    assert done.one_line_error(), done


# --- FTS queries: any text is a search, never an error ----------------------------------------------

FTS_QUERIES = ['"', '""', '"panic', "panic\"", "'", "panic OR", "OR", "AND", "NOT panic", "NEAR(panic work)",
               "panic*", "*", "**", "pan*ic", "^panic", "-panic", "+panic", "panic:work", "answers_fts:panic",
               "(", ")", "((panic)", "{panic}", "[panic]", "panic AND (work OR", "\\", "%", "_", "a" * 2000,
               "🙂", "ünïcödé", "\u200b", "panic\x00work", "select * from answers", "'; DROP TABLE answers; --",
               "NEAR", "col:val*", "text:panic", "field:what_happened"]


@pytest.mark.parametrize("query", FTS_QUERIES)
def test_fts_queries_full_of_operators_just_search(query, run_cli):
    from assistant.events import SessionEvent
    from assistant.journal.store import Store

    with Store.open() as store:
        store.record(SessionEvent("answer", "s1", "checkin", field="what_happened", kind="text",
                                  value="panic at work", text="panic at work"))
    done = run_cli("entries", "search", "--", query)
    assert done.exit_code == 0 and "Traceback" not in done.stderr, done
    if "panic" in query and "NOT" not in query:
        assert "[panic]" in done.stdout or "No answers" in done.stdout


# --- Text that is not UTF-8 ------------------------------------------------------------------------


def assistant_bytes(*args: bytes, stdin: bytes = b"", home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, ASSISTANT_HOME=str(home))
    return subprocess.run([sys.executable.encode(), b"-m", b"assistant", *args], input=stdin, capture_output=True,
                          env=env, timeout=60)


NON_UTF8_ARGV = [
    [b"ladder", b"add", b"caf\xe9 with Sam", b"--fear", b"3"],
    [b"rhythm", b"add", b"\xff\xfe", b"--every", b"fri 10:00"],
    [b"entries", b"search", b"\xff\xfepanic"],
    [b"settings", b"set", b"voice", b"\xe9"],
    [b"practice", b"\xff", b"--text"],
    [b"entries", b"list", b"--since", b"\xff"],
    [b"entries", b"export", b"--format", b"\xff"],
]


def test_non_utf8_argv_and_stdin_never_crash(assistant_home):
    for args in NON_UTF8_ARGV:
        done = assistant_bytes(*args, home=assistant_home)
        assert b"Traceback" not in done.stderr, (args, done.stderr.decode(errors="replace"))
        assert len([line for line in done.stderr.splitlines() if line.startswith(b"error[")]) <= 1
    typed = assistant_bytes(b"checkin", b"--text", b"--no-audio", stdin=b"lonely \xff\xfe\nfour\nyes\n\xe9t\xe9\n",
                            home=assistant_home)
    assert typed.returncode == 0 and b"Traceback" not in typed.stderr, typed.stderr
    listed = assistant_bytes(b"entries", b"export", b"--format", b"json", home=assistant_home)
    assert listed.returncode == 0 and "\ufffd".encode() in listed.stdout


def test_non_utf8_settings_file_is_one_line(assistant_home, run_cli):
    assistant_home.mkdir()
    (assistant_home / "settings.toml").write_bytes(b'voice = "caf\xe9"\n')
    for args in (["settings", "show"], ["checkin", "--text", "--no-audio"], ["say", "--no-audio", "hi"]):
        done = run_cli(*args, stdin="")
        assert done.one_line_error() and "settings_unreadable" in done.stderr, (args, done)


# --- No audio devices, and a speech engine that hangs ------------------------------------------------


def test_configured_device_that_does_not_exist_never_crashes(run_cli):
    assert run_cli("settings", "set", "input_device", "no-such-device").exit_code == 0
    assert run_cli("settings", "set", "output_device", "no-such-speaker").exit_code == 0
    for args in (["devices"], ["say", "hello"]):
        done = run_cli(*args)
        assert "Traceback" not in done.stderr and len(done.error_lines) <= 1, (args, done)
        if done.exit_code:
            assert done.one_line_error(), (args, done)


def test_a_hung_speech_worker_is_one_line(monkeypatch, tmp_path, run_cli):
    """The pyttsx3 engine has no environment override for its worker, so this row patches the module in-process."""
    from assistant.speech.tts import pyttsx3_engine as tts

    monkeypatch.setattr(tts, "WORKER_COMMAND", (sys.executable, "-c", "import time; time.sleep(60)"))
    monkeypatch.setitem(tts.Pyttsx3Engine.__init__.__kwdefaults__, "timeout_s", 0.5)
    done = run_cli("say", "--voice-engine", "pyttsx3", "-o", str(tmp_path / "x.wav"), "hello there")
    assert done.one_line_error() and "tts_failed" in done.stderr, done
