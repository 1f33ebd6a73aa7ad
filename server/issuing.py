"""Issuing templates in a round: generate (a budget with last year's actuals), record, hand out again."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from planround.models import OrgUnit, PlanningRound, RoundKind, TemplateIssue, User
from planround.server.audit import record
from planround.server.organisation import departments_below, get_department, get_university
from planround.server.templates import GeneratedTemplate, generate_template
from planround.server.ubw import last_year_actuals


@dataclass(frozen=True)
class IssuedTemplate:
    """A template as handed out: which unit, which version, the file."""

    unit_code: str
    template_version: int
    filename: str
    content: bytes
    checksum: str


def issue_template(session: Session, *, planning_round: PlanningRound, unit: OrgUnit, secret: str,
                   user: User | None) -> IssuedTemplate:
    """Generate the department's next template version, prefilled with what its kind shows.

    A budget shows last year's actuals, given here; a forecast gathers its own basis (the
    year's budget and actuals by month).
    """
    last_year = None if planning_round.kind == RoundKind.forecast else last_year_actuals(
        session, unit_id=unit.id, fiscal_year=planning_round.fiscal_year - 1)
    generated: GeneratedTemplate = generate_template(
        session, planning_round=planning_round, unit=unit, secret=secret,
        issued_by_id=user.id if user else None, last_year=last_year,
    )
    record(session, action="template.issue", user=user, round_id=planning_round.id, unit_id=unit.id,
           detail={"template_version": generated.issue.template_version,
                   "checksum": generated.issue.checksum})
    return IssuedTemplate(unit.code, generated.issue.template_version, generated.filename,
                          generated.content, generated.issue.checksum)


def issue_templates(session: Session, *, planning_round: PlanningRound, unit_code: str | None,
                    secret: str, user: User | None) -> list[IssuedTemplate]:
    """Issue a new template version for one department, or for every department when none is named."""
    units = [get_department(session, unit_code)] if unit_code else departments_below(
        session, get_university(session))
    return [issue_template(session, planning_round=planning_round, unit=unit, secret=secret, user=user)
            for unit in units]


def write_templates(issued: list[IssuedTemplate], *, out_dir: Path, round_code: str) -> list[Path]:
    """Write each template to `<out_dir>/<round>/<unit>.xlsx` and return the paths."""
    folder = Path(out_dir) / round_code
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for template in issued:
        path = folder / f"{template.unit_code}.xlsx"
        path.write_bytes(template.content)
        paths.append(path)
    return paths


def current_template(session: Session, *, planning_round: PlanningRound,
                     unit: OrgUnit) -> IssuedTemplate | None:
    """Return the newest template issued for the department, exactly as issued, or None."""
    issue = session.exec(
        select(TemplateIssue)
        .where(TemplateIssue.round_id == planning_round.id, TemplateIssue.unit_id == unit.id)
        .order_by(TemplateIssue.template_version.desc())
    ).first()
    if issue is None or issue.content is None:
        return None
    return IssuedTemplate(unit.code, issue.template_version, f"{planning_round.code}_{unit.code}.xlsx",
                          issue.content, issue.checksum)
