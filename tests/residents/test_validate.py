"""Bad input is refused with its field and a clear message: place outside the city, empty or too long text,
unknown topic, status or source, impossible dates."""

from __future__ import annotations

import datetime as dt

import pytest

from geoworks.residents.model import MAX_TEXT, RequestError
from geoworks.residents.validate import check_date, clean_text, new_request, request_fields

TODAY = dt.date(2026, 6, 15)
OK = {"text": "Нет воды", "topic": "water", "lat": "43.2575", "lon": "76.9250"}


@pytest.fixture(scope="module")
def districts(demo_store):
    return demo_store.read_layer("districts")


def _refused(raw, catalogue, districts) -> RequestError:
    with pytest.raises(RequestError) as err:
        new_request({**OK, **raw}, catalogue, districts, TODAY)
    return err.value


@pytest.mark.parametrize(
    "raw,code,field",
    [
        ({"lat": "43.6", "lon": "77.5"}, "outside", "location"),  # north-east of Almaty, in no district
        ({"lat": "51.17", "lon": "71.45"}, "outside", "location"),  # Astana
        ({"lat": "", "lon": ""}, "location", "location"),
        ({"lat": "abc", "lon": "76.9"}, "location", "lat"),
        ({"lat": "95", "lon": "76.9"}, "location", "lat"),
        ({"text": ""}, "text_empty", "text"),
        ({"text": "  \n\t "}, "text_empty", "text"),
        ({"text": "x" * (MAX_TEXT + 1)}, "text_long", "text"),
        ({"topic": "tramways"}, "topic", "topic"),
        ({"topic": ""}, "topic", "topic"),
        ({"status": "closed-forever"}, "status", "status"),
        ({"source": "pigeon"}, "source", "source"),
        ({"received": "2027-01-01"}, "date_future", "received"),
        ({"received": "yesterday"}, "date", "received"),
        ({"contact": "x" * 201}, "contact_long", "contact"),
        ({"source": "web", "round": "2"}, "round", "source"),
        ({"received": "2026-06-10", "status": "explained", "status_date": "2026-06-01"}, "date_order", "status_date"),
    ],
)
def test_refused_with_code_and_field(raw, code, field, catalogue, districts):
    err = _refused(raw, catalogue, districts)
    assert (err.code, err.field) == (code, field), err.message
    assert err.message


def test_text_of_exactly_5000_characters_is_accepted_and_control_characters_dropped(catalogue, districts):
    r = new_request({**OK, "text": "а" * MAX_TEXT}, catalogue, districts, TODAY)
    assert len(r.text) == MAX_TEXT and r.district == "almaly"
    assert clean_text("a\x00b\r\nc\x1b") == "ab\nc"


def test_names_in_any_language_and_dates_as_written_in_offices(catalogue):
    fields = request_fields(
        {
            "text": "x",
            "topic": "Арыки",
            "status": "Требует времени",
            "source": "встреча",
            "received": "05.02.2019",
            "round": "1",
            "meeting_date": "2019-02-05",
            "on_spot": "да",
        },
        catalogue.requests,
        TODAY,
    )
    assert (fields["topic"], fields["status"], fields["source"]) == ("aryks", "needs_time", "meeting")
    assert fields["received"] == "2019-02-05" and fields["round"] == 1 and fields["on_spot"] is True
    assert check_date(dt.date(2020, 1, 2), "d", TODAY) == "2020-01-02"
