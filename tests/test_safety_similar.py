"""The crisis check's similarity layer: the numpy sentence encoder against the published reference, the layer
asking the gentle question for a phrasing no rule foresaw (and staying quiet for idioms and short answers), and
the rules alone, said once, when the encoder is not installed."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from assistant.dialogue import crisis
from assistant.dialogue.crisis import Outcome, assess
from assistant.dialogue.safety import encoder, similar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import bench_crisis  # noqa: E402 (the phrase files are read one way, for the benchmark and here)

ROOT = Path(__file__).resolve().parent.parent

# A small index (a few examples of each kind) keeps the model tests lean; the shipped one has about 2,300.
EXAMPLES = {
    "harmed_by_someone": ["my husband hits me", "he locks me in my room", "my partner won't let me leave the house",
                          "he takes my phone and keeps me from my friends", "he threatened to kill me"],
    "plan_method_intent": ["I've been saving up pills", "I wrote a goodbye note", "I bought a rope",
                           "I know how I would do it", "I've picked a date", "my note is written",
                           "I finished writing my note", "the letters are written and on my desk"],
    "wish_dead": ["I want to die", "I wish I was dead", "I hope I don't wake up"],
    "idiom": ["my feet are killing me", "I'm dying to see that film", "my phone died", "I killed it at work",
              "I locked my keys in the car", "I'm going to take my pills with breakfast"],
    "other_person": ["my friend said she wants to die", "her husband hits her"],
}


@pytest.fixture(scope="module")
def index():
    """The real encoder over a small index, put in place of the shipped one for this module."""
    built = similar.Index.from_examples(encoder.Encoder.load(), EXAMPLES)
    layer = similar._Layer()
    layer.index, layer.tried = built, True
    saved, similar._LAYER = similar._LAYER, layer
    yield built
    similar._LAYER = saved


@pytest.mark.slow
def test_the_encoder_matches_the_reference_embedding():
    """sentence-transformers' own example for all-MiniLM-L6-v2 scores this pair 0.7553 (torch, float32)."""
    vectors = encoder.Encoder.load().encode(["A man is eating food.", "A man is eating a piece of bread.",
                                             "The new movie is awesome"])
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.7553, abs=0.002)
    assert float(vectors[0] @ vectors[2]) < 0.2
    assert vectors.shape == (3, 384)


@pytest.mark.slow
@pytest.mark.parametrize("text, outcome, why", [
    ("I already wrote the note", Outcome.ASK, "similar"),  # a goodbye or a thank-you: no rule can tell
    ("my feet are killing me", Outcome.NONE, ""),  # an idiom: the rules have read it
    ("I want to die", Outcome.STOP, ""),  # the rules decide clear cases
    ("I don't want to die", Outcome.GENTLE, "negated"),
    ("I locked my keys in the car again", Outcome.NONE, ""),
    ("yes", Outcome.NONE, ""),  # answers and commands are the rules' alone
])
def test_the_similarity_layer_asks_only_where_the_rules_found_nothing(index, text, outcome, why):
    found = assess(text)
    assert (found.outcome, found.why) == (outcome, why), found
    if why == "similar":
        assert assess(text, similarity=False).outcome == Outcome.NONE  # the rules alone miss it
        assert found.family == "plan_method_intent"


def test_without_the_encoder_the_rules_decide_and_it_is_said_once(monkeypatch):
    def not_installed():
        raise encoder.EncoderMissing("the all_minilm_l6_v2 package is not installed")

    monkeypatch.setattr(similar, "_LAYER", similar._Layer())
    monkeypatch.setattr(encoder, "model_zip", not_installed)
    similar.installed.cache_clear()
    try:
        assert crisis.similarity_missing() == crisis.say("similarity_missing")
        crisis.warm()
        assert similar.ready() is None and similar.missing()
        assert assess("I want to kill myself").outcome == Outcome.STOP
        assert assess("I already wrote the note").outcome == Outcome.NONE
    finally:
        similar.installed.cache_clear()


def test_the_session_says_once_that_the_rules_are_alone(monkeypatch):
    from assistant.practice import run

    said = []

    class Console:
        def echo(self, text, err=False):
            said.append(text)

    monkeypatch.setattr(crisis, "warm", lambda: None)
    monkeypatch.setattr(crisis, "similarity_missing", lambda: "rules only")
    run._warm_crisis_check(Console())
    assert said == ["rules only"]
    monkeypatch.setattr(crisis, "similarity_missing", lambda: "")
    run._warm_crisis_check(Console())
    assert said == ["rules only"]


@pytest.mark.parametrize("text, expected", [
    ("yes", []),
    ("go back", []),
    ("I want to die", ["I want to die"]),
    ("It went fine. He locked me in again. Seven.", ["It went fine.", "He locked me in again."]),
    (" ".join(["word"] * 45), [" ".join(["word"] * 30), " ".join(["word"] * 25)]),
])
def test_long_answers_are_compared_sentence_by_sentence(text, expected):
    assert similar.pieces(text) == expected


def test_the_examples_are_the_development_phrases():
    """prompts/safety_examples.toml is the development phrases, family by family (never the held-out ones)."""
    with open(ROOT / "prompts" / "safety_examples.toml", "rb") as fh:
        shipped = {(f["name"], text) for f in tomllib.load(fh)["family"] for text in f["texts"]}
    development = {(row["family"], row["text"]) for path in (bench_crisis.DEV, bench_crisis.FRESH)
                   for row in bench_crisis.phrases(path)}
    assert shipped == development
