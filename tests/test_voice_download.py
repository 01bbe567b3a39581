"""Piper voices: `assistant models download` against the official list format served on 127.0.0.1 (the real
list cannot be fetched here: no internet but package registries), and `models install VOICE.onnx`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

NAME = "en_US-testvoice-medium"
FOLDER = "en/en_US/testvoice/medium"


@dataclass
class VoiceServer:
    """Serves voices.json and the files under their paths; records each request's path and Range header."""

    files: dict[str, bytes]
    url: str = ""
    truncate: dict[str, int] = field(default_factory=dict)  # path -> body bytes sent before hanging up
    wrong_md5: bool = False
    requests: list[tuple[str, str | None]] = field(default_factory=list)

    def voices_json(self) -> bytes:
        return json.dumps({NAME: {
            "key": NAME, "name": "testvoice", "language": {"code": "en_US", "family": "en"}, "quality": "medium",
            "num_speakers": 1, "aliases": [],
            "files": {path: {"size_bytes": len(data),
                             "md5_digest": "0" * 32 if self.wrong_md5 else hashlib.md5(data).hexdigest()}
                      for path, data in self.files.items()},
        }}).encode()


def _handler(state: VoiceServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            state.requests.append((self.path, self.headers.get("Range")))
            path = self.path.lstrip("/")
            if path == "voices.json":
                body, status, start = state.voices_json(), 200, 0
            elif path in state.files:
                body, status, start = state.files[path], 200, 0
                wanted = self.headers.get("Range", "")
                if wanted.startswith("bytes="):
                    start, status = int(wanted[6:].split("-")[0]), 206
            else:
                self.send_error(404)
                return
            self.send_response(status)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            payload = body[start:]
            if path in state.truncate:
                payload = payload[: state.truncate.pop(path)]
                self.close_connection = True
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def server(piper_voice_files):
    _model, config = piper_voice_files
    files = {f"{FOLDER}/{NAME}.onnx": os.urandom(20000), f"{FOLDER}/{NAME}.onnx.json": config.read_bytes(),
             f"{FOLDER}/MODEL_CARD": b"# Model card for testvoice\n"}
    state = VoiceServer(files)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def mirror_cli(cli_process):
    """mirror_cli(base, *args): the CLI in a process, with ``base`` as the Piper voice list mirror."""

    def run(base: str, *args: str) -> subprocess.CompletedProcess:
        return cli_process(*args, env={"ASSISTANT_PIPER_VOICES_URL": base}, timeout=120)

    return run


def one_error_line(result: subprocess.CompletedProcess, code: str) -> str:
    assert result.returncode == 1 and "Traceback" not in result.stderr, result
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error[{code}]"), result.stderr
    return result.stderr


def voice_dir(home: Path) -> Path:
    return home / "models" / "piper"


def test_download_installs_the_voice_whole(server, assistant_home, mirror_cli):
    done = mirror_cli(server.url, "models", "download", NAME, "--no-progress")
    assert done.returncode == 0, done.stderr
    installed = voice_dir(assistant_home) / NAME
    assert sorted(p.name for p in installed.iterdir()) == ["MODEL_CARD", f"{NAME}.onnx", f"{NAME}.onnx.json"]
    assert [p.name for p in voice_dir(assistant_home).iterdir()] == [NAME]  # no staging left
    assert (installed / f"{NAME}.onnx").read_bytes() == server.files[f"{FOLDER}/{NAME}.onnx"]
    assert [path for path, _ in server.requests] == ["/voices.json", f"/{FOLDER}/{NAME}.onnx",
                                                     f"/{FOLDER}/{NAME}.onnx.json", f"/{FOLDER}/MODEL_CARD"]
    listed = json.loads(mirror_cli(server.url, "models", "list", "--json").stdout)
    assert {"name": NAME, "source": "home", "language": "en_US"}.items() <= next(
        v for v in listed["voices"] if v["name"] == NAME).items()
    voices = mirror_cli(server.url, "voices").stdout.splitlines()
    assert any(NAME in line and line.startswith("  piper") for line in voices)
    again = mirror_cli(server.url, "models", "download", NAME)
    assert again.returncode == 0 and "already installed" in again.stdout and len(server.requests) == 4


def test_a_cut_download_keeps_its_part_and_resumes(server, assistant_home, mirror_cli):
    model = f"{FOLDER}/{NAME}.onnx"
    server.truncate[model] = 5000
    line = one_error_line(mirror_cli(server.url, "models", "download", NAME, "--no-progress"), "download_truncated")
    assert "again to resume" in line and not (voice_dir(assistant_home) / NAME).exists()
    done = mirror_cli(server.url, "models", "download", NAME, "--no-progress")
    assert done.returncode == 0, done.stderr
    assert (f"/{model}", "bytes=5000-") in server.requests
    assert (voice_dir(assistant_home) / NAME / f"{NAME}.onnx").read_bytes() == server.files[model]


def test_a_wrong_checksum_installs_nothing(server, assistant_home, mirror_cli):
    server.wrong_md5 = True
    one_error_line(mirror_cli(server.url, "models", "download", NAME), "download_checksum")
    assert not (voice_dir(assistant_home) / NAME).exists()
    assert not list((voice_dir(assistant_home)).rglob("*.part"))


def test_an_unknown_voice_suggests_close_names(server, mirror_cli):
    line = one_error_line(mirror_cli(server.url, "models", "download", "en_US-testvoic-medium"), "voice_unknown")
    assert NAME in line


def test_offline_says_how_to_sideload_a_voice(mirror_cli):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    line = one_error_line(mirror_cli(f"http://127.0.0.1:{port}", "models", "download", NAME), "voice_download_offline")
    assert "models install VOICE.onnx" in line


def test_sideloading_a_real_voice_then_speaking_with_it(piper_voice_files, tmp_path, assistant_home, mirror_cli):
    model, config = piper_voice_files
    copied = tmp_path / "en_US-sideloaded-medium.onnx"
    shutil.copyfile(model, copied)
    shutil.copyfile(config, f"{copied}.json")
    done = mirror_cli("", "models", "install", str(copied))
    assert done.returncode == 0 and "en_US-sideloaded-medium" in done.stdout, done.stderr
    said = mirror_cli("", "say", "--voice", "en_US-sideloaded-medium", "--output", str(tmp_path / "x.wav"), "Hello.")
    assert said.returncode == 0 and "piper voice en_US-sideloaded-medium" in said.stderr, said.stderr
    assert "warning" not in said.stderr


def test_sideloading_without_its_config_is_one_line(tmp_path, mirror_cli):
    lonely = tmp_path / "en_US-lonely-medium.onnx"
    lonely.write_bytes(os.urandom(4096))
    line = one_error_line(mirror_cli("", "models", "install", str(lonely)), "voice_invalid")
    assert "onnx.json" in line
