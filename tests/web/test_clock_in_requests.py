"""Every rule a request reaches reads the engine's clock (FANGPIN_CLOCK on a training server), not the machine's."""

from __future__ import annotations

from monitoring.id_number import check_digit
from tests.web.test_identification import VILLAGE


def test_an_id_number_born_after_the_engines_today_is_refused(api):
    """The engine's clock says 2 March 2026: a child born in June 2026 is not born yet, whatever the real date."""
    unborn = "15022320260601001"
    body = {"village": VILLAGE, "household_type": "ordinary", "group": "2组",
            "members": [{"name": "巴特尔", "id_number": "15022319700101001" + check_digit("15022319700101001"),
                         "relation": "head"},
                        {"name": "小巴特尔", "id_number": unborn + check_digit(unborn), "relation": "son"}]}
    response = api("cun").post("/households", json=body)
    assert response.status_code == 422, response.json
    assert "出生日期" in response.json["error"]["fields"]["members.1.id_number"]
