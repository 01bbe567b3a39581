"""The whole guided debrief hands-free: a simulated person listens on the virtual speaker, waits for each
question to finish, and speaks the answer into the virtual microphone. Zero keystrokes, default listening
settings, no read-backs (``--confirm never``): every rating must be stored right the first time. The
questions are spoken by the default voice (Piper), streamed and warmed up as in real use."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time

from assistant.config import Settings
from assistant.dialogue.scripts import load_script
from assistant.journal.store import Store
from assistant.speech.tts.select import choose
from audio_fixtures import SpeakerMonitor

ANSWERS = {
    "what_happened": "I told my friend Sam about my panic attacks at work",
    "disclosure_level": "six",
    "new_topic": "yes",
    "conversation_minutes": "about fifteen minutes",
    "anxiety_before": "seven",
    "anxiety_peak": "four",
    "anxiety_after": "two",
    "anxiety_duration": "about twenty minutes",
    "emotions": "nervous and relieved",
    "body_sensations": "my chest was tight",
    "felt_easy": "starting the conversation",
    "stayed_hard": "asking for more time",
    "helped_most": "Sam asked kind questions",
    "learned": "that people want to know me",
    "next_step": "invite Sam for coffee next week",
}


def test_debrief_completes_hands_free(pulse, speak):
    questions = {step.text: step.field for step in load_script("debrief").steps if step.type == "ask"}
    clips = {field: speak(text) for field, text in ANSWERS.items()}
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    monitor = SpeakerMonitor(pulse)
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "debrief", "--guided", "--confirm", "never"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    lines: "queue.Queue[tuple[float, str]]" = queue.Queue()
    threading.Thread(target=lambda: [lines.put((time.monotonic(), line.rstrip())) for line in proc.stdout],
                     daemon=True).start()
    answered = []
    deadline = time.monotonic() + 400
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                at, line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            caption = line.removeprefix("assistant: ")
            field = questions.get(caption)
            if field is None:
                continue
            if not monitor.wait_until_said_and_quiet(at):
                proc.kill()
                raise AssertionError(f"never heard the question: {caption}; {len(monitor.blocks)} blocks; "
                                     f"{proc.stderr.read()}")
            time.sleep(0.2)
            pulse.play_into_mic(clips[field])
            answered.append(field)
        proc.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        monitor.close()
    stderr = proc.stderr.read()
    assert proc.returncode == 0, stderr
    assert "No microphone" not in stderr
    assert "warning" not in stderr  # no fallback: the questions were spoken by the default Piper voice
    assert choose(Settings.load()).engine == "piper"
    with Store.open() as store:
        (row,) = store.list_sessions()
        answers = store.answers_for(row.id)
        engines = {a.engine for a in store.answers(row.id)}
    assert row.status == "finished", (answered, answers)
    assert (answers["disclosure_level"], answers["anxiety_before"], answers["anxiety_peak"],
            answers["anxiety_after"]) == (6, 7, 4, 2)
    assert answers["conversation_minutes"] == 15 and answers["new_topic"] is True
    assert "coffee" in answers["next_step"].lower() and "sam" in answers["what_happened"].lower()
    assert engines == {"whisper"}
