"""Role changes need the system owner's approval, and each is audited with who approved it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from planround.models import AuditEvent, Role, RoleAssignment
from planround.server.demo import DEMO_SYSTEM_OWNER
from planround.server.demo_data import DEMO_DATA_DIR
from planround.server.errors import Forbidden, ValidationFailed
from planround.server.reference import holders_of, load_accounts, load_organisation, load_users
from planround.server.role_changes import role_change_log

HEADER = "username;full_name;email;language;role;unit\n"
OWNER_LINE = "agnes.godkannare;Agnes Godkännare;;sv;system_owner;UNI\n"
NEW_ECONOMIST = "per.ny;Per Ny;;sv;economist;D110\n"


def users_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "users.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def organisation(session):
    """The demo organisation and accounts, without any user."""
    load_organisation(session, organisation_path=DEMO_DATA_DIR / "organisation.csv",
                      activities_path=DEMO_DATA_DIR / "activities.csv")
    load_accounts(session, path=DEMO_DATA_DIR / "accounts.csv")
    session.commit()
    return session


@pytest.fixture
def demo_users(organisation):
    """The demo's users loaded, approved by its system owner."""
    load_users(organisation, path=DEMO_DATA_DIR / "users.csv", approved_by=DEMO_SYSTEM_OWNER)
    organisation.commit()
    return organisation


def role_count(session) -> int:
    return len(session.exec(select(RoleAssignment)).all())


def test_the_first_load_is_approved_by_the_system_owner_it_makes(organisation, tmp_path):
    load_users(organisation, path=users_file(tmp_path, OWNER_LINE, NEW_ECONOMIST), approved_by="agnes.godkannare")
    organisation.commit()
    log = role_change_log(organisation)
    assert [(c.action, c.username, c.role, c.unit, c.approved_by) for c in log] == [
        ("role_granted", "agnes.godkannare", "system_owner", "UNI", "agnes.godkannare"),
        ("role_granted", "per.ny", "economist", "D110", "agnes.godkannare")]
    assert all(c.run_by for c in log)


def test_a_first_load_approved_by_someone_it_does_not_make_owner_is_refused(organisation, tmp_path):
    with pytest.raises(Forbidden) as caught:
        load_users(organisation, path=users_file(tmp_path, OWNER_LINE, NEW_ECONOMIST), approved_by="per.ny")
    assert caught.value.code == "role_change_no_owner_yet"
    assert "per.ny" in caught.value.message("sv")
    assert role_count(organisation) == 0


def test_a_role_change_without_an_approver_is_refused_and_nothing_changes(demo_users, tmp_path):
    before = role_count(demo_users)
    with pytest.raises(ValidationFailed) as caught:
        load_users(demo_users, path=users_file(tmp_path, NEW_ECONOMIST))
    demo_users.rollback()
    assert caught.value.code == "role_change_unapproved"
    assert "users.csv" in caught.value.message("sv") and "--approved-by" in caught.value.message("sv")
    assert role_count(demo_users) == before
    assert holders_of(demo_users, Role.economist, "D110") != []
    assert "per.ny" not in {c.username for c in role_change_log(demo_users)}


def test_only_the_system_owner_may_approve(demo_users, tmp_path):
    with pytest.raises(Forbidden) as caught:
        load_users(demo_users, path=users_file(tmp_path, NEW_ECONOMIST), approved_by="mikael.behorighetsson")
    assert caught.value.code == "role_change_not_owner"
    assert DEMO_SYSTEM_OWNER in caught.value.message("sv")


def test_a_change_is_audited_with_its_approver_grant_and_revoke(demo_users, tmp_path):
    text = "anna.exempelsson;Anna Exempelsson;anna@mittland.example;sv;economist;D130\n"
    load_users(demo_users, path=users_file(tmp_path, text), approved_by=DEMO_SYSTEM_OWNER)
    demo_users.commit()
    changes = [c for c in role_change_log(demo_users) if c.username == "anna.exempelsson"]
    granted = {(c.role, c.unit) for c in changes if c.action == "role_granted"}
    revoked = {(c.role, c.unit) for c in changes if c.action == "role_revoked"}
    assert ("economist", "D130") in granted
    assert ("economist", "D120") in revoked and ("economist", "D130") not in revoked
    assert {c.approved_by for c in changes} == {DEMO_SYSTEM_OWNER}
    events = demo_users.exec(select(AuditEvent).where(AuditEvent.action == "role_revoked")).all()
    assert events and {e.user_id for e in events} == {
        holders_of(demo_users, Role.system_owner, "UNI")[0].id}


def test_a_load_that_changes_no_role_needs_no_approval(demo_users):
    before = len(role_change_log(demo_users))
    result = load_users(demo_users, path=DEMO_DATA_DIR / "users.csv")
    assert not result.tables["role_assignment"].changed
    assert len(role_change_log(demo_users)) == before


def test_the_command_line_names_the_approver_and_lists_the_changes(loaded, tmp_path):
    path = users_file(tmp_path, NEW_ECONOMIST)
    refused = loaded("load", "users", str(path))
    assert refused.exit_code == 1 and "--approved-by" in refused.output
    accepted = loaded("load", "users", str(path), "--approved-by", DEMO_SYSTEM_OWNER)
    assert accepted.exit_code == 0, accepted.output
    listed = loaded("users", "role-changes")
    assert listed.exit_code == 0
    assert f"per.ny: economist på D110 tilldelad, godkänd av {DEMO_SYSTEM_OWNER}" in listed.output


def test_a_process_without_a_user_name_is_recorded_by_its_uid(monkeypatch):
    from planround.server import role_changes

    def no_name() -> str:
        raise KeyError("getpwuid(): uid not found")

    monkeypatch.setattr(role_changes.getpass, "getuser", no_name)
    assert role_changes.operating_system_account().startswith("uid ")
