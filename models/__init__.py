"""SQLModel tables of planround: one module per concept, all exported here."""

from planround.models.org import Activity, OrgUnit, UnitKind
from planround.models.accounts import Account, AccountGroup
from planround.models.users import ApiToken, Role, RoleAssignment, User
from planround.models.rounds import PlanningRound, RoundKind, RoundState
from planround.models.actuals import Actual
from planround.models.submissions import (
    BudgetLine,
    DistributionKey,
    Submission,
    SubmissionAccountSum,
    TemplateIssue,
)
from planround.models.audit import AuditEvent
from planround.models.idempotency import IdempotencyRecord
from planround.models.personnel import Employee, EmployeeFunding
from planround.models.workflow import ApprovalEvent, ConsolidatedWorkbook, DepartmentStatus, Deputy, UnitState
from planround.models.sources import CourseActivity, PriceList, StaffingLine, StudentPlanLine
from planround.models.types import MONEY, Money, utcnow

__all__ = [
    "Account", "AccountGroup", "Activity", "Actual", "ApiToken", "ApprovalEvent", "AuditEvent",
    "BudgetLine", "ConsolidatedWorkbook", "Employee", "EmployeeFunding", "DepartmentStatus", "Deputy", "UnitState",
    "DistributionKey", "IdempotencyRecord", "MONEY", "Money", "OrgUnit", "PlanningRound", "Role", "RoleAssignment",
    "RoundKind", "RoundState", "Submission", "SubmissionAccountSum", "TemplateIssue", "UnitKind", "User", "utcnow",
    "CourseActivity", "PriceList", "StaffingLine", "StudentPlanLine",
]
