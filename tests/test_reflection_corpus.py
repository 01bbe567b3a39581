"""The written reflection corpora load, and every entry says which numeric fields were said and which were not."""

import pytest

import reflection_corpus
from reflections import NUMERIC


@pytest.mark.parametrize("name", reflection_corpus.DEV_FILES + reflection_corpus.HELDOUT_FILES)
def test_every_entry_names_every_numeric_field(name):
    rows = reflection_corpus.load(name)
    assert rows, name
    ids = [row_id for row_id, _ in rows]
    assert len(ids) == len(set(ids)), f"{name}: an id is used twice"
    for row_id, row in rows:
        assert set(NUMERIC) <= set(row.expect) | set(row.absent), row_id
        assert not set(row.expect) & set(row.absent), f"{row_id}: a field both expected and absent"
        for field in ("anxiety_before", "anxiety_peak", "anxiety_after"):
            value = row.expect.get(field)
            assert value is None or (isinstance(value, int) and 0 <= value <= 10), (row_id, field, value)


def test_a_fifth_is_held_out():
    dev, held = reflection_corpus.dev(), reflection_corpus.heldout()
    assert len(dev) + len(held) >= 80
    assert len(held) >= (len(dev) + len(held)) / 5


def test_an_entry_that_forgets_a_field_is_refused(tmp_path, monkeypatch):
    (tmp_path / "bad.toml").write_text('[[reflection]]\nid = "x1"\ntext = "I was a six."\nabsent = []\n'
                                       '[reflection.expect]\nanxiety_before = 6\n')
    monkeypatch.setattr(reflection_corpus, "CORPUS", tmp_path)
    with pytest.raises(ValueError, match="x1"):
        reflection_corpus.load("bad.toml")
