"""Guided scripts run for real: text mode, audio-file mode through the real English engine, resume
after a kill -9, and the no-microphone fallback. The journal is a real SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from assistant.dialogue.pipeline import Runner
from assistant.dialogue.scripts import list_scripts, load_script
from assistant.dialogue.session import Session
from assistant.journal.store import Store
from assistant.practice.demo import SpokenAnswers, kinds_of
from assistant.speech.tts.voice import Voice
from fakes import RecordingSynthesizer

SHIPPED = ["debrief", "checkin", "compassion", "rehearse", "repair", "grounding"]


def quiet_voice() -> Voice:
    return Voice(no_audio=True, synthesizer=RecordingSynthesizer(), echo=lambda *a, **k: None)


class ScriptedTyping:
    """Types the demo answer for whatever is asked (what a person at a keyboard would do)."""

    def __init__(self, script):
        self.spoken = SpokenAnswers.__new__(SpokenAnswers)  # reuse the answer choice only, no audio
        self.spoken.kinds, self.spoken.answers = kinds_of(script), {}
        from assistant.practice.demo import data

        self.spoken.answers = dict(data()["answers"])
        self.asked = []

    def answer(self, listen):
        self.asked.append((listen.field, listen.kind))
        from assistant.dialogue.pipeline import Heard

        return Heard(self.spoken.text_for(listen))


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_script_completes_with_typed_answers(name):
    script = load_script(name)
    source = ScriptedTyping(script)
    with Store.open() as store:
        runner = Runner(Session(script, f"s-{name}"), source, quiet_voice(), store)
        result = runner.run()
        entry = store.get_entry(f"s-{name}")
    assert result.status == "finished", source.asked
    asked_fields = {f for f, _ in source.asked} - {""}
    filled = {f for step in script.steps if step.type == "reflect" for f in step.filled_fields}
    stored = {a.field for a in entry.answers}
    assert asked_fields <= stored  # every answer given is kept
    assert stored - asked_fields <= filled  # and anything more was read from a reflection
    assert entry.session.status == "finished"


def test_scripts_listed_and_shown_as_json(cli_process):
    names = {s.name for s in list_scripts()}
    assert set(SHIPPED) <= names
    proc = cli_process("prompts", "show", "debrief", "--json")
    assert proc.returncode == 0, proc.stderr
    import json

    steps = json.loads(proc.stdout)["steps"]
    asks = [(s["field"], s["kind"]) for s in steps if s["type"] == "ask"]
    assert asks[:7] == [("what_happened", "text"), ("disclosure_level", "rating"), ("new_topic", "yesno"),
                        ("conversation_minutes", "duration"), ("anxiety_before", "rating"),
                        ("anxiety_peak", "rating"), ("anxiety_after", "rating")]
    assert ("emotions", "emotions") in asks and ("anxiety_duration", "duration") in asks


@pytest.mark.parametrize("name", ["checkin", "compassion", "grounding", "repair", "rehearse"])
def test_scripts_in_audio_file_mode_through_whisper(whisper_engine, name):
    script = load_script(name)
    source = SpokenAnswers(whisper_engine, kinds_of(script))
    try:
        with Store.open() as store:
            result = Runner(Session(script, f"a-{name}"), source, quiet_voice(), store).run()
            entry = store.get_entry(f"a-{name}")
    finally:
        source.close()
    assert result.status == "finished"
    assert entry.answers and all(a.engine == "whisper" for a in entry.answers if a.text)


DEBRIEF_SPOKEN = [
    ("I told my friend Sam about my panic attacks at work", None),
    ("six", None), ("yes", None), ("yes", None), ("about fifteen minutes", None),
    ("seven", None), ("yes", None), ("four", None), ("yes", None),
    ("two", None), ("yes", None), ("about twenty minutes", None), ("nervous and relieved", None),
    ("my chest was tight and my hands were cold", None), ("starting the conversation", None),
    ("asking for more time", None), ("Sam asked kind questions", None), ("that people want to know me", None),
    ("invite Sam for coffee next week", None),
]


def test_audio_in_debrief_stores_what_was_spoken(speak, cli_process):
    # Free answers alternate two voices; closed answers use en-us, whose lone numbers tiny.en reads
    # reliably (en-gb "seven" comes out as "that one": a real person would correct it at the read-back).
    files = [str(speak(text, voice="en-gb" if i % 2 and len(text.split()) > 2 else "en-us"))
             for i, (text, _) in enumerate(DEBRIEF_SPOKEN)]
    proc = cli_process("debrief", "--guided", "--no-audio", "--audio-in", files[0], *files[1:])
    assert proc.returncode == 0, proc.stderr
    assert "engine: whisper" in proc.stderr
    with Store.open() as store:
        (row,) = store.list_sessions()
        answers = store.answers_for(row.id)
        rows = {a.field: a for a in store.answers(row.id)}
    assert row.status == "finished"
    assert (answers["disclosure_level"], answers["anxiety_before"], answers["anxiety_peak"],
            answers["anxiety_after"]) == (6, 7, 4, 2)
    assert answers["anxiety_duration"] == 20
    assert (answers["new_topic"], answers["conversation_minutes"]) == (True, 15)
    assert set(answers["emotions"]) == {"nervous", "relieved"}
    for field, words in [("what_happened", {"sam", "work"}), ("body_sensations", {"chest", "hands"}),
                         ("learned", {"people", "know"}), ("next_step", {"coffee", "week"})]:
        said = set(rows[field].text.lower().replace(".", "").split())
        assert words <= said, (field, rows[field].text)
        assert rows[field].engine == "whisper" and rows[field].words  # word timings kept


def test_files_running_out_stops_and_resume_finishes(speak, cli_process):
    first = [str(speak(t)) for t, _ in DEBRIEF_SPOKEN[:7]]  # up to anxiety_before confirmed
    proc = cli_process("debrief", "--guided", "--no-audio", "--audio-in", first[0], *first[1:])
    assert proc.returncode == 0, proc.stderr
    assert "assistant resume" in proc.stderr
    with Store.open() as store:
        (row,) = store.list_sessions()
        assert row.status == "stopped" and store.answers_for(row.id)["anxiety_before"] == 7
    rest = [str(speak(t)) for t, _ in DEBRIEF_SPOKEN[7:]]
    proc = cli_process("resume", "--no-audio", "--audio-in", rest[0], *rest[1:])
    assert proc.returncode == 0, proc.stderr
    with Store.open() as store:
        (row,) = store.list_sessions()
        answers = store.answers_for(row.id)
    assert row.status == "finished"
    assert (answers["anxiety_before"], answers["anxiety_peak"]) == (7, 4)
    assert "coffee" in answers["next_step"].lower()


def remaining_typed_answers(position: int) -> str:
    """What a person would type from step ``position`` of the demo debrief (ratings confirmed)."""
    from assistant.practice.demo import data

    script, spoken = load_script("debrief"), data()["answers"]
    lines = []
    for step in script.steps[position:]:
        if step.type != "ask" or step.field == "wants_break":  # peak 4: no break is offered
            continue
        lines.append(spoken[step.field])
        if step.kind == "rating":
            lines.append("yes")
    return "\n".join(lines) + "\n"


def test_kill_9_mid_session_loses_nothing_confirmed_and_resume_continues(speak, cli_process):
    files = [str(speak(t)) for t, _ in DEBRIEF_SPOKEN]
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "debrief", "--guided", "--no-audio", "--audio-in",
                             *files],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    deadline = time.monotonic() + 120
    seen = 0
    try:
        while time.monotonic() < deadline and seen < 4:
            time.sleep(0.05)
            try:
                with Store.open() as store:
                    rows = store.list_sessions()
                    seen = len(store.answers(rows[0].id)) if rows else 0
            except Exception:  # the file may not exist yet
                continue
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
    assert seen >= 4
    with Store.open() as store:
        (row,) = store.list_sessions()
        kept = store.answers_for(row.id)
    assert row.status == "in_progress"
    assert len(kept) >= 4 and kept["disclosure_level"] == 6  # every confirmed answer survived
    typed = remaining_typed_answers(row.position)
    done = cli_process("resume", "--text", "--no-audio", stdin=typed)
    assert done.returncode == 0, done.stderr
    with Store.open() as store:
        (row,) = store.list_sessions()
        answers = store.answers_for(row.id)
    assert row.status == "finished"
    assert answers["disclosure_level"] == 6 and answers["next_step"] == "invite Sam for coffee next week"


def test_no_microphone_falls_back_to_typing(cli_process):
    assert cli_process("settings", "set", "input_device", "no-such-microphone").returncode == 0
    typed = "lonely\nfour\nyes\nsend a short message\n"
    proc = cli_process("checkin", "--guided", "--no-audio", stdin=typed)
    assert proc.returncode == 0, proc.stderr
    assert "No microphone available" in proc.stderr and "Traceback" not in proc.stderr
    with Store.open() as store:
        (row,) = store.list_sessions()
        assert row.status == "finished"
        answers = store.answers_for(row.id)
        assert (answers["feeling"], answers["intensity"], answers["small_action"]) == (
            ["lonely"], 4, "send a short message to someone")


def test_typed_debrief_through_the_cli_and_found_by_search(cli_process):
    typed = remaining_typed_answers(0)
    proc = cli_process("debrief", "--guided", "--text", "--no-audio", stdin=typed)
    assert proc.returncode == 0, proc.stderr
    assert "Saved entry" in proc.stderr
    found = cli_process("entries", "search", "coffee")
    assert found.returncode == 0 and "coffee" in found.stdout.lower()


def test_unknown_script_and_nothing_to_resume_are_one_line(cli_process):
    for args in (["practice", "no-such-script", "--text"], ["resume", "--text"]):
        proc = cli_process(*args, stdin="")
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert len([line for line in proc.stderr.splitlines() if line.startswith("error")]) == 1
