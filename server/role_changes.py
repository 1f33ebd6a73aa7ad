"""Changes of role assignments: approved by the system owner, and audited with who approved them.

The seed's role description gives the system owner (systemägare, the head of finance) the right to
approve permission structures ("godkänna behörighetsstrukturer"), and the system administrator
(systemansvarig) the administration of users and permissions. So a users load that grants or
revokes any role must name the system owner who approved it; each change is written to the audit
log in the same transaction, with the approver, so the log and the roles never disagree.

Who may approve: a user holding `system_owner` on the university before the load. When the
database has no system owner yet (the first load of a new installation), the approver must be
made system owner by the very file being loaded.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from planround.models import AuditEvent, OrgUnit, Role, RoleAssignment, User
from planround.server import audit
from planround.server.errors import Forbidden, ValidationFailed

GRANTED, REVOKED = "role_granted", "role_revoked"


@dataclass(frozen=True)
class RoleChange:
    """One role granted to or revoked from a user on a unit."""

    username: str
    role: Role
    unit_id: int
    granted: bool


@dataclass(frozen=True)
class LoggedRoleChange:
    """A role change as the audit log tells it."""

    at: datetime
    action: str
    username: str
    role: str
    unit: str
    approved_by: str
    run_by: str


def role_diff(current: set[tuple[Role, int]], wanted: set[tuple[Role, int]]) -> tuple[set, set]:
    """Return the (role, unit id) pairs to revoke and to grant to turn `current` into `wanted`."""
    return current - wanted, wanted - current


def planned_changes(session: Session, wanted: dict[str, set[tuple[Role, int]]]) -> list[RoleChange]:
    """Return the changes that giving each named user exactly their wanted roles would make."""
    held: dict[str, set[tuple[Role, int]]] = {name: set() for name in wanted}
    rows = session.exec(select(User.username, RoleAssignment.role, RoleAssignment.unit_id)
                        .join(RoleAssignment, RoleAssignment.user_id == User.id)
                        .where(User.username.in_(list(wanted)))).all()
    for username, role, unit_id in rows:
        held[username].add((Role(role), unit_id))
    changes = []
    for username in sorted(wanted):
        revoke, grant = role_diff(held[username], wanted[username])
        changes += [RoleChange(username, role, unit_id, False) for role, unit_id in sorted(revoke)]
        changes += [RoleChange(username, role, unit_id, True) for role, unit_id in sorted(grant)]
    return changes


def check_approval(session: Session, *, changes: list[RoleChange], approved_by: str | None,
                   file: str) -> None:
    """Refuse changes without an approver, or approved by someone who is not the system owner."""
    if not changes:
        return
    if not approved_by:
        raise ValidationFailed("role_change_unapproved", file=file, count=len(changes))
    owners = set(session.exec(select(User.username)
                              .join(RoleAssignment, RoleAssignment.user_id == User.id)
                              .where(RoleAssignment.role == Role.system_owner)).all())
    if owners:
        if approved_by not in owners:
            raise Forbidden("role_change_not_owner", username=approved_by, owners=", ".join(sorted(owners)))
    elif not any(c.username == approved_by and c.granted and c.role == Role.system_owner for c in changes):
        raise Forbidden("role_change_no_owner_yet", username=approved_by)


def record_changes(session: Session, *, changes: list[RoleChange], approved_by: str) -> None:
    """Write each change to the audit log; the approver is the event's user."""
    approver = session.exec(select(User).where(User.username == approved_by)).one()
    units = dict(session.exec(select(OrgUnit.id, OrgUnit.code)).all())
    run_by = operating_system_account()
    for change in changes:
        audit.record(session, action=GRANTED if change.granted else REVOKED, user=approver,
                     unit_id=change.unit_id,
                     detail={"username": change.username, "role": change.role.value,
                             "unit": units[change.unit_id], "approved_by": approved_by, "run_by": run_by})


def operating_system_account() -> str:
    """Return who runs this process, as the OS knows them; a uid without a name (a container) by its number."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no LOGNAME/USER and no passwd entry for the uid
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "okänd"


def role_change_log(session: Session, *, since: datetime | None = None) -> list[LoggedRoleChange]:
    """Return the audited role changes, oldest first."""
    query = select(AuditEvent).where(AuditEvent.action.in_((GRANTED, REVOKED))).order_by(AuditEvent.id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return [LoggedRoleChange(event.at, event.action, event.detail["username"], event.detail["role"],
                             event.detail["unit"], event.detail["approved_by"], event.detail["run_by"])
            for event in session.exec(query)]
