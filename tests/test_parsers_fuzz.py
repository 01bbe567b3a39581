"""Property tests for everything that reads what a person says or writes: never an exception other
than AssistantError; answers always come back as a ``Parsed`` (a value, or a problem to re-ask)."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.dialogue import parse
from assistant.dialogue.scripts import Condition, ExpressionError, load_file
from assistant.errors import AssistantError
from assistant.journal.export import parse_day

NUMBER_WORDS = ["zero", "one", "two", "three", "six", "seven", "ten", "eleven", "twenty", "fifty", "hundred",
                "half", "and", "a", "out", "of", "to", "or", "minutes", "hours", "hour", "an", "about",
                "next", "friday", "tomorrow", "week", "weekend", "in", "days", "the", "5th", "march", "3rd",
                "not", "yes", "no", "nervous", "angry", "skip", "back", "stop", "-", "/", "10", "6.5", "1e9",
                "99999999999999999999", "½", "٣", "🙂", "'", '"', ",", "."]
spoken = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(NUMBER_WORDS), max_size=12).map(" ".join),
    st.lists(st.one_of(st.sampled_from(NUMBER_WORDS), st.integers(-10**6, 10**6).map(str)), max_size=8).map(" ".join),
)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_parsed(result) -> None:
    assert isinstance(result, parse.Parsed)
    assert result.problem in ("", *parse.PROBLEMS)


@SETTINGS
@given(spoken)
def test_rating(text):
    result = parse.parse_rating(text)
    assert_parsed(result)
    if result.ok:
        assert isinstance(result.value, int) and 0 <= result.value <= 10


@SETTINGS
@given(spoken)
def test_duration(text):
    result = parse.parse_duration(text)
    assert_parsed(result)
    if result.ok:
        assert isinstance(result.value, (int, float)) and result.value >= 0


@SETTINGS
@given(spoken, st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9990, 12, 31)))
def test_date(text, today):
    result = parse.parse_date(text, today=today)
    assert_parsed(result)
    if result.ok:
        dt.date.fromisoformat(result.value)


@SETTINGS
@given(spoken, st.lists(st.text(min_size=1, max_size=12), min_size=2, max_size=5))
def test_every_kind_through_parse_answer(text, choices):
    for kind in ("text", "rating", "yesno", "choice", "duration", "emotions", "date"):
        assert_parsed(parse.parse_answer(kind, text, choices=tuple(choices)))
    parse.match_command(text)


@SETTINGS
@given(spoken)
def test_day_words_for_since_and_until(text):
    try:
        day = parse_day(text, today=dt.date(2026, 11, 21))
    except AssistantError as exc:
        assert exc.code == "entries_bad_date"
    else:
        assert isinstance(day, dt.date)


EXPR_TOKENS = ["feeling", "anxiety", "==", "!=", "<", "<=", ">", ">=", "and", "or", "(", ")", "3", "2.5", "yes",
               "no", '"calm"', "'x'", "not", "$", "=", "!", "__import__", "."]


@SETTINGS
@given(st.one_of(st.text(max_size=40), st.lists(st.sampled_from(EXPR_TOKENS), max_size=10).map(" ".join)))
def test_when_expressions_parse_or_say_why(source):
    try:
        condition = Condition.parse(source)
    except ExpressionError:
        return
    condition.evaluate({"feeling": ["calm"], "anxiety": 4})  # evaluation never raises either


# --- Generated script files ---------------------------------------------------------------------------

IDENT = st.text(alphabet=string.ascii_lowercase + "_0123456789", min_size=1, max_size=8)
SCALAR = st.one_of(
    st.booleans(), st.integers(-5, 30), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["say", "ask", "pause", "breathe", "readback", "rating", "text", "choice", "yesno", "q", "a",
                     "How are you?", "{feeling}", "{x:>3}", "feeling > 3", "((", "calm"]),
    st.text(max_size=12),
)
STEP_KEYS = ["id", "type", "text", "field", "kind", "choices", "seconds", "pattern", "when", "repeat", "optional",
             "confirm", "help", "colour"]


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    escaped = "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in str(value))
    return f'"{escaped}"'


step_value = st.one_of(SCALAR, st.lists(SCALAR, max_size=3),
                       st.fixed_dictionaries({}, optional={"from": st.sampled_from(["a", "b", "zz"]),
                                                           "rounds": SCALAR, "while": SCALAR}))
step = st.dictionaries(st.sampled_from(STEP_KEYS), step_value, max_size=8)
script = st.tuples(st.dictionaries(st.sampled_from(["title", "description", "closing", "name", "extra"]), SCALAR,
                                   max_size=3),
                   st.lists(step, max_size=5))


def render(top: dict, steps: list[dict]) -> str:
    lines = [f"{k} = {toml_value(v)}" for k, v in top.items()]
    for entry in steps:
        lines.append("[[steps]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def script_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-scripts")


@SETTINGS
@given(script, st.booleans())
def test_generated_script_files_load_or_raise_script_invalid(script_dir, generated, garble):
    top, steps = generated
    text = render(top, steps)
    path = script_dir / "fuzzed.toml"
    data = text.encode()
    if garble:
        data = data[: len(data) // 2] + b"\xff" + data[len(data) // 2:]
    path.write_bytes(data)
    try:
        loaded = load_file(path)
    except AssistantError as exc:
        assert exc.code == "script_invalid", exc.line()
        assert "\n" not in exc.line()
    else:
        assert loaded.steps and all(s.id for s in loaded.steps)


@SETTINGS
@given(st.binary(max_size=200))
def test_script_files_of_random_bytes(script_dir, data):
    path = script_dir / "bytes.toml"
    path.write_bytes(data)
    try:
        load_file(path)
    except AssistantError as exc:
        assert exc.code == "script_invalid"
