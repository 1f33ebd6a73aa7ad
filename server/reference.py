"""Load reference data (organisation, activities, accounts, users) from semicolon CSV files.

Every loader reads and validates the whole file before it touches the database; any problem
rejects the file with `ValidationFailed("load_failed")` listing each problem with its line
(the header is line 1). Loading is an upsert by code or username, so loading the same file
twice changes nothing. The loaders only flush: the caller commits, so a file is loaded whole
or not at all.

What a file replaces, and what it leaves alone:
- units and accounts missing from a file stay as they are (other data refer to them);
- the activities of a department named in the activities file are replaced by the file's;
  an activity that is left out but has actuals or budget lines cannot be removed, and the
  file is rejected with `activity_in_use` saying which activity to put back;
- the role assignments of a user named in the users file are replaced by the file's lines;
  users missing from the file keep theirs, and a user's `active` flag is never touched; a load
  that changes any role assignment needs the system owner's approval (role_changes).

Files are UTF-8 (with or without BOM) or Windows-1252, as Swedish Excel saves "CSV (semikolon)".
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from planround.models import (
    Account,
    AccountGroup,
    Activity,
    Actual,
    BudgetLine,
    OrgUnit,
    Role,
    RoleAssignment,
    UnitKind,
    User,
)
from planround.server.errors import Problem, ValidationFailed
from planround.server.messages import render
from planround.server.role_changes import check_approval, planned_changes, record_changes, role_diff

ORGANISATION_COLUMNS = ("code", "name", "name_en", "kind", "parent")
ACTIVITY_COLUMNS = ("unit", "code", "name", "category")
ACCOUNT_COLUMNS = ("code", "name", "name_en", "group", "plannable")
USER_COLUMNS = ("username", "full_name", "email", "language", "role", "unit")

ACTIVITY_CATEGORIES = ("education", "research", "commissioned", "support", "project")
LANGUAGES = ("sv", "en")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
EMAIL = re.compile(r"^[^@\s;]+@[^@\s;]+\.[^@\s;]+$")
ENCODINGS = ("utf-8-sig", "cp1252")  # as Swedish Excel saves "CSV UTF-8" and "CSV (semikolon)"
CHUNK_BYTES = 1 << 20

# The parent a unit of each kind must have: the levels are fixed, which also rules out cycles.
PARENT_KINDS: dict[UnitKind, tuple[UnitKind, ...]] = {
    UnitKind.university: (),
    UnitKind.faculty: (UnitKind.university,),
    UnitKind.administration: (UnitKind.university,),
    UnitKind.department: (UnitKind.faculty, UnitKind.administration),
}
LEVEL = {UnitKind.university: 0, UnitKind.faculty: 1, UnitKind.administration: 1,
         UnitKind.department: 2}

# Which kinds of unit a role may be held on.
ROLE_UNIT_KINDS: dict[Role, tuple[UnitKind, ...]] = {
    Role.administrator: (UnitKind.university,),
    Role.university: (UnitKind.university,),
    Role.system_admin: (UnitKind.university,),
    Role.system_owner: (UnitKind.university,),
    Role.group_head: (UnitKind.faculty, UnitKind.administration),
    Role.department_head: (UnitKind.department,),
    Role.economist: (UnitKind.department, UnitKind.faculty, UnitKind.administration),
    Role.superuser: tuple(UnitKind),
}


# --- results -----------------------------------------------------------------------------


@dataclass
class TableCounts:
    """What a load did to one table."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def changed(self) -> bool:
        """Whether any row was created, updated or removed."""
        return bool(self.created or self.updated or self.removed)


