"""Scripts as data: loading, validation with file/step errors, overrides, the when-language."""

from __future__ import annotations

import json
import textwrap

import pytest

from assistant.dialogue.scripts import Condition, ExpressionError, list_scripts, load_file, load_script
from assistant.errors import AssistantError

SHIPPED = ["breathe", "checkin", "compassion", "debrief", "grounding", "ladder-build", "note", "rehearse", "repair"]


def test_shipped_scripts_are_listed_and_load():
    assert [s.name for s in list_scripts()] == SHIPPED
    for name in SHIPPED:
        script = load_script(name)
        assert script.title and script.description and script.source == "shipped"
        assert len({s.id for s in script.steps}) == len(script.steps)


def test_debrief_fields_in_order():
    script = load_script("debrief")
    assert script.fields[:8] == ["reflection", "what_happened", "disclosure_level", "new_topic",
                                 "conversation_minutes", "anxiety_before", "anxiety_peak", "anxiety_after"]
    told = script.steps[script.index_of("reflection")]
    assert told.type == "reflect" and "anxiety_peak" in told.filled_fields
    kinds = {s.field: s.kind for s in script.steps if s.type == "ask"}
    assert kinds["anxiety_peak"] == "rating"
    assert kinds["anxiety_duration"] == "duration"
    assert kinds["emotions"] == "emotions"
    assert kinds["wants_break"] == "yesno"
    assert any(s.type == "breathe" for s in script.steps)


def test_to_dict_is_json_and_lists_every_step():
    script = load_script("debrief")
    data = json.loads(json.dumps(script.to_dict()))
    assert data["name"] == "debrief"
    assert [s["id"] for s in data["steps"]] == [s.id for s in script.steps]
    asks = [s for s in data["steps"] if s["type"] == "ask"]
    assert [(s["field"], s["kind"]) for s in asks][:2] == [("what_happened", "text"), ("disclosure_level", "rating")]
    branch = next(s for s in data["steps"] if s["id"] == "break_offer")
    assert branch["when"] == "anxiety_peak >= 8 or anxiety_after >= 8"
    rehearse = load_script("rehearse").to_dict()
    loop = next(s for s in rehearse["steps"] if s["id"] == "another_round")
    assert loop["repeat"] == {"from": "round_start", "rounds": 5, "while": "another_round == yes"}


def test_unknown_script():
    with pytest.raises(AssistantError) as err:
        load_script("nope")
    assert err.value.code == "script_unknown"
    assert "debrief" in err.value.hint


def _write(folder, name, body):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_user_script_overrides_shipped(assistant_home):
    _write(
        assistant_home / "scripts",
        "checkin",
        """
        title = "My check-in"
        [[steps]]
        id = "only"
        type = "ask"
        field = "mood"
        kind = "rating"
        text = "How are you, zero to ten?"
        """,
    )
    _write(assistant_home / "scripts", "mine", '[[steps]]\nid = "hi"\ntype = "say"\ntext = "Hello."\n')
    script = load_script("checkin")
    assert script.title == "My check-in" and script.source == "user" and script.fields == ["mood"]
    names = [s.name for s in list_scripts()]
    assert names.count("checkin") == 1 and "mine" in names


ASK = '[[steps]]\nid = "q1"\ntype = "ask"\nfield = "mood"\nkind = "rating"\ntext = "How is it?"\n'

