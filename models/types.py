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
        if value is None:
            return None
        if dialect.name == "sqlite":
            return whole_ore(value)
        return Decimal(value)

    def bind_processor(self, dialect):
        """Return the bind conversion; on SQLite `whole_ore` itself, called for every amount of every stored line.

        SQLAlchemy's own wrapper would call `process_bind_param` through another function per value; on
        SQLite the BigInteger under it has no conversion of its own to keep, so nothing is lost.
        """
        if dialect.name == "sqlite" and self.impl_instance.bind_processor(dialect) is None:
            return whole_ore
        return super().bind_processor(dialect)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(ORE)
        return Decimal(value).quantize(ORE)


def whole_ore(value) -> int | None:
    """Return an amount in kronor as the whole öre SQLite stores (None stays None)."""
    if value is None:
        return None
    if value.__class__ is not Decimal:
        value = Decimal(value)
    return int((value * 100).to_integral_exact())


MONEY = MoneyType()
Money = Decimal


def utcnow() -> datetime:
    """Return the current time, aware, in UTC: the only time zone we store."""
    return datetime.now(timezone.utc)