@dataclass
class LoadResult:
    """What a load did: the files read, their data lines and the counts per table."""

    files: tuple[str, ...]
    lines: int
    tables: dict[str, TableCounts] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether the load changed any table."""
        return any(counts.changed for counts in self.tables.values())

    def summary(self, lang: str = "sv") -> str:
        """Return one line saying what the load did, over all tables."""
        totals = {name: sum(getattr(c, name) for c in self.tables.values())
                  for name in ("created", "updated", "removed", "unchanged")}
        return render("load_result", lang, files=", ".join(self.files), lines=self.lines, **totals)

    __str__ = summary


# --- reading CSV files -------------------------------------------------------------------


@dataclass
class CsvRow:
    """One data line of a CSV file: its 1-based line number and its stripped values."""

    line: int
    values: dict[str, str]
    text: str = ""  # the line as the file has it, for a quarantine report
    problems: list[Problem] = field(default_factory=list)  # what is wrong with its form

    def __getitem__(self, column: str) -> str:
        """Return the column's value, empty when the file has no such column."""
        return self.values.get(column, "")


@dataclass
class CsvFile:
    """A read CSV file: its name, its data rows and what was wrong with its form."""

    name: str
    rows: list[CsvRow]
    problems: list[Problem]


def problem(code: str, file: str, line: int | None = None, **params) -> Problem:
    """Return a Problem that names the file and, when known, the line."""
    return Problem(code, {"file": file, "line": line, **params}, line=line)


def detect_encoding(path: Path) -> str | None:
    """Return the first encoding the whole file decodes in, reading it in chunks, else None."""
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as stream:
                for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    return None


def read_csv(path: str | Path, columns: Iterable[str]) -> CsvFile:
    """Read a semicolon-separated file whose header holds `columns`, in any order."""
    rows, problems = [], []
    for item in stream_csv(path, columns):
        if isinstance(item, Problem):
            problems.append(item)
        elif item.problems:
            problems += item.problems
        else:
            rows.append(item)
    return CsvFile(Path(path).name, rows, problems)


def stream_csv(path: str | Path, columns: Iterable[str]) -> Iterator[CsvRow | Problem]:
    """Yield a semicolon file's data rows one at a time, or the problems of the whole file.

    A row whose form is wrong carries its problems; a Problem on its own means the file
    cannot be read as a whole (unreadable, not UTF-8 or Windows-1252, a bad header).
    """
    path = Path(path)
    try:
        encoding = detect_encoding(path)
        if encoding is None:
            yield problem("file_encoding", path.name)
            return
        with path.open(encoding=encoding, newline="") as stream:
            yield from stream_rows(path.name, stream, tuple(columns))
    except OSError as exc:
        yield problem("file_unreadable", path.name, detail=exc.strerror)


def stream_rows(name: str, stream: Iterable[str], columns: tuple[str, ...]) -> Iterator[CsvRow | Problem]:
    """Check the header, then yield the data lines after it, skipping blank ones."""
    physical: list[str] = []  # the lines of the record being read, for CsvRow.text

    def lines() -> Iterator[str]:
        for line in stream:
            physical.append(line)
            yield line
    reader = csv.reader(lines(), delimiter=";")
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        yield problem("file_empty", name, expected=";".join(columns))
        return
    header = [cell.strip().lower() for cell in header]
    problems = header_problems(name, header, columns)
    yield from problems
    physical.clear()
    for record in ([] if problems else reader):
        yield from row_of(name, reader.line_num, header, record, "".join(physical).rstrip("\r\n"))
        physical.clear()


def row_of(name: str, line: int, header: list[str], record: list[str], text: str) -> Iterator[CsvRow]:
    """Yield the row of one record, none for a blank one, with a problem if its length is wrong."""
    if not any(cell.strip() for cell in record):
        return  # Excel leaves lines of bare semicolons below the data
    if len(record) != len(header):
        yield CsvRow(line, {}, text, [problem("line_column_count", name, line,
                                              found=len(record), expected=len(header))])
        return
    yield CsvRow(line, {column: cell.strip() for column, cell in zip(header, record) if column}, text)


