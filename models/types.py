"""Column types shared by the tables."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.types import TypeDecorator

ORE = Decimal("0.01")


class MoneyType(TypeDecorator):
    """Kronor to the öre: NUMERIC(18, 2) where the database has it, whole öre on SQLite.

    SQLite keeps NUMERIC values with fractions as binary floats, so there we store an
    integer number of öre instead; sums stay exact and Python always sees Decimal.
    """

    impl = Numeric(18, 2, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value, dialect):
        # Called for every amount of every stored line (13 a line): no conversion a Decimal does not need.
        if value is None:
            return None
        if value.__class__ is not Decimal:
            value = Decimal(value)
        if dialect.name == "sqlite":
            return int((value * 100).to_integral_exact())
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(ORE)
        return Decimal(value).quantize(ORE)


MONEY = MoneyType()
Money = Decimal


def utcnow() -> datetime:
    """Return the current time, aware, in UTC: the only time zone we store."""
    return datetime.now(timezone.utc)
