"""`assistant models download` against a real HTTP server on 127.0.0.1 (Range, truncation, bad md5, offline)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import subprocess
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.config import models_dir
from assistant.speech.models import catalog as models

NAME = "vosk-model-small-en-us-0.15"


def fake_model_zip(name: str) -> bytes:
    """A zip of a small tree that passes Vosk validation, under one top dir, as upstream zips are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in ("am/final.mdl", "conf/model.conf", "graph/HCLr.fst", "graph/Gr.fst", "README"):
            zf.writestr(f"{name}/{rel}", os.urandom(3000))  # incompressible, so truncation points are real
    return buffer.getvalue()


@dataclass
class ModelServer:
    """What the handler serves and how it misbehaves; it records every request's path and Range header."""

    zips: dict[str, bytes]
    url: str = ""
    truncate_at: int | None = None  # send only this many body bytes, then hang up
    wrong_md5: bool = False
    honor_range: bool = True
    missing: set[str] = field(default_factory=set)  # listed, but no zip
    requests: list[tuple[str, str | None]] = field(default_factory=list)

    def model_list(self) -> bytes:
        return json.dumps([
            {"lang": "en-us", "lang_text": "US English", "name": name, "obsolete": "false", "size": len(data),
             "md5": "0" * 32 if self.wrong_md5 else hashlib.md5(data).hexdigest(), "size_text": "9KiB",
             "type": "small", "url": f"https://alphacephei.com/vosk/models/{name}.zip", "version": "0.15"}
            for name, data in self.zips.items()
        ]).encode()


def _handler(state: ModelServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            state.requests.append((self.path, self.headers.get("Range")))
            name = self.path.lstrip("/").removesuffix(".zip")
            if self.path == "/model-list.json":
                body, status, start = state.model_list(), 200, 0
            elif self.path.endswith(".zip") and name in state.zips and name not in state.missing:
                body, status, start = state.zips[name], 200, 0
                wanted = self.headers.get("Range", "")
                if wanted.startswith("bytes=") and state.honor_range:
                    start, status = int(wanted[6:].split("-")[0]), 206
            else:
                self.send_error(404)
                return
            self.send_response(status)
            self.send_header("Content-Length", str(len(body) - start))
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            self.end_headers()
            payload = body[start:]
            if state.truncate_at is not None and self.path.endswith(".zip"):
                payload = payload[: state.truncate_at]
                self.close_connection = True
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def server():
    german = "vosk-model-small-de-0.15"
    state = ModelServer({NAME: fake_model_zip(NAME), german: fake_model_zip(german)})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def models_cli(cli_process):
    """models_cli(home, base, *args): ``assistant models ARGS`` in a process, with ``base`` as the mirror."""

    def run(home: Path, base: str, *args: str) -> subprocess.CompletedProcess:
        env = {"ASSISTANT_HOME": str(home), "ASSISTANT_MODELS_URL": base}
        return cli_process("models", *args, env=env, timeout=60)

    return run


def assert_one_error_line(result: subprocess.CompletedProcess, code: str) -> str:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error[{code}]"), result.stderr
    return result.stderr


def part_file(name: str = NAME) -> Path:
    return models_dir() / f"{name}.zip.part"


def test_download_installs_lists_and_resolves(server, assistant_home, models_cli):
    result = models_cli(assistant_home, server.url, "download", NAME, "--no-progress")
    assert result.returncode == 0, result.stderr
    assert str(models_dir() / NAME) in result.stdout
    assert server.requests == [("/model-list.json", None), (f"/{NAME}.zip", None)]  # the mirror, not alphacephei
    assert not part_file().exists()
    assert sorted(p.name for p in models_dir().iterdir()) == [NAME]  # no staging dirs left
    found = models.find_vosk_model("en")
    assert (found.name, found.source, found.dynamic_graph) == (NAME, "home", True)
    listed = json.loads(models_cli(assistant_home, server.url, "list", "--json").stdout)
    assert {"name": NAME, "source": "home", "active": True}.items() <= next(
        m for m in listed["installed"] if m["name"] == NAME).items()
    again = models_cli(assistant_home, server.url, "download", NAME)
    assert again.returncode == 0 and "already installed" in again.stdout
    assert len(server.requests) == 2  # no work the second time


def test_wrong_md5_installs_nothing_and_keeps_no_part(server, assistant_home, models_cli):
    server.wrong_md5 = True
    line = assert_one_error_line(models_cli(assistant_home, server.url, "download", NAME), "download_checksum")
    assert "deleted" in line
    assert not (models_dir() / NAME).exists() and not part_file().exists()


@pytest.mark.parametrize("honor_range", [True, False], ids=["resumes", "server-ignores-range"])
def test_truncated_download_keeps_part_and_rerun_resumes(server, assistant_home, honor_range, models_cli):
    server.truncate_at = 5000
    done = models_cli(assistant_home, server.url, "download", NAME, "--no-progress")
    line = assert_one_error_line(done, "download_truncated")
    assert "again to resume" in line
    assert part_file().stat().st_size == 5000 and not (models_dir() / NAME).exists()

    server.truncate_at, server.honor_range = None, honor_range
    result = models_cli(assistant_home, server.url, "download", NAME, "--no-progress")
    assert result.returncode == 0, result.stderr
    assert server.requests[-1] == (f"/{NAME}.zip", "bytes=5000-")
    assert not part_file().exists()
    assert models.installed_model(NAME) is not None


def test_unknown_name_suggests_close_matches(server, assistant_home, models_cli):
    done = models_cli(assistant_home, server.url, "download", "vosk-model-small-en-us-0.1")
    line = assert_one_error_line(done, "model_unknown")
    assert NAME in line and "models list" in line
    assert not models_dir().exists() or not any(models_dir().iterdir())


def test_missing_zip_on_server_is_one_line(server, assistant_home, models_cli):
    server.missing.add(NAME)  # listed, but the zip answers 404
    result = models_cli(assistant_home, server.url, "download", NAME)
    assert "404" in assert_one_error_line(result, "download_http")
    assert not (models_dir() / NAME).exists()


def test_offline_is_one_line_with_sideload_hint(assistant_home, models_cli):
    with socket.socket() as probe:  # a port that was just free: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = models_cli(assistant_home, f"http://127.0.0.1:{port}", "download", NAME)
    line = assert_one_error_line(done, "download_offline")
    assert "offline" in line and "models install FILE.zip" in line
    assert f"https://alphacephei.com/vosk/models/{NAME}.zip" in line


def test_downloaded_zip_with_an_invalid_model_is_rejected(server, assistant_home, models_cli):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(f"{NAME}/am/final.mdl", b"x")
    server.zips[NAME] = buffer.getvalue()
    line = assert_one_error_line(models_cli(assistant_home, server.url, "download", NAME), "model_invalid")
    assert "conf/model.conf" in line
    assert not part_file().exists() and not (models_dir() / NAME).exists()


def test_the_library_reports_progress_and_prints_nothing(server, assistant_home, monkeypatch, capsys):
    """The download tells a callback how far it is (the CLI draws the bar); it writes nothing itself."""
    from assistant.speech.models.download import download

    monkeypatch.setenv("ASSISTANT_MODELS_URL", server.url)
    seen: list[tuple[int, int | None]] = []
    model = download(NAME, progress=lambda done, total: seen.append((done, total)))
    size = len(fake_model_zip(NAME))
    assert model.name == NAME and seen and seen[-1] == (size, size)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert capsys.readouterr() == ("", "")
