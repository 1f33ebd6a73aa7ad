"""Column types shared by the tables."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.types import TypeDecorator

ORE = Decimal("0.01")
HUNDRED = Decimal(100)  # öre in a krona


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
        return whole_ore(value) if dialect.name == "sqlite" else as_decimal(value)

    def bind_processor(self, dialect):
        """Return the bind conversion: `whole_ore` on SQLite, `as_decimal` elsewhere, called for every stored amount.

        Each does what `process_bind_param` does; SQLAlchemy's own wrapper would call that through another
        function per value. When the type under it (BigInteger, or NUMERIC on psycopg) has no conversion of
        its own to keep, nothing is lost.
        """
        if self.impl_instance.bind_processor(dialect) is None:
            return whole_ore if dialect.name == "sqlite" else as_decimal
        return super().bind_processor(dialect)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(ORE)
        return Decimal(value).quantize(ORE)


def whole_ore(value) -> int | None:
    """Return an amount in kronor as the whole öre SQLite stores (None stays None)."""
    if value.__class__ is Decimal:  # nearly always, so tested first; a Decimal 100 spares converting an int each time
        return int((value * HUNDRED).to_integral_exact())
    if value is None:
        return None
    return int((Decimal(value) * HUNDRED).to_integral_exact())


def as_decimal(value) -> Decimal | None:
    """Return an amount as the Decimal bound to NUMERIC: a Decimal as it is, not copied (None stays None)."""
    if value is None or value.__class__ is Decimal:
        return value
    return Decimal(value)


MONEY = MoneyType()
Money = Decimal


def utcnow() -> datetime:
    """Return the current time, aware, in UTC: the only time zone we store."""
    return datetime.now(timezone.utc)
