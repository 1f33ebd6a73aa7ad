"""Backups of the SQLite database: a restored database passes `db check` and serves the same totals."""

from __future__ import annotations

import pytest

from planround.server.integrity import check_database, stored_total
from tests.climb import act, submit_department


def uni_total(engine):
    from sqlmodel import Session, select

    from planround.models import OrgUnit, PlanningRound

    with Session(engine) as session:
        planning_round = session.exec(select(PlanningRound)).one()
        university = session.exec(select(OrgUnit).where(OrgUnit.code == "UNI")).one()
        return stored_total(session, round_id=planning_round.id, unit=university), check_database(session)


def test_a_restored_backup_passes_the_check_and_has_the_same_totals(client, world, engine, run, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite backups only; PostgreSQL is backed up with pg_dump (see the README)")
    submit_department(client, world, "D101")
    act(client, world, "economist", "D101")
    before = uni_total(engine)
    backup = tmp_path / "backup.sqlite"
    assert run("db", "backup", str(backup)).exit_code == 0
    submit_department(client, world, "D102")
    assert uni_total(engine)[0] != before[0]
    engine.dispose()
    restored = run("db", "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert uni_total(engine) == (before[0], [])
    assert run("db", "check").exit_code == 0


def test_a_file_that_is_no_backup_is_refused_and_nothing_changes(run, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite backups only")
    run("db", "upgrade")
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"not a database at all")
    result = run("db", "restore", str(bogus))
    assert result.exit_code == 1 and "ingen SQLite-databas" in result.output


def test_a_postgresql_backup_points_to_pg_dump(run, database_url, tmp_path):
    if database_url.startswith("sqlite"):
        pytest.skip("this is about PostgreSQL")
    result = run("db", "backup", str(tmp_path / "x"))
    assert result.exit_code == 1 and "pg_dump" in result.output