def header_problems(name: str, header: list[str], columns: tuple[str, ...]) -> list[Problem]:
    """Return what is wrong with a header: duplicated or missing columns."""
    problems = [problem("file_duplicate_column", name, 1, column=column)
                for column in sorted({c for c in header if c and header.count(c) > 1})]
    missing = [column for column in columns if column not in header]
    if missing:
        problems.append(problem("file_missing_columns", name, 1, missing=", ".join(missing),
                                expected=";".join(columns)))
    return problems


def check_fields(name: str, row: CsvRow, required: Iterable[str],
                 limits: dict[str, int]) -> list[Problem]:
    """Return the problems of empty required fields and values too long for their column."""
    problems = [problem("field_required", name, row.line, column=column)
                for column in required if not row[column]]
    problems += [problem("field_too_long", name, row.line, column=column, limit=limit)
                 for column, limit in limits.items() if len(row[column]) > limit]
    return problems


def reject_if(problems: list[Problem], *files: CsvFile) -> None:
    """Raise ValidationFailed naming the files that have problems, if there are any."""
    if not problems:
        return
    names = [f.name for f in files if any(p.params.get("file") == f.name for p in problems)]
    raise ValidationFailed("load_failed", problems=problems,
                           file=", ".join(names or [f.name for f in files]), count=len(problems))


def first_lines(rows: list[CsvRow], key) -> dict:
    """Map each key to the line of the first row that has it."""
    seen: dict = {}
    for row in rows:
        seen.setdefault(key(row), row.line)
    return seen


# --- organisation and activities ---------------------------------------------------------


@dataclass
class UnitSpec:
    code: str
    name: str
    name_en: str | None
    kind: UnitKind
    parent: str | None
    line: int | None  # None: the unit is only in the database


def load_organisation(session: Session, *, organisation_path: str | Path,
                      activities_path: str | Path) -> LoadResult:
    """Upsert the organisation tree and replace the activities of the departments named."""
    units_file = read_csv(organisation_path, ORGANISATION_COLUMNS)
    activities_file = read_csv(activities_path, ACTIVITY_COLUMNS)
    problems = units_file.problems + activities_file.problems
    specs, unit_problems = unit_specs(units_file)
    problems += unit_problems
    tree = merged_tree(session, specs)
    problems += tree_problems(units_file.name, tree, specs)
    kinds = {code: spec.kind for code, spec in tree.items()}
    wanted, activity_problems = activity_specs(activities_file, kinds)
    problems += activity_problems
    problems += activities_in_use(session, activities_file)
    reject_if(problems, units_file, activities_file)
    result = LoadResult((units_file.name, activities_file.name),
                        len(units_file.rows) + len(activities_file.rows))
    result.tables["org_unit"] = upsert_units(session, specs)
    result.tables["activity"] = replace_activities(session, wanted)
    return result


def unit_specs(units_file: CsvFile) -> tuple[list[UnitSpec], list[Problem]]:
    """Check each line of the organisation file on its own and return the valid units."""
    name, specs, problems = units_file.name, [], []
    first = first_lines(units_file.rows, lambda row: row["code"])
    for row in units_file.rows:
        found = check_fields(name, row, ("code", "name", "kind"),
                             {"code": 32, "name": 200, "name_en": 200, "parent": 32})
        if row["code"] and first[row["code"]] != row.line:
            found.append(problem("unit_duplicate", name, row.line, unit=row["code"],
                                 first=first[row["code"]]))
        if row["kind"] and row["kind"] not in UnitKind.__members__:
            found.append(problem("unit_kind_unknown", name, row.line, kind=row["kind"],
                                 allowed=", ".join(UnitKind.__members__)))
        problems += found
        if not found:
            specs.append(UnitSpec(row["code"], row["name"], row["name_en"] or None,
                                  UnitKind(row["kind"]), row["parent"] or None, row.line))
    return specs, problems


def merged_tree(session: Session, specs: list[UnitSpec]) -> dict[str, UnitSpec]:
    """Return the tree the load would leave: the database's units overlaid with the file's."""
    units = session.exec(select(OrgUnit)).all()
    codes = {unit.id: unit.code for unit in units}
    tree = {unit.code: UnitSpec(unit.code, unit.name, unit.name_en, UnitKind(unit.kind),
                                codes.get(unit.parent_id), None) for unit in units}
    tree.update({spec.code: spec for spec in specs})
    return tree


