"""scripts/bench talk: how long the assistant speaks in a told debrief, first-time and returning, before and after
the change that made it talk less, side by side in one run.

A person tells a debrief in one go (a story), says yes to the summary and answers whatever is still asked. The
debrief runs twice in one fresh home through ``practice.run.Practice`` (so "first time" and "returning" are decided
the way a real run decides them: the first-run marker and the journal), in a process of its own for each version of
the code: this tree ("after") and the commit ``BEFORE`` unpacked from git ("before"; left out when git cannot give
it). Every line the assistant says is collected, rendered by the Piper voice and by espeak-ng (pyttsx3) with this
tree's engines, and the durations are summed.

Two stories: ``full`` tells every field (the hands-free benchmark's reflection, so only "Is that right?" is asked
after it); ``short`` holds three anxiety numbers, a duration, a feeling and a next step, so the gaps are asked and
answered too. The goal (told debrief, returning ≤ 30 s, first time ≤ 50 s, Piper) is on the full story.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "5314926"  # main before the assistant talked less

STORIES = {
    "full": ("I told my friend Sam about my panic attacks at work, and it was a new topic for us. It felt pretty "
             "personal, about a six. We talked for about fifteen minutes. Before it my anxiety was a seven, at the "
             "worst it was a four, and afterwards it was a two. The anxiety lasted about twenty minutes. I felt "
             "nervous and relieved, and my chest was tight. Starting the conversation was easier than I expected, "
             "but asking for more time stayed hard. What helped most was that Sam asked kind questions. I learned "
             "that people want to know me. Next, I will invite Sam for coffee next week. I'm done."),
    "short": ("I called my sister and told her I have been lonely since the move. Before the call I was a six, at "
              "the worst a seven, and now I'm about a three. We talked for twenty minutes. I felt scared. Next I "
              "want to invite her for dinner. I'm done."),
}
# What the person says to whatever is asked after the story (the hands-free tests' answers).
ANSWERS = {"disclosure_level": "six", "new_topic": "yes", "conversation_minutes": "about fifteen minutes",
           "anxiety_duration": "about twenty minutes", "emotions": "nervous", "body_sensations": "my chest was tight",
           "felt_easy": "starting the conversation", "stayed_hard": "asking for more time",
           "helped_most": "she asked kind questions", "learned": "that people want to know me",
           "next_step": "invite her for dinner", "wants_break": "no", "what_happened": "I called my sister"}

# Run with one version of the code first on sys.path: two debriefs in the home ASSISTANT_HOME names, every line
# said, as JSON. Only what both versions have is used (Mode, Practice, Heard, Voice.say).
DRIVER = r"""
import json, sys
from assistant.dialogue.pipeline import Heard
from assistant.practice.run import Mode, Practice

story, answers = sys.argv[1], json.loads(sys.argv[2])


class Person:
    def answer(self, listen):
        if listen.kind == "reflection":
            return Heard(story)
        if listen.kind == "correction":
            return Heard("yes")
        return Heard(answers.get(listen.field, "something small"))


said = {}
for visit in ("first", "returning"):
    lines = said[visit] = []
    with Practice(Mode(no_audio=True), source=Person()) as practice:
        speak = practice.voice.say

        def say(text, _lines=lines, _speak=speak, **options):
            _lines.append(text)
            return _speak(text, **options)

        practice.voice.say = say
        practice.run("debrief")
print(json.dumps(said))
"""


def before_tree(tmp: Path) -> Path | None:
    """The code as it was at ``BEFORE``, unpacked into ``tmp`` (None when this is no git checkout that has it)."""
    folder = tmp / "before"
    if (folder / "assistant").is_dir():
        return folder
    archive = tmp / "before.tar"
    made = subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), BEFORE, "assistant", "prompts",
                           "models"], capture_output=True, check=False)
    if made.returncode != 0:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder


def lines_said(tree: Path, story: str, home: Path) -> dict[str, list[str]]:
    """{"first": [...], "returning": [...]}: what the code in ``tree`` says in two told debriefs in ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, ASSISTANT_HOME=str(home), PYTHONPATH=str(tree))
    done = subprocess.run([sys.executable, "-c", DRIVER, story, json.dumps(ANSWERS)], capture_output=True,
                          text=True, env=env, cwd=str(tree), timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-400:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(ctx) -> dict:
    from assistant.config import Settings
    from assistant.speech.tts.select import open_synthesizer

    tmp = Path(ctx["tmp"]) / "talk"
    tmp.mkdir(exist_ok=True)
    quick = bool(ctx.get("quick"))
    trees = {"after": ROOT}
    old = None if quick else before_tree(tmp)  # a quick run only shows that the section works
    if old is not None:
        trees["before"] = old
    stories = {"full": STORIES["full"]} if quick else STORIES
    said = {(story, version): lines_said(tree, STORIES[story], tmp / f"home-{story}-{version}")
            for story in stories for version, tree in trees.items()}
    out: dict = {}
    engines = {"piper": "piper"} if quick else {"piper": "piper", "espeak": "pyttsx3"}
    for name, engine in engines.items():
        with open_synthesizer(Settings(tts_engine=engine), preload=False) as synth:
            for (story, version), visits in said.items():
                for visit, lines in visits.items():
                    seconds = sum(synth.synthesize(line).seconds for line in lines if line.strip())
                    out[f"talk_s_{name}_{story}_{visit}_{version}"] = round(seconds, 1)
    for (story, version), visits in said.items():
        for visit, lines in visits.items():
            out[f"talk_lines_{story}_{visit}_{version}"] = len(lines)
    if not quick:
        out["talk_said_full_returning_after"] = said[("full", "after")]["returning"]
    return out
