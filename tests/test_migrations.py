"""The journal schema: fresh and upgrade paths end at the same columns; migrating twice is a no-op."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from assistant.journal.migrations import migrate, migrations

EXPECTED_COLUMNS = {
    "sessions": {
        "id": str, "script": str, "title": str, "started_at": str, "ended_at": str, "updated_at": str,
        "status": str, "position": int, "engine": str, "model": str, "flagged_reason": str,
        "ladder_step_id": str,
    },
    "answers": {
        "id": int, "session_id": str, "step_id": str, "field": str, "round": int, "label": str, "kind": str,
        "value_json": str, "text": str, "engine": str, "model": str, "confidence": float,
        "words_json": str, "start_s": float, "end_s": float, "detail_json": str, "created_at": str,
        "updated_at": str,
    },
    "events": {
        "id": int, "session_id": str, "type": str, "step_id": str, "field": str, "value_json": str,
        "text": str, "detail_json": str, "at": str,
    },
    "_sqlite_migrations": {"id": int, "migration_set": str, "name": str, "applied_at": str},
}
MIGRATION_NAMES = ["m001_journal_tables", "m002_answers_fts", "m003_growth_plan"]


@pytest.fixture
def file_db(tmp_path):
    db = Database(tmp_path / "journal.db")
    yield db
    db.close()


def _schema(db: Database) -> dict:
    return {name: db[name].columns_dict for name in EXPECTED_COLUMNS}


def _answers_fts_terms(db: Database) -> set[str]:
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.answers_vocab USING fts5vocab(main, answers_fts, 'row')")
    return {row[0] for row in db.execute("SELECT term FROM temp.answers_vocab")}


@pytest.mark.parametrize("table", sorted(EXPECTED_COLUMNS))
def test_fresh_db_has_every_column(file_db, table):
    migrate(file_db)
    assert file_db[table].columns_dict == EXPECTED_COLUMNS[table]


def test_fresh_db_has_search_index_triggers_and_keys(file_db):
    migrate(file_db)
    assert file_db["answers"].detect_fts() == "answers_fts"
    assert {t.name for t in file_db["answers"].triggers} == {"answers_ai", "answers_ad", "answers_au"}
    assert file_db["answers"].pks == ["id"]
    assert file_db["sessions"].pks == ["id"]
    unique = [tuple(i.columns) for i in file_db["answers"].indexes if i.unique]
    assert ("session_id", "field", "round") in unique
    assert [fk.other_table for fk in file_db["answers"].foreign_keys] == ["sessions"]
    assert [m.name for m in migrations.applied(file_db)] == MIGRATION_NAMES


def test_upgrade_from_first_migration_matches_fresh(tmp_path, file_db):
    migrations.apply(file_db, stop_before="m002_answers_fts")
    assert not file_db["answers_fts"].exists()
    # A journal written before search existed: its answers must become searchable.
    file_db["sessions"].insert({"id": "s1", "script": "walk", "started_at": "2026-01-01T10:00:00.000+00:00",
                                "status": "finished"})
    file_db["answers"].insert({"session_id": "s1", "field": "what_happened", "text": "a neighbour waved"})

    migrate(file_db)

    fresh = Database(tmp_path / "fresh.db")
    migrate(fresh)
    assert _schema(file_db) == _schema(fresh)
    assert [m.name for m in migrations.applied(file_db)] == MIGRATION_NAMES
    assert "neighbour" in _answers_fts_terms(file_db)
    fresh.close()


def test_migrating_twice_changes_nothing(file_db):
    migrate(file_db)
    before = (_schema(file_db), file_db.execute("SELECT name, applied_at FROM _sqlite_migrations").fetchall())
    migrate(file_db)
    after = (_schema(file_db), file_db.execute("SELECT name, applied_at FROM _sqlite_migrations").fetchall())
    assert before == after


def test_store_open_migrates_an_existing_file(tmp_path):
    from assistant.journal.store import Store

    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m002_answers_fts")
    old.close()
    with Store.open(path) as store:
        assert [m.name for m in migrations.applied(store.db)] == MIGRATION_NAMES