def tree_problems(name: str, tree: dict[str, UnitSpec], specs: list[UnitSpec]) -> list[Problem]:
    """Check that every unit of the file, and every unit below one, sits under the right kind."""
    in_file = {spec.code for spec in specs}
    problems = []
    for spec in tree.values():
        if spec.line is not None:
            problems += parent_problems(name, tree, spec)
        elif spec.parent in in_file and parent_problems(name, tree, spec):
            parent = tree[spec.parent]
            problems.append(problem("unit_child_orphaned", name, unit=spec.code, parent=parent.code,
                                    parent_kind=parent.kind.value,
                                    expected=kind_names(PARENT_KINDS[spec.kind])))
    # The university already stored, else the file's first, is the one; others are reported.
    universities = sorted((spec for spec in tree.values() if spec.kind == UnitKind.university),
                          key=lambda spec: (spec.line is not None, spec.line or 0))
    for spec in (spec for spec in universities[1:] if spec.line is not None):
        problems.append(problem("unit_second_university", name, spec.line, unit=spec.code,
                                other=universities[0].code))
    return problems


def parent_problems(name: str, tree: dict[str, UnitSpec], spec: UnitSpec) -> list[Problem]:
    """Return what is wrong with a unit's parent given the unit's kind."""
    expected = PARENT_KINDS[spec.kind]
    if not expected:
        return [] if spec.parent is None else [
            problem("unit_university_parent", name, spec.line, unit=spec.code)]
    if spec.parent is None:
        return [problem("unit_parent_missing", name, spec.line, unit=spec.code,
                        kind=spec.kind.value, expected=kind_names(expected))]
    parent = tree.get(spec.parent)
    if parent is None:
        return [problem("unit_parent_unknown", name, spec.line, parent=spec.parent)]
    if parent.kind not in expected:
        return [problem("unit_parent_kind", name, spec.line, unit=spec.code, kind=spec.kind.value,
                        parent=parent.code, parent_kind=parent.kind.value,
                        expected=kind_names(expected))]
    return []


def kind_names(kinds: Iterable[UnitKind]) -> str:
    """Return kinds as the file spells them, joined for a message."""
    return " eller ".join(kind.value for kind in kinds)


@dataclass
class ActivitySpec:
    unit: str
    code: str
    name: str
    category: str
    line: int


def activity_specs(activities_file: CsvFile,
                   kinds: dict[str, UnitKind]) -> tuple[dict[str, list[ActivitySpec]], list[Problem]]:
    """Check the activities file and return the valid activities grouped by department code."""
    name, wanted, problems = activities_file.name, {}, []
    first = first_lines(activities_file.rows, lambda row: (row["unit"], row["code"]))
    for row in activities_file.rows:
        found = check_fields(name, row, ACTIVITY_COLUMNS, {"code": 32, "name": 200})
        found += activity_unit_problems(name, row, kinds)
        if row["unit"] and row["code"] and first[(row["unit"], row["code"])] != row.line:
            found.append(problem("activity_duplicate", name, row.line, unit=row["unit"],
                                 activity=row["code"], first=first[(row["unit"], row["code"])]))
        if row["category"] and row["category"] not in ACTIVITY_CATEGORIES:
            found.append(problem("activity_category_unknown", name, row.line,
                                 category=row["category"], allowed=", ".join(ACTIVITY_CATEGORIES)))
        problems += found
        if not found:
            wanted.setdefault(row["unit"], []).append(
                ActivitySpec(row["unit"], row["code"], row["name"], row["category"], row.line))
    return wanted, problems


