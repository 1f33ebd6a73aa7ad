"""Issuing templates in a round: generate with last year's actuals, record, hand out again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from planround.models import OrgUnit, PlanningRound, TemplateIssue, User
from planround.server.audit import record
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
    """Generate the department's next template version, prefilled with last year's actuals."""
    generated: GeneratedTemplate = generate_template(
        session, planning_round=planning_round, unit=unit, secret=secret,
        issued_by_id=user.id if user else None,
        last_year=last_year_actuals(session, unit_id=unit.id, fiscal_year=planning_round.fiscal_year - 1),
    )
    record(session, action="template.issue", user=user, round_id=planning_round.id, unit_id=unit.id,
           detail={"template_version": generated.issue.template_version,
                   "checksum": generated.issue.checksum})
    return IssuedTemplate(unit.code, generated.issue.template_version, generated.filename,
                          generated.content, generated.issue.checksum)


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
