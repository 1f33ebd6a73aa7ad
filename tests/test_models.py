"""The schema stores money exactly on every database."""

from decimal import Decimal

from sqlalchemy import func
from sqlmodel import select

from planround.models import Activity, Actual
from tests.factories import make_small_university


def test_money_round_trips_to_the_ore_and_sums_exactly(session):
    org = make_small_university(session)
    dept = org["departments"][0]
    activity = session.exec(select(Activity).where(Activity.unit_id == dept.id)).first()
    amounts = [Decimal("1234567890123456.78"), Decimal("0.10"), Decimal("0.20"), Decimal("-0.05")]
    for amount in amounts:
        session.add(Actual(period=202601, unit_id=dept.id, activity_id=activity.id,
                           account_code="3010", amount=amount))
    session.commit()
    session.expire_all()
    stored = sorted(session.exec(select(Actual.amount)).all())
    assert stored == sorted(amounts)
    assert all(isinstance(a, Decimal) for a in stored)
    total = session.exec(select(func.sum(Actual.amount))).one()
    assert total == Decimal("1234567890123457.03")