def activity_unit_problems(name: str, row: CsvRow, kinds: dict[str, UnitKind]) -> list[Problem]:
    """Return the problem with an activity's unit: unknown, or not a department."""
    if not row["unit"]:
        return []
    kind = kinds.get(row["unit"])
    if kind is None:
        return [problem("activity_unit_unknown", name, row.line, unit=row["unit"])]
    if kind != UnitKind.department:
        return [problem("activity_unit_not_department", name, row.line, unit=row["unit"],
                        kind=kind.value)]
    return []


def activities_in_use(session: Session, activities_file: CsvFile) -> list[Problem]:
    """Return a problem for each activity the file would remove that data still refer to."""
    # Every line counts as kept, even a faulty one, so a typo is not also reported as a removal.
    keep = {(row["unit"], row["code"]) for row in activities_file.rows}
    if not keep:
        return []
    rows = session.exec(
        select(Activity.id, Activity.code, OrgUnit.code)
        .join(OrgUnit, OrgUnit.id == Activity.unit_id)
        .where(OrgUnit.code.in_(sorted({unit for unit, _ in keep})))
    ).all()
    dropped = {activity_id: (unit, code) for activity_id, code, unit in rows
               if (unit, code) not in keep}
    used = referenced_activity_ids(session, list(dropped))
    return [problem("activity_in_use", activities_file.name, unit=dropped[i][0], activity=dropped[i][1])
            for i in sorted(used, key=lambda i: dropped[i])]


def referenced_activity_ids(session: Session, activity_ids: list[int]) -> set[int]:
    """Return which of these activities have actuals or budget lines."""
    if not activity_ids:
        return set()
    used = set(session.exec(select(Actual.activity_id).where(
        Actual.activity_id.in_(activity_ids)).distinct()).all())
    used |= set(session.exec(select(BudgetLine.activity_id).where(
        BudgetLine.activity_id.in_(activity_ids)).distinct()).all())
    return used


def upsert_units(session: Session, specs: list[UnitSpec]) -> TableCounts:
    """Create or update the units, parents first so every parent has its id."""
    counts = TableCounts()
    existing = {unit.code: unit for unit in session.exec(select(OrgUnit)).all()}
    for spec in sorted(specs, key=lambda s: LEVEL[s.kind]):
        unit = existing.get(spec.code)
        parent_id = existing[spec.parent].id if spec.parent else None
        values = {"name": spec.name, "name_en": spec.name_en, "kind": spec.kind,
                  "parent_id": parent_id}
        if unit is None:
            unit = existing[spec.code] = OrgUnit(code=spec.code, **values)
            session.add(unit)
            counts.created += 1
        else:
            tally(counts, assign(unit, values))
        session.flush()  # the children below need this unit's id
    return counts


def assign(row, values: dict) -> bool:
    """Set the values that differ on a table row; return whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def tally(counts: TableCounts, changed: bool) -> None:
    """Count an existing row as updated or unchanged."""
    if changed:
        counts.updated += 1
    else:
        counts.unchanged += 1


def replace_activities(session: Session, wanted: dict[str, list[ActivitySpec]]) -> TableCounts:
    """Make each named department's activities exactly those of the file."""
    counts = TableCounts()
    units = {u.code: u for u in session.exec(select(OrgUnit).where(OrgUnit.code.in_(list(wanted))))}
    for unit_code, specs in wanted.items():
        unit = units[unit_code]
        current = {a.code: a for a in session.exec(select(Activity).where(Activity.unit_id == unit.id))}
        for spec in specs:
            activity = current.pop(spec.code, None)
            values = {"name": spec.name, "category": spec.category}
            if activity is None:
                session.add(Activity(unit_id=unit.id, code=spec.code, **values))
                counts.created += 1
            else:
                tally(counts, assign(activity, values))
        for activity in current.values():  # checked unused by activities_in_use
            session.delete(activity)
            counts.removed += 1
    session.flush()
    return counts


# --- accounts ----------------------------------------------------------------------------


