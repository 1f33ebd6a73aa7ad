"""Turning a cell's value into an exact amount in kronor, or saying why it is not one."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from planround.server.workbook import CellError

ORE = Decimal("0.01")
LARGEST = Decimal("9999999999999999.99")  # NUMERIC(18, 2)
LARGEST_WHOLE = 9999999999999999


class NotAnAmount(ValueError):
    """The cell holds something that is not an amount; `code` and `params` say what."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def to_amount(value) -> Decimal | None:
    """Return the cell's value as Decimal kronor, None when empty; raise NotAnAmount otherwise."""
    if value is None:
        return None
    if value.__class__ is int:  # the common cell first (a bool is an int too, but of its own class)
        return _whole(value)
    if isinstance(value, CellError):
        raise NotAnAmount("cell_error", value=value.text)
    if isinstance(value, bool):
        raise NotAnAmount("not_a_number", value=str(value).upper())
    if isinstance(value, (datetime, date, time)):
        raise NotAnAmount("date_not_number", value=value.isoformat())
    if isinstance(value, int):
        return _whole(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotAnAmount("not_finite", value=str(value))
        # repr gives the shortest text that reads back as the same double: what was typed.
        return _checked(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return _checked(value)
    raise NotAnAmount("not_a_number", value=_shorten(str(value)))


def _whole(value: int) -> Decimal:
    """Return whole kronor as an amount: within NUMERIC(18, 2) it is exact, so nothing more to check."""
    if -LARGEST_WHOLE <= value <= LARGEST_WHOLE:
        return Decimal(value).quantize(ORE)
    return _checked(Decimal(value))


def _checked(amount: Decimal) -> Decimal:
    if not amount.is_finite():
        raise NotAnAmount("not_finite", value=str(amount))
    try:
        exact = amount.quantize(ORE)
    except InvalidOperation:
        raise NotAnAmount("amount_too_large", value=str(amount)) from None
    if exact != amount:
        raise NotAnAmount("too_many_decimals", value=str(amount))
    if abs(exact) > LARGEST:
        raise NotAnAmount("amount_too_large", value=str(amount))
    return exact


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_sek(amount: Decimal | None) -> str:
    """Format kronor the Swedish way: 1 234 567,50."""
    if amount is None:
        return "–"
    sign = "-" if amount < 0 else ""
    whole, _, frac = f"{abs(amount):.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{' '.join(groups)},{frac}"


def amount_text(amount: Decimal | None) -> str | None:
    """Return an amount as the text a template's prefill records it by, None when absent."""
    return None if amount is None else str(amount)


def text_amount(text: str | None) -> Decimal | None:
    """Return an amount recorded as text in a template's prefill, None when absent."""
    return Decimal(text) if text else None
