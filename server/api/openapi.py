"""The OpenAPI document of the service; a test keeps it in step with the routes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from planround.server.web import respond

bp = Blueprint("openapi", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROUND = {"name": "round_code", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "The round's code, for example budget-2027."}
UNIT = {"name": "unit_code", "in": "path", "required": True, "schema": {"type": "string"},
        "description": "The org unit's code, for example D110."}
VERSION = {"name": "version", "in": "path", "required": True, "schema": {"type": "integer"}}
ERRORS = {
    code: {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for code, text in {
        "400": "Bad request", "401": "No valid token", "403": "The caller lacks the role",
        "404": "No such round, unit or version", "409": "Conflicts with the current state",
        "413": "Upload too large", "415": "Not an xlsx workbook",
        "422": "The workbook has errors; each names its sheet and cell",
    }.items()
}
MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "description": "Kronor, exact, two decimals."}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error", "message"],
        "properties": {
            "error": {"type": "string"}, "message": {"type": "string"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
        },
    },
    "Problem": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "sheet": {"type": "string"}, "cell": {"type": "string"}, "line": {"type": "integer"}},
    },
    "Me": {
        "type": "object",
        "properties": {
            "username": {"type": "string"}, "full_name": {"type": "string"}, "language": {"type": "string"},
            "roles": {"type": "array", "items": {"type": "object", "properties": {
                "role": {"type": "string"}, "unit": {"type": "string"}, "unit_name": {"type": "string"}}}},
        },
    },
    "Round": {
        "type": "object",
        "properties": {
            "code": {"type": "string"}, "name": {"type": "string"},
            "kind": {"type": "string", "enum": ["budget", "forecast"]},
            "fiscal_year": {"type": "integer"},
            "state": {"type": "string", "enum": ["draft", "open", "closed"]},
            "deadline": {"type": ["string", "null"], "format": "date"},
            "comment_threshold_pct": MONEY, "comment_threshold_amount": MONEY,
            "lkp_pct": MONEY, "salary_revision_month": {"type": "integer", "minimum": 1, "maximum": 12},
            "salary_revision_pct": MONEY,
            "board_decision_date": {"type": ["string", "null"], "format": "date"},
            "board_decision_reference": {"type": ["string", "null"]},
        },
    },
    "RoundCreate": {
        "type": "object", "required": ["code", "name", "kind", "fiscal_year"],
        "properties": {
            "code": {"type": "string"}, "name": {"type": "string"},
            "kind": {"type": "string", "enum": ["budget", "forecast"]},
            "fiscal_year": {"type": "integer", "minimum": 2000, "maximum": 2100},
            "deadline": {"type": "string", "format": "date"},
            "comment_threshold_pct": {"type": "string"}, "comment_threshold_amount": {"type": "string"},
            "lkp_pct": {"type": "string"}, "salary_revision_pct": {"type": "string"},
            "salary_revision_month": {"type": "integer", "minimum": 1, "maximum": 12},
        },
    },
    "Task": {
        "type": "object",
        "properties": {
            "round_code": {"type": "string"}, "round_name": {"type": "string"},
            "deadline": {"type": ["string", "null"], "format": "date"}, "overdue": {"type": "boolean"},
            "unit_code": {"type": "string"}, "unit_name": {"type": "string"},
            "action": {"type": "string", "enum": ["submit", "resubmit", "sign_off", "approve", "approve_group",
                                                  "approve_total", "record_board_decision"]},
            "message": {"type": "string"},
        },
    },
    "Deputy": {
        "type": "object",
        "properties": {
            "principal": {"type": "string"}, "deputy": {"type": "string"}, "role": {"type": "string"},
            "unit": {"type": "string"}, "valid_from": {"type": "string", "format": "date"},
            "valid_to": {"type": "string", "format": "date"},
        },
    },
    "DeputyCreate": {
        "type": "object", "required": ["deputy", "role", "unit", "valid_from", "valid_to"],
        "properties": {
            "deputy": {"type": "string"}, "role": {"type": "string"}, "unit": {"type": "string"},
            "valid_from": {"type": "string", "format": "date"}, "valid_to": {"type": "string", "format": "date"},
        },
    },
    "Approval": {
        "type": "object", "required": ["action"],
        "properties": {
            "action": {"type": "string", "enum": ["approve", "reject", "withdraw"]},
            "comment": {"type": "string"},
            "consolidated_version": {"type": "integer",
                                     "description": "The consolidated workbook version reviewed; a stale one is refused."},
        },
    },
    "Status": {
        "type": "object",
        "properties": {
            "unit": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
            "state": {"type": "string"}, "label": {"type": "string"},
            "groups": {"type": "array", "items": {"$ref": "#/components/schemas/Status"}},
            "departments": {"type": "array", "items": {"type": "object", "properties": {
                "unit": {"type": "string"}, "name": {"type": "string"}, "group": {"type": ["string", "null"]},
                "state": {"type": "string"}, "label": {"type": "string"},
                "changed_at": {"type": ["string", "null"], "format": "date-time"},
                "changed_by": {"type": ["string", "null"]}, "rejection_reason": {"type": ["string", "null"]}}}},
        },
    },
    "Transitions": {
        "type": "object",
        "properties": {
            "transitions": {"type": "array", "items": {"type": "object", "properties": {
                "unit": {"type": "string"}, "action": {"type": "string"},
                "from": {"type": "string"}, "to": {"type": "string"}}}},
            "status": {"$ref": "#/components/schemas/Status"},
        },
    },
    "Submission": {
        "type": "object",
        "properties": {
            "round": {"type": "string"}, "unit": {"type": "string"},
            "version": {"type": ["integer", "null"]}, "template_version": {"type": "integer"},
            "dry_run": {"type": "boolean"}, "line_count": {"type": "integer"},
            "total_revenue": MONEY, "total_cost": MONEY, "result": MONEY,
            "submitted_at": {"type": ["string", "null"], "format": "date-time"},
            "submitted_by": {"type": ["string", "null"]},
            "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"},
                         "description": "Checks that do not stop storing, e.g. teaching without personnel cost."},
        },
    },
}


def _json(ref: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _xlsx(description: str) -> dict[str, Any]:
    return {"description": description, "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}


def _op(summary: str, responses: dict[str, Any], errors: tuple[str, ...], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {**responses, **{e: ERRORS[e] for e in errors}}, **extra}


def _list(key: str, ref: str) -> dict[str, Any]:
    return {"description": "OK", "content": {"application/json": {"schema": {
        "type": "object", "properties": {key: {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}}}}}}}


STATE_BODY = {"content": {"application/json": {"schema": {"type": "object", "properties": {
    "deadline": {"type": "string", "format": "date"}}}}}}
COMMENT_BODY = {"content": {"application/json": {"schema": {"type": "object", "properties": {
    "comment": {"type": "string"}}}}}}
UPLOAD = {"required": True, "content": {
    XLSX: {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}},
}}

PATHS: dict[str, Any] = {
    "/api/v1/openapi.json": {"get": _op("This document", {"200": {"description": "OpenAPI 3.1"}}, (), security=[])},
    "/api/v1/me": {"get": _op("The caller and their roles", {"200": _json("Me")}, ("401",))},
    "/api/v1/me/tasks": {"get": _op("What waits for the caller now, overdue first", {"200": _list("tasks", "Task")},
                                     ("401",))},
    "/api/v1/me/deputies": {
        "get": _op("Deputies the caller named or was named", {"200": _list("deputies", "Deputy")}, ("401",)),
        "post": _op("Name a deputy for one of the caller's roles", {"201": _json("Deputy", "Named")},
                    ("400", "401", "403", "404"), requestBody={"required": True, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/DeputyCreate"}}}}),
    },
    "/api/v1/rounds/{round_code}/board-decision": {
        "post": _op("Record the university board's decision (administrator)", {"200": _json("Round")},
                    ("400", "401", "403", "404"), parameters=[ROUND], requestBody={"required": True, "content": {
                        "application/json": {"schema": {"type": "object", "required": ["date", "reference"],
                                                         "properties": {"date": {"type": "string", "format": "date"},
                                                                        "reference": {"type": "string"}}}}}})},
    "/api/v1/rounds/{round_code}/units/{unit_code}/approvals": {
        "post": _op("Approve, reject or withdraw; a group or the university approves all below at once",
                    {"201": _json("Transitions", "Done")}, ("400", "401", "403", "404", "409"),
                    parameters=[ROUND, UNIT], requestBody={"required": True, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Approval"}}}})},
    "/api/v1/rounds/{round_code}/units/{unit_code}/reopen": {
        "post": _op("Reopen a department for its economist (administrator)", {"201": _json("Transitions", "Done")},
                    ("400", "401", "403", "404", "409"), parameters=[ROUND, UNIT], requestBody=COMMENT_BODY)},
    "/api/v1/rounds/{round_code}/units/{unit_code}/status": {
        "get": _op("The state of the unit and everything below it", {"200": _json("Status")},
                   ("401", "403", "404"), parameters=[ROUND, UNIT])},
    "/api/v1/rounds/{round_code}/units/{unit_code}/consolidated": {
        "get": _op("The consolidated workbook as things stand; its version in the X-Version header",
                   {"200": _xlsx("The consolidated workbook")}, ("401", "403", "404"), parameters=[ROUND, UNIT])},
    "/api/v1/rounds/{round_code}/units/{unit_code}/followup": {
        "get": _op("Follow-up of the round's year: actual against budget and forecast, per month and to date",
                   {"200": _xlsx("The follow-up workbook")}, ("400", "401", "403", "404"),
                   parameters=[ROUND, UNIT, {"name": "through", "in": "query", "schema": {
                       "type": "string", "pattern": r"^\d{4}-\d{2}$"},
                       "description": "The last month to date, YYYY-MM; default the latest month with actuals."}])},
    "/api/v1/rounds": {
        "get": _op("List planning rounds", {"200": _list("rounds", "Round")}, ("401",)),
        "post": _op("Create a round in draft (administrator)", {"201": _json("Round", "Created")},
                    ("400", "401", "403", "409"), requestBody={"required": True, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/RoundCreate"}}}}),
    },
    "/api/v1/rounds/{round_code}": {
        "get": _op("One planning round", {"200": _json("Round")}, ("401", "404"), parameters=[ROUND])},
    "/api/v1/rounds/{round_code}/open": {
        "post": _op("Open a round (administrator)", {"200": _json("Round")}, ("400", "401", "403", "404", "409"),
                    parameters=[ROUND], requestBody=STATE_BODY)},
    "/api/v1/rounds/{round_code}/close": {
        "post": _op("Close a round (administrator)", {"200": _json("Round")}, ("400", "401", "403", "404", "409"),
                    parameters=[ROUND], requestBody=STATE_BODY)},
    "/api/v1/rounds/{round_code}/templates": {
        "post": _op("Generate new template versions for all departments or ?unit= (administrator)",
                    {"201": {"description": "Generated"}}, ("400", "401", "403", "404"),
                    parameters=[ROUND, {"name": "unit", "in": "query", "schema": {"type": "string"}}])},
    "/api/v1/rounds/{round_code}/units/{unit_code}/template": {
        "get": _op("Download the department's current template", {"200": _xlsx("The template workbook")},
                   ("400", "401", "403", "404"), parameters=[ROUND, UNIT])},
    "/api/v1/rounds/{round_code}/units/{unit_code}/submissions": {
        "get": _op("List the stored versions", {"200": _list("submissions", "Submission")},
                   ("400", "401", "403", "404"), parameters=[ROUND, UNIT]),
        "post": _op("Submit a filled workbook (economist); ?dry_run=1 validates only",
                    {"201": _json("Submission", "Stored as a new version"), "200": _json("Submission", "Dry run: valid")},
                    ("400", "401", "403", "404", "409", "413", "415", "422"),
                    parameters=[ROUND, UNIT, {"name": "dry_run", "in": "query", "schema": {"type": "string"}}],
                    requestBody=UPLOAD),
    },
    "/api/v1/rounds/{round_code}/units/{unit_code}/submissions/{version}/file": {
        "get": _op("Download a stored version exactly as submitted", {"200": _xlsx("The submitted workbook")},
                   ("400", "401", "403", "404"), parameters=[ROUND, UNIT, VERSION])},
}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7e]*[\\x21-\\x7e][\\x20-\\x7e]*$"},
    "description": "A fresh key (e.g. a UUID) per action, sent again with every retry of it: a retry gets the "
                   "stored answer, marked Idempotent-Replayed: true, and writes nothing. The same key with "
                   "another request is refused (422).",
}
KEY_ERRORS = {
    "409": {**ERRORS["409"], "description": "Conflicts with the current state, or a request with the same "
                                            "Idempotency-Key is still in progress"},
    "422": {**ERRORS["422"], "description": "The Idempotency-Key was used with another request (or, for a "
                                            "workbook, it has errors)"},
}


def with_idempotency_key(paths: dict[str, Any]) -> None:
    """Give every write operation the Idempotency-Key header and its answers."""
    for item in paths.values():
        if "post" in item:
            item["post"].setdefault("parameters", []).append(IDEMPOTENCY_KEY)
            for status, answer in KEY_ERRORS.items():
                item["post"]["responses"].setdefault(status, answer)


with_idempotency_key(PATHS)


def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of every route."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "planround", "version": "1",
                 "description": "Budget and forecast rounds; Excel workbooks in, validated lines out."},
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }


@bp.get("/openapi.json")
def openapi_json():
    """Return the OpenAPI document."""
    return respond(openapi_document())