def load_accounts(session: Session, *, path: str | Path) -> LoadResult:
    """Upsert the chart of accounts; accounts missing from the file are left as they are."""
    accounts_file = read_csv(path, ACCOUNT_COLUMNS)
    wanted, problems = account_values(accounts_file)
    reject_if(accounts_file.problems + problems, accounts_file)
    counts = TableCounts()
    existing = {a.code: a for a in session.exec(select(Account)).all()}
    for code, values in wanted.items():
        if code in existing:
            tally(counts, assign(existing[code], values))
        else:
            session.add(Account(code=code, **values))
            counts.created += 1
    session.flush()
    return LoadResult((accounts_file.name,), len(accounts_file.rows), {"account": counts})


def account_values(accounts_file: CsvFile) -> tuple[dict[str, dict], list[Problem]]:
    """Check the accounts file and return each valid account's values by code."""
    name, wanted, problems = accounts_file.name, {}, []
    first = first_lines(accounts_file.rows, lambda row: row["code"])
    for row in accounts_file.rows:
        found = check_fields(name, row, ("code", "name", "group", "plannable"),
                             {"code": 16, "name": 200, "name_en": 200})
        if row["code"] and first[row["code"]] != row.line:
            found.append(problem("account_duplicate", name, row.line, account=row["code"],
                                 first=first[row["code"]]))
        if row["group"] and row["group"] not in AccountGroup.__members__:
            found.append(problem("account_group_unknown", name, row.line, group=row["group"],
                                 allowed=", ".join(AccountGroup.__members__)))
        if row["plannable"] and row["plannable"] not in ("0", "1"):
            found.append(problem("account_plannable_invalid", name, row.line,
                                 value=row["plannable"]))
        problems += found
        if not found:
            wanted[row["code"]] = {"name": row["name"], "name_en": row["name_en"] or None,
                                   "group": AccountGroup(row["group"]),
                                   "plannable": row["plannable"] == "1"}
    return wanted, problems


# --- users and role assignments ----------------------------------------------------------


@dataclass
class UserSpec:
    username: str
    full_name: str
    email: str | None
    language: str
    line: int
    roles: set[tuple[Role, int]] = field(default_factory=set)


def load_users(session: Session, *, path: str | Path, approved_by: str | None = None) -> LoadResult:
    """Upsert the users and make the role assignments of each named user those of the file.

    A load that grants or revokes a role must be approved by the system owner (`approved_by`);
    each change is audited with the approver (role_changes).
    """
    users_file = read_csv(path, USER_COLUMNS)
    units = {u.code: u for u in session.exec(select(OrgUnit)).all()}
    specs, problems = user_specs(users_file, units)
    reject_if(users_file.problems + problems, users_file)
    changes = planned_changes(session, {name: spec.roles for name, spec in specs.items()})
    check_approval(session, changes=changes, approved_by=approved_by, file=users_file.name)
    user_counts, role_counts = TableCounts(), TableCounts()
    existing = {u.username: u for u in session.exec(
        select(User).where(User.username.in_(list(specs)))).all()}
    for spec in specs.values():
        user = upsert_user(session, existing.get(spec.username), spec, user_counts)
        replace_roles(session, user, spec.roles, role_counts)
    session.flush()
    if changes:
        record_changes(session, changes=changes, approved_by=approved_by)
    return LoadResult((users_file.name,), len(users_file.rows),
                      {"user_account": user_counts, "role_assignment": role_counts})


def user_specs(users_file: CsvFile, units: dict[str, OrgUnit]) -> tuple[dict[str, UserSpec], list[Problem]]:
    """Check the users file line by line and gather each user's details and roles."""
    name, specs, problems = users_file.name, {}, []
    seen_roles: dict[tuple[str, str, str], int] = {}
    for row in users_file.rows:
        found = user_line_problems(name, row, units)
        key = (row["username"], row["role"], row["unit"])
        if key in seen_roles:
            found.append(problem("user_role_duplicate", name, row.line, username=row["username"],
                                 role=row["role"], unit=row["unit"], first=seen_roles[key]))
        seen_roles.setdefault(key, row.line)
        spec = specs.get(row["username"])
        if spec is not None:
            found += user_detail_conflicts(name, row, spec)
        problems += found
        if found:
            continue
        if spec is None:
            spec = specs[row["username"]] = UserSpec(
                row["username"], row["full_name"], row["email"] or None, row["language"] or "sv",
                row.line)
        spec.roles.add((Role(row["role"]), units[row["unit"]].id))
    return specs, problems


