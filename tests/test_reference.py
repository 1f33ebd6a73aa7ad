"""Loading the organisation, activities, accounts and users from CSV files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from planround.models import (
    Account,
    AccountGroup,
    Activity,
    Actual,
    OrgUnit,
    Role,
    RoleAssignment,
    UnitKind,
    User,
)
from planround.server.demo import DEMO_SYSTEM_OWNER
from planround.server.demo_data import DEMO_DATA_DIR
from planround.server.errors import ValidationFailed
from planround.server.reference import (
    holders_of,
    load_accounts,
    load_organisation,
    load_users,
)


def demo_text(name: str) -> str:
    return (DEMO_DATA_DIR / name).read_text(encoding="utf-8")


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def load_demo(session, tmp_path: Path | None = None) -> None:
    load_organisation(session, organisation_path=DEMO_DATA_DIR / "organisation.csv",
                      activities_path=DEMO_DATA_DIR / "activities.csv")
    load_accounts(session, path=DEMO_DATA_DIR / "accounts.csv")
    load_users(session, path=DEMO_DATA_DIR / "users.csv", approved_by=DEMO_SYSTEM_OWNER)
    session.commit()


def snapshot(session) -> dict[str, list[tuple]]:
    """Every reference row as plain tuples, to compare before and after a load."""
    session.expire_all()
    return {
        "units": sorted((u.id, u.code, u.name, u.name_en, u.kind.value, u.parent_id)
                        for u in session.exec(select(OrgUnit))),
        "activities": sorted((a.id, a.unit_id, a.code, a.name, a.category)
                             for a in session.exec(select(Activity))),
        "accounts": sorted((a.code, a.name, a.name_en, a.group.value, a.plannable)
                           for a in session.exec(select(Account))),
        "users": sorted((u.id, u.username, u.full_name, u.email, u.language, u.active)
                        for u in session.exec(select(User))),
        "roles": sorted((r.id, r.user_id, r.role.value, r.unit_id)
                        for r in session.exec(select(RoleAssignment))),
    }


def assert_rejected(call, code: str, line: int | None) -> ValidationFailed:
    """Run a load that must fail and check the problem, its line and its messages."""
    with pytest.raises(ValidationFailed) as caught:
        call()
    error = caught.value
    assert error.code == "load_failed"
    assert (code, line) in [(p.code, p.line) for p in error.problems], error.to_dict("en")
    for lang in ("sv", "en"):
        assert "{" not in error.message(lang)
        for item in error.to_dict(lang)["errors"]:
            assert "{" not in item["message"] and item["message"] != item["code"], item
    return error


def load_org_text(session, tmp_path, organisation: str, activities: str | None = None):
    return load_organisation(
        session,
        organisation_path=write(tmp_path, "organisation.csv", organisation),
        activities_path=write(tmp_path, "activities.csv",
                              activities if activities is not None else demo_text("activities.csv")),
    )


# --- the demo files ----------------------------------------------------------------------


def test_the_demo_files_load_with_the_promised_counts(session):
    load_demo(session)
    units = session.exec(select(OrgUnit)).all()
    by_kind = {kind: [u for u in units if u.kind == kind] for kind in UnitKind}
    assert [u.code for u in by_kind[UnitKind.university]] == ["UNI"]
    assert len(by_kind[UnitKind.faculty]) >= 2
    assert [u.code for u in by_kind[UnitKind.administration]] == ["FORV"]
    assert len(by_kind[UnitKind.department]) >= 12
    for department in by_kind[UnitKind.department]:
        activities = session.exec(select(Activity).where(Activity.unit_id == department.id)).all()
        assert len(activities) >= 3, department.code
    accounts = session.exec(select(Account)).all()
    assert 35 <= len(accounts) <= 45
    assert {a.group for a in accounts} == set(AccountGroup)
    assert any(not a.plannable for a in accounts)


def test_every_department_has_an_economist_and_a_head(session):
    load_demo(session)
    departments = session.exec(select(OrgUnit).where(OrgUnit.kind == UnitKind.department)).all()
    for department in departments:
        assert len(holders_of(session, Role.economist, department.code)) >= 1, department.code
        assert len(holders_of(session, Role.department_head, department.code)) == 1
    for group in session.exec(select(OrgUnit).where(OrgUnit.kind != UnitKind.department)).all():
        if group.kind != UnitKind.university:
            assert len(holders_of(session, Role.group_head, group.code)) == 1
    for role in (Role.administrator, Role.university, Role.system_admin):
        assert holders_of(session, role, "UNI")


def test_a_user_with_two_roles_is_one_user_with_two_assignments(session):
    load_demo(session)
    anna = session.exec(select(User).where(User.username == "anna.exempelsson")).one()
    roles = session.exec(select(RoleAssignment).where(RoleAssignment.user_id == anna.id)).all()
    assert len(roles) == 3
    assert [u.username for u in holders_of(session, Role.economist, "D120")] == ["anna.exempelsson"]


def test_loading_the_demo_files_twice_changes_nothing(session):
    load_demo(session)
    before = snapshot(session)
    results = [
        load_organisation(session, organisation_path=DEMO_DATA_DIR / "organisation.csv",
                          activities_path=DEMO_DATA_DIR / "activities.csv"),
        load_accounts(session, path=DEMO_DATA_DIR / "accounts.csv"),
        load_users(session, path=DEMO_DATA_DIR / "users.csv"),
    ]
    session.commit()
    assert not any(result.changed for result in results)
    assert snapshot(session) == before


def test_a_load_is_undone_when_the_caller_rolls_back(session):
    load_organisation(session, organisation_path=DEMO_DATA_DIR / "organisation.csv",
                      activities_path=DEMO_DATA_DIR / "activities.csv")
    session.rollback()
    assert session.exec(select(OrgUnit)).all() == []


# --- updates and replacements ------------------------------------------------------------


def test_a_changed_file_updates_names_and_parents_in_place(session, tmp_path):
    load_demo(session)
    d110 = session.exec(select(OrgUnit).where(OrgUnit.code == "D110")).one()
    text = demo_text("organisation.csv").replace(
        "D110;Institutionen för matematik;Department of Mathematics;department;NAT",
        "D110;Matematiska institutionen;Department of Mathematics;department;HUM")
    result = load_org_text(session, tmp_path, text)
    session.commit()
    assert result.tables["org_unit"].updated == 1
    session.expire_all()
    moved = session.exec(select(OrgUnit).where(OrgUnit.code == "D110")).one()
    hum = session.exec(select(OrgUnit).where(OrgUnit.code == "HUM")).one()
    assert (moved.id, moved.name, moved.parent_id) == (d110.id, "Matematiska institutionen", hum.id)


def test_units_left_out_of_the_file_stay(session, tmp_path):
    load_demo(session)
    before = snapshot(session)
    lines = demo_text("organisation.csv").splitlines()
    load_org_text(session, tmp_path, "\n".join(lines[:5]) + "\n", "unit;code;name;category\n")
    session.commit()
    assert snapshot(session) == before


def test_activities_left_out_of_the_file_are_removed_when_unused(session, tmp_path):
    load_demo(session)
    activities = demo_text("activities.csv").replace("D110;EXT;Forskning matematik, externfinansierad;research\n", "")
    activities += "D110;NYA;Ny forskarskola;research\n"
    result = load_org_text(session, tmp_path, demo_text("organisation.csv"), activities)
    session.commit()
    counts = result.tables["activity"]
    assert (counts.created, counts.removed) == (1, 1)
    d110 = session.exec(select(OrgUnit).where(OrgUnit.code == "D110")).one()
    codes = session.exec(select(Activity.code).where(Activity.unit_id == d110.id)).all()
    assert sorted(codes) == ["FOR", "GRU", "NYA"]


def test_departments_not_named_in_the_activities_file_keep_their_activities(session, tmp_path):
    load_demo(session)
    before = len(session.exec(select(Activity)).all())
    load_org_text(session, tmp_path, demo_text("organisation.csv"),
                  "unit;code;name;category\nD110;GRU;Grundutbildning matematik;education\n")
    session.commit()
    assert len(session.exec(select(Activity)).all()) == before - 2


def test_an_activity_with_actuals_cannot_be_removed(session, tmp_path):
    load_demo(session)
    d110 = session.exec(select(OrgUnit).where(OrgUnit.code == "D110")).one()
    ext = session.exec(select(Activity).where(Activity.unit_id == d110.id, Activity.code == "EXT")).one()
    session.add(Actual(period=202601, unit_id=d110.id, activity_id=ext.id, account_code="3510",
                       amount=Decimal("100.00")))
    session.commit()
    before = snapshot(session)
    activities = demo_text("activities.csv").replace("D110;EXT;Forskning matematik, externfinansierad;research\n", "")
    error = assert_rejected(lambda: load_org_text(session, tmp_path, demo_text("organisation.csv"), activities),
                            "activity_in_use", None)
    assert "D110;EXT" in error.problems[0].to_dict("sv")["message"]
    assert snapshot(session) == before


def test_a_users_roles_are_replaced_by_the_file_and_other_users_keep_theirs(session, tmp_path):
    load_demo(session)
    text = ("username;full_name;email;language;role;unit\n"
            "anna.exempelsson;Anna Exempelsson;anna@mittland.example;en;economist;D130\n")
    result = load_users(session, path=write(tmp_path, "users.csv", text), approved_by=DEMO_SYSTEM_OWNER)
    session.commit()
    assert (result.tables["role_assignment"].created, result.tables["role_assignment"].removed) == (1, 3)
    assert [u.username for u in holders_of(session, Role.economist, "D110")] == []
    assert {u.username for u in holders_of(session, Role.economist, "D130")} == {
        "anna.exempelsson", "lars.kalkylen"}
    anna = session.exec(select(User).where(User.username == "anna.exempelsson")).one()
    assert (anna.email, anna.language) == ("anna@mittland.example", "en")


def test_an_account_name_change_is_updated_and_other_accounts_stay(session, tmp_path):
    load_demo(session)
    text = "code;name;name_en;group;plannable\n3011;Anslag, utbildning;;revenue;0\n"
    result = load_accounts(session, path=write(tmp_path, "accounts.csv", text))
    session.commit()
    assert result.tables["account"].updated == 1
    session.expire_all()
    account = session.get(Account, "3011")
    assert (account.name, account.name_en, account.plannable) == ("Anslag, utbildning", None, False)
    assert len(session.exec(select(Account)).all()) == 42


# --- encodings and CSV form --------------------------------------------------------------


def test_a_windows_1252_file_loads_with_its_swedish_letters(session, tmp_path):
    load_organisation(
        session,
        organisation_path=write(tmp_path, "organisation.csv", demo_text("organisation.csv"), "cp1252"),
        activities_path=write(tmp_path, "activities.csv", demo_text("activities.csv"), "cp1252"),
    )
    session.commit()
    forv = session.exec(select(OrgUnit).where(OrgUnit.code == "FORV")).one()
    assert forv.name == "Universitetsförvaltningen"


def test_a_utf8_file_with_a_byte_order_mark_loads(session, tmp_path):
    load_demo(session)
    text = "code;name;name_en;group;plannable\n3011;Intäkter av anslag, utbildning;Appropriation revenue, education;revenue;1\n"
    result = load_accounts(session, path=write(tmp_path, "accounts.csv", text, "utf-8-sig"))
    assert not result.changed


def test_a_file_in_neither_encoding_is_rejected(session, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_bytes(b"code;name;name_en;group;plannable\n3011;Anslag \x81;;revenue;1\n")
    assert_rejected(lambda: load_accounts(session, path=path), "file_encoding", None)


def test_blank_lines_quoted_semicolons_and_another_column_order_are_accepted(session, tmp_path):
    load_demo(session)
    text = ('NAME;Code;group;plannable;name_en\n'
            '"Resor; inrikes";5611;operating;1;\n'
            ';;;;\n\n')
    result = load_accounts(session, path=write(tmp_path, "accounts.csv", text))
    session.commit()
    assert result.lines == 1
    assert session.get(Account, "5611").name == "Resor; inrikes"


def test_it_rejects_a_missing_file(session, tmp_path):
    assert_rejected(lambda: load_accounts(session, path=tmp_path / "saknas.csv"), "file_unreadable", None)


def test_it_rejects_a_header_without_a_required_column(session, tmp_path):
    text = "code;name;group;plannable\n3011;Anslag;revenue;1\n"
    assert_rejected(lambda: load_accounts(session, path=write(tmp_path, "accounts.csv", text)),
                    "file_missing_columns", 1)


def test_it_rejects_an_empty_file(session, tmp_path):
    assert_rejected(lambda: load_accounts(session, path=write(tmp_path, "accounts.csv", "")),
                    "file_empty", None)


# --- bad lines: reported with their numbers, nothing written -----------------------------

ORGANISATION_CASES = {
    "a department whose parent is unknown": ("D999;Ny avdelning;;department;NOPE", "unit_parent_unknown"),
    "a department under a department": ("D999;Ny avdelning;;department;D110", "unit_parent_kind"),
    "a department without a parent": ("D999;Ny avdelning;;department;", "unit_parent_missing"),
    "a faculty under a department": ("FAK9;Ny fakultet;;faculty;D110", "unit_parent_kind"),
    "a unit of unknown kind": ("D999;Ny avdelning;;sektion;NAT", "unit_kind_unknown"),
    "a duplicate unit code": ("D110;Dubblett;;department;NAT", "unit_duplicate"),
    "a unit without a name": ("D999;;;department;NAT", "field_required"),
    "a line with too few fields": ("D999;Ny avdelning;department;NAT", "line_column_count"),
    "a second university": ("UNI2;Andra universitetet;;university;", "unit_second_university"),
    "a university with a parent": ("UNI2;Andra universitetet;;university;UNI", "unit_university_parent"),
    "a code too long for its column": ("D" * 33 + ";Ny avdelning;;department;NAT", "field_too_long"),
}


@pytest.mark.parametrize("line, code", ORGANISATION_CASES.values(), ids=list(ORGANISATION_CASES))
def test_it_rejects_a_bad_organisation_line_with_its_number_and_writes_nothing(session, tmp_path, line, code):
    load_demo(session)
    before = snapshot(session)
    text = demo_text("organisation.csv") + line + "\n"
    error = assert_rejected(lambda: load_org_text(session, tmp_path, text), code, 19)
    assert error.params["file"] == "organisation.csv"
    assert error.problems[0].to_dict("sv")["message"].startswith("organisation.csv, rad 19: ")
    assert snapshot(session) == before


def test_it_rejects_a_department_whose_parent_is_unknown(session, tmp_path):
    text = "code;name;name_en;kind;parent\nUNI;U;;university;\nD1;Avdelning;;department;FAK\n"
    assert_rejected(lambda: load_org_text(session, tmp_path, text, "unit;code;name;category\n"),
                    "unit_parent_unknown", 3)
    assert session.exec(select(OrgUnit)).all() == []


def test_it_rejects_groups_that_are_each_others_parent(session, tmp_path):
    text = ("code;name;name_en;kind;parent\nUNI;U;;university;\n"
            "FA;A;;faculty;FB\nFB;B;;faculty;FA\n")
    error = assert_rejected(lambda: load_org_text(session, tmp_path, text, "unit;code;name;category\n"),
                            "unit_parent_kind", 3)
    assert ("unit_parent_kind", 4) in [(p.code, p.line) for p in error.problems]


def test_it_rejects_a_faculty_turned_department_while_departments_sit_under_it(session, tmp_path):
    load_demo(session)
    before = snapshot(session)
    text = ("code;name;name_en;kind;parent\n"
            "NAT;Naturvetenskapliga institutionen;;department;HUM\n")
    error = assert_rejected(lambda: load_org_text(session, tmp_path, text, "unit;code;name;category\n"),
                            "unit_child_orphaned", None)
    assert {p.params["unit"] for p in error.problems} == {"D110", "D120", "D130", "D140", "D150"}
    assert snapshot(session) == before


def test_it_reports_every_bad_line_of_a_file_at_once(session, tmp_path):
    text = demo_text("organisation.csv") + "D998;X;;department;NOPE\nD999;Y;;sektion;NAT\n"
    error = assert_rejected(lambda: load_org_text(session, tmp_path, text), "unit_parent_unknown", 19)
    assert ("unit_kind_unknown", 20) in [(p.code, p.line) for p in error.problems]
    assert error.params["count"] == len(error.problems)


ACTIVITY_CASES = {
    "an activity of an unknown unit": ("D999;GRU;Grundutbildning;education", "activity_unit_unknown"),
    "an activity on a faculty": ("NAT;GRU;Grundutbildning;education", "activity_unit_not_department"),
    "a duplicate activity": ("D110;GRU;Dubblett;education", "activity_duplicate"),
    "an unknown category": ("D110;NY;Nytt;teaching", "activity_category_unknown"),
    "an activity without a category": ("D110;NY;Nytt;", "field_required"),
}


@pytest.mark.parametrize("line, code", ACTIVITY_CASES.values(), ids=list(ACTIVITY_CASES))
def test_it_rejects_a_bad_activity_line_with_its_number_and_writes_nothing(session, tmp_path, line, code):
    load_demo(session)
    before = snapshot(session)
    text = demo_text("activities.csv") + line + "\n"
    error = assert_rejected(lambda: load_org_text(session, tmp_path, demo_text("organisation.csv"), text),
                            code, 45)
    assert error.params["file"] == "activities.csv"
    assert snapshot(session) == before


ACCOUNT_CASES = {
    "an unknown account group": ("9999;Konto;;assets;1", "account_group_unknown"),
    "plannable other than 1 or 0": ("9999;Konto;;operating;ja", "account_plannable_invalid"),
    "a duplicate account": ("3011;Dubblett;;revenue;1", "account_duplicate"),
    "an account code too long": ("1" * 17 + ";Konto;;revenue;1", "field_too_long"),
    "an account without a group": ("9999;Konto;;;1", "field_required"),
}


@pytest.mark.parametrize("line, code", ACCOUNT_CASES.values(), ids=list(ACCOUNT_CASES))
def test_it_rejects_a_bad_account_line_with_its_number_and_writes_nothing(session, tmp_path, line, code):
    load_demo(session)
    before = snapshot(session)
    path = write(tmp_path, "accounts.csv", demo_text("accounts.csv") + line + "\n")
    assert_rejected(lambda: load_accounts(session, path=path), code, 44)
    assert snapshot(session) == before


USER_CASES = {
    "an unknown role": ("per.test;Per Test;;sv;wizard;UNI", "user_role_unknown"),
    "an unknown unit": ("per.test;Per Test;;sv;economist;D999", "user_unit_unknown"),
    "a department head on a faculty": ("per.test;Per Test;;sv;department_head;NAT", "user_role_unit_kind"),
    "an administrator on a department": ("per.test;Per Test;;sv;administrator;D110", "user_role_unit_kind"),
    "another name for the same user": (
        "anna.exempelsson;Anna Annorlunda;anna.exempelsson@mittland.example;sv;economist;D130",
        "user_details_conflict"),
    "a duplicate role": (
        "anna.exempelsson;Anna Exempelsson;anna.exempelsson@mittland.example;sv;economist;D110",
        "user_role_duplicate"),
    "an upper-case username": ("Per.Test;Per Test;;sv;economist;D110", "user_username_invalid"),
    "a malformed e-mail address": ("per.test;Per Test;inte-en-adress;sv;economist;D110", "user_email_invalid"),
    "an unsupported language": ("per.test;Per Test;;de;economist;D110", "user_language_invalid"),
    "a user without a role": ("per.test;Per Test;;sv;;D110", "field_required"),
}


@pytest.mark.parametrize("line, code", USER_CASES.values(), ids=list(USER_CASES))
def test_it_rejects_a_bad_user_line_with_its_number_and_writes_nothing(session, tmp_path, line, code):
    load_demo(session)
    before = snapshot(session)
    path = write(tmp_path, "users.csv", demo_text("users.csv") + line + "\n")
    assert_rejected(lambda: load_users(session, path=path, approved_by=DEMO_SYSTEM_OWNER), code, 37)
    assert snapshot(session) == before


def test_users_cannot_be_loaded_before_the_organisation(session):
    error = assert_rejected(lambda: load_users(session, path=DEMO_DATA_DIR / "users.csv"),
                            "user_unit_unknown", 2)
    assert len(error.problems) == 35
    assert session.exec(select(User)).all() == []
