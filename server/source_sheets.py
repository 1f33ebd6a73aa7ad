"""The budget template's sheets for the sources without a transfer: Stina's students, Retendo's staffing.

The template generator and the master builder call this module through one hook each; the
sheets themselves are written by `students_sheet` and `staffing_sheet`. Their part of an
issue's prefill follows the lines table's rows as entries of their own key (`students`,
`staffing`), without a `row` key, so the signature covers them and the table's rows stay as
they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from sqlmodel import Session

from planround.models import OrgUnit, PlanningRound
from planround.server.organisation import activities_of
from planround.server.staffing import StaffingBasis, staffing_basis
from planround.server.staffing_sheet import build_staffing_master, write_staffing_sheet
from planround.server.stina import area_prices
from planround.server.template_package import Filling
from planround.server.students_sheet import StudentBasis, build_students_master, write_students_sheet


@dataclass(frozen=True)
class SourceSheets:
    """What a department's Studenter and Bemanning sheets show."""

    students: StudentBasis
    staffing: StaffingBasis

    def prefill(self) -> list[dict[str, Any]]:
        """Return the entries the issue's prefill ends with (none when both sheets are empty)."""
        return [entry for entry in (self.students.prefill(), self.staffing.prefill()) if entry is not None]

    def write(self, filling: Filling) -> None:
        """Fill both sheets of a department's copy of the budget master."""
        write_students_sheet(filling, self.students)
        write_staffing_sheet(filling, self.staffing)


def build_source_masters(wb: Workbook, top: int) -> None:
    """Add the Studenter and Bemanning sheets to a budget master."""
    build_students_master(wb, top)
    build_staffing_master(wb, top)


def source_sheets(session: Session, *, planning_round: PlanningRound, unit: OrgUnit) -> SourceSheets:
    """Gather the year's prices for the department's education activity and its staffing."""
    education = sorted((a for a in activities_of(session, unit) if a.category == "education"), key=lambda a: a.code)
    # A department with several education activities gets its student revenue on the first by code.
    activity = education[0] if education else None
    prices = area_prices(session, fiscal_year=planning_round.fiscal_year) if activity is not None else []
    return SourceSheets(StudentBasis(planning_round.fiscal_year, activity, prices),
                        staffing_basis(session, planning_round=planning_round, unit=unit))