def user_line_problems(name: str, row: CsvRow, units: dict[str, OrgUnit]) -> list[Problem]:
    """Return what is wrong with one line of the users file on its own."""
    found = check_fields(name, row, ("username", "full_name", "role", "unit"),
                         {"username": 64, "full_name": 200, "email": 200})
    if row["username"] and not USERNAME.match(row["username"]):
        found.append(problem("user_username_invalid", name, row.line, username=row["username"]))
    if row["email"] and not EMAIL.match(row["email"]):
        found.append(problem("user_email_invalid", name, row.line, email=row["email"]))
    if row["language"] and row["language"] not in LANGUAGES:
        found.append(problem("user_language_invalid", name, row.line, language=row["language"]))
    if row["role"] and row["role"] not in Role.__members__:
        found.append(problem("user_role_unknown", name, row.line, role=row["role"],
                             allowed=", ".join(Role.__members__)))
    unit = units.get(row["unit"])
    if row["unit"] and unit is None:
        found.append(problem("user_unit_unknown", name, row.line, unit=row["unit"]))
    elif unit is not None and row["role"] in Role.__members__:
        allowed = ROLE_UNIT_KINDS[Role(row["role"])]
        if UnitKind(unit.kind) not in allowed:
            found.append(problem("user_role_unit_kind", name, row.line, role=row["role"],
                                 unit=unit.code, kind=UnitKind(unit.kind).value,
                                 expected=kind_names(allowed)))
    return found


def user_detail_conflicts(name: str, row: CsvRow, spec: UserSpec) -> list[Problem]:
    """Return a problem for each detail of a user that differs from the user's first line."""
    mine = {"full_name": row["full_name"], "email": row["email"] or None,
            "language": row["language"] or "sv"}
    theirs = {"full_name": spec.full_name, "email": spec.email, "language": spec.language}
    return [problem("user_details_conflict", name, row.line, username=spec.username,
                    column=column, first=spec.line)
            for column in mine if mine[column] != theirs[column]]


def upsert_user(session: Session, user: User | None, spec: UserSpec, counts: TableCounts) -> User:
    """Create the user or update its details; never touch whether it is active."""
    values = {"full_name": spec.full_name, "email": spec.email, "language": spec.language}
    if user is None:
        user = User(username=spec.username, **values)
        session.add(user)
        session.flush()  # the role assignments need the user's id
        counts.created += 1
    else:
        tally(counts, assign(user, values))
    return user


def replace_roles(session: Session, user: User, wanted: set[tuple[Role, int]],
                  counts: TableCounts) -> None:
    """Make the user's role assignments exactly `wanted`."""
    current = {(Role(a.role), a.unit_id): a for a in session.exec(
        select(RoleAssignment).where(RoleAssignment.user_id == user.id)).all()}
    revoke, grant = role_diff(set(current), wanted)
    for key in revoke:
        session.delete(current[key])
    session.flush()  # deletions first, so a re-added assignment does not hit the unique key
    for role, unit_id in sorted(grant, key=lambda k: (k[0].value, k[1])):
        session.add(RoleAssignment(user_id=user.id, role=role, unit_id=unit_id))
    counts.unchanged += len(current) - len(revoke)
    counts.removed += len(revoke)
    counts.created += len(grant)


# --- looking up ---------------------------------------------------------------------------


def holders_of(session: Session, role: Role, unit_code: str) -> list[User]:
    """Return the users holding `role` directly on the unit, by username (e.g. its economists)."""
    return list(session.exec(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(RoleAssignment.role == role, OrgUnit.code == unit_code)
        .order_by(User.username)
    ).all())