MALFORMED = [
    ("not toml = = =", "the top level", "not valid TOML"),
    ('title = "x"\n', "the top level", "no [[steps]]"),
    ('name = "other"\n' + ASK, "the top level", "does not match the file name"),
    ('colour = "blue"\n' + ASK, "the top level", "unknown key 'colour'"),
    (ASK + '[[steps]]\nid = "q2"\ntype = "sya"\ntext = "Hi"\n', "step 2 'q2'", "unknown type 'sya'"),
    (ASK + '[[steps]]\nid = "q2"\ntype = "ask"\nfield = "x"\nkind = "number"\ntext = "Hi"\n',
     "step 2 'q2'", "unknown kind 'number'"),
    (ASK + '[[steps]]\nid = "q1"\ntype = "say"\ntext = "Hi"\n', "step 2 'q1'", "id 'q1' is used by an earlier step"),
    (ASK + '[[steps]]\nid = "q2"\ntype = "ask"\nfield = "mood"\ntext = "Again?"\n',
     "step 2 'q2'", "field 'mood' is already asked"),
    ('[[steps]]\nid = "q1"\ntype = "ask"\nfield = "mood"\n', "step 1 'q1'", "needs text"),
    ('[[steps]]\nid = "q1"\ntype = "ask"\nfield = "pick"\nkind = "choice"\ntext = "Which?"\n',
     "step 1 'q1'", "needs at least two choices"),
    (ASK + '[[steps]]\nid = "q2"\ntype = "say"\nwhen = "anxiety_peak >= 8"\ntext = "Hi"\n',
     "step 2 'q2'", "'anxiety_peak' is not a field asked before"),
    (ASK + '[[steps]]\nid = "q2"\ntype = "say"\nwhen = "mood >= >= 8"\ntext = "Hi"\n', "step 2 'q2'", "bad expression"),
    (ASK + '[[steps]]\nid = "q2"\ntype = "say"\nwhen = "mood >= 8 and"\ntext = "Hi"\n',
     "step 2 'q2'", "ends too early"),
    (ASK + '[[steps]]\nid = "q2"\ntype = "say"\nwhen = "mood = 8"\ntext = "Hi"\n', "step 2 'q2'", "cannot read"),
    ('[[steps]]\nid = "q1"\ntype = "say"\ntext = "You said {later}"\n' + ASK.replace("q1", "q2"),
     "step 1 'q1'", "'later' is not a field"),
    (ASK + '[[steps]]\nid = "q2"\ntype = "readback"\ntext = "You said {mood.real}"\n',
     "step 2 'q2'", "bad placeholder"),
    (ASK + '[[steps]]\nid = "p"\ntype = "pause"\n', "step 2 'p'", "seconds greater than 0"),
    (ASK + '[[steps]]\nid = "b"\ntype = "breathe"\n', "step 2 'b'", "needs a pattern"),
    ('[[steps]]\nid = "q1"\ntype = "ask"\nfeild = "mood"\ntext = "Hi"\n', "step 1 'q1'", "unknown key 'feild'"),
    ('[[steps]]\nid = "s"\ntype = "say"\nfield = "mood"\ntext = "Hi"\n',
     "step 1 's'", "'field' does not belong on a say step"),
    ('[[steps]]\ntype = "say"\ntext = "Hi"\n', "step 1 '?'", "'id' is missing"),
    ('[[steps]]\nid = "Bad Id"\ntype = "say"\ntext = "Hi"\n', "step 1 'Bad Id'", "not a valid id"),
    (ASK + '[[steps]]\nid = "q2"\ntype = "ask"\nfield = "x"\nkind = "text"\nchoices = ["a", "b"]\ntext = "Hi"\n',
     "step 2 'q2'", "only belong to kind"),
    (ASK + '[[steps]]\nid = "q2"\ntype = "say"\ntext = "Hi"\nrepeat = { from = "later", rounds = 2 }\n',
     "step 2 'q2'", "repeat.from 'later'"),
    (ASK + '[[steps]]\nid = "q2"\ntype = "say"\ntext = "Hi"\nrepeat = { from = "q1", rounds = 99 }\n',
     "step 2 'q2'", "repeat.rounds"),
    ('[[steps]]\nid = "q1"\ntype = "ask"\nfield = "round"\ntext = "Hi"\n', "step 1 'q1'", "reserved"),
    ('[[steps]]\nid = "q1"\ntype = "ask"\nfield = "x"\noptional = "yes"\ntext = "Hi"\n',
     "step 1 'q1'", "'optional' must be"),
]


@pytest.mark.parametrize("body,where,reason", MALFORMED)
def test_malformed_script_names_file_step_and_reason(tmp_path, body, where, reason):
    path = _write(tmp_path, "broken", body)
    with pytest.raises(AssistantError) as err:
        load_file(path)
    assert err.value.code == "script_invalid"
    line = err.value.line()
    assert str(path) in line
    assert where in line
    assert reason in line


def test_malformed_user_script_fails_loading(assistant_home):
    _write(assistant_home / "scripts", "debrief", '[[steps]]\nid = "x"\ntype = "nope"\n')
    with pytest.raises(AssistantError) as err:
        load_script("debrief")
    assert "debrief.toml" in err.value.message and "step 1 'x'" in err.value.message


ANSWERS = {"peak": 9, "after": 4, "wants": True, "mood": "calm", "emotions": ["scared", "sad"]}


@pytest.mark.parametrize(
    "expression,expected",
    [
        ("peak >= 8", True),
        ("peak >= 10", False),
        ("peak > 8 and after < 5", True),
        ("peak < 8 or after >= 8", False),
        ("peak < 8 or after < 8", True),
        ("wants == yes", True),
        ("wants == no", False),
        ("wants", True),
        ('mood == "calm"', True),
        ("mood != 'calm'", False),
        ('emotions == "sad"', True),  # a list "equals" what it contains
        ('emotions != "angry"', True),
        ("missing >= 1", False),  # unanswered: every comparison is false
        ("missing != 1", False),
        ("(peak >= 8 or after >= 8) and wants", True),
        ("peak == 9.0", True),
        ('mood > 3', False),  # mismatched types are false, not an error
    ],
)
def test_condition(expression, expected):
    assert Condition.parse(expression).evaluate(ANSWERS) is expected


@pytest.mark.parametrize(
    "expression", ["", "peak >=", ">= 8", "peak >= 8 and", "(peak >= 8", "peak = 8", "__import__('os')", "8"]
)
def test_bad_condition(expression):
    with pytest.raises(ExpressionError):
        Condition.parse(expression)


def test_condition_fields():
    assert Condition.parse("(a >= 1 or b == yes) and c").fields() == {"a", "b", "c"}
