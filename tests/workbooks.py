"""Helpers for tests that fill templates like an economist and send them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from planround.server.filling import fill_template, forecast_plan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fill_amounts(content: bytes, amounts: dict[tuple[str, str], Any], **extra: Any) -> bytes:
    """Type `amounts` into the rows of (activity, account); `extra` inputs go on every such row."""
    def plan(cells: dict[str, Any]) -> dict[str, Any] | None:
        pair = (cells["activity"].value, str(cells["account"].value))
        if pair in amounts:
            return {"annual": amounts[pair], **extra}
        return None
    return fill_template(content, plan)


PLAN = {("UTB", "3010"): 1_250_000, ("UTB", "4010"): 800_000.5, ("FOR", "3110"): 90_000,
        ("FOR", "6010"): 12_345.67}
PLAN_REVENUE = Decimal("1340000.00")
PLAN_COST = Decimal("812345.67") + Decimal("0.50")


def fill_like_last_year(content: bytes, changes: dict[tuple[str, str], Any] | None = None, **extra: Any) -> bytes:
    """Plan every row at last year's actual, except the rows in `changes`."""
    changes = changes or {}

    def plan(cells: dict[str, Any]) -> dict[str, Any] | None:
        pair = (cells["activity"].value, str(cells["account"].value))
        if pair in changes:
            return {"annual": changes[pair], **extra}
        if cells["last_year"].value is not None:
            return {"annual": cells["last_year"].value}
        return None
    return fill_template(content, plan)


def fill_forecast(content: bytes, forecasts: dict[tuple[str, str], Any], **extra: Any) -> bytes:
    """Type a full-year forecast on the rows of (activity, account), or on spare rows; `extra` inputs go with it."""
    return fill_template(content, forecast_plan(forecasts, **extra))
