"""A real HTTP server on loopback: the way the add-in and the demo talk to the service."""

from __future__ import annotations

from decimal import Decimal

import requests

from planround.server.local_server import serving
from tests.workbooks import PLAN, PLAN_COST, PLAN_REVENUE, XLSX, fill_amounts


def test_an_economist_gets_a_template_and_submits_it_over_http(settings, world):
    with serving(settings) as base:
        admin, economist = world.auth("admin"), world.auth("economist")
        url = f"{base}/rounds/budget-2027/units/D101"
        assert requests.post(f"{base}/rounds/budget-2027/templates", headers=admin, timeout=30).status_code == 201
        template = requests.get(f"{url}/template", headers=economist, timeout=30)
        assert template.status_code == 200
        assert template.headers["Content-Type"] == XLSX
        content = fill_amounts(template.content, PLAN, comment="Ny kurs")
        answer = requests.post(f"{url}/submissions", data=content, timeout=30,
                               headers={**economist, "Content-Type": XLSX})
        assert answer.status_code == 201, answer.text
        assert Decimal(answer.json()["total_revenue"]) == PLAN_REVENUE
        assert Decimal(answer.json()["total_cost"]) == PLAN_COST
        refused = requests.post(f"{url}/submissions", data=b"not a workbook", timeout=30, headers=economist)
        assert refused.status_code == 415
        assert refused.headers["Content-Type"].startswith("application/json")
