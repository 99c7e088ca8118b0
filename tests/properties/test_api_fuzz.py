"""Schemathesis against the open API's own OpenAPI document (/ogc/api): every operation of /ogc and /api
(totals, exports, near, gaps, requests summary) gets generated requests, valid and invalid; none may answer
500, and every answer must match the document (documented status, media type, body schema, headers).

Not checked: whether the app accepts every schema-valid request and refuses every schema-invalid one
(schemathesis' positive_data_acceptance / negative_data_rejection). The document cannot say what the app
deliberately does there: a blank value counts as absent everywhere (``f=``, ``to=``); a status filter
depends on the collection (requests have their own statuses); ``from`` after ``to`` is an empty range.

Bounded: ``MAX_EXAMPLES`` requests per operation, no deadline per example (some pages build indexes on
first use), so the whole module runs in well under a minute on the demo store.
"""

from __future__ import annotations

import copy

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from geoworks.catalogue import default_catalogue
from geoworks.ogcapi.openapi import openapi_document

MAX_EXAMPLES = 20


def wsgi_document(doc: dict) -> dict:
    """The served document with absolute paths on one relative server, for an in-process WSGI client: the
    OGC paths live under /ogc, the others declare their own server (…/api)."""
    out = copy.deepcopy(doc)
    paths = {}
    for path, item in out["paths"].items():
        servers = item.pop("servers", None)
        base = "/api" if servers and servers[0]["url"].rstrip("/").endswith("/api") else "/ogc"
        paths[(base + path).rstrip("/") if path != "/" else base + "/"] = item
    out["paths"] = paths
    out["servers"] = [{"url": "/"}]
    return out


HOST = "http://localhost"
# the document the app serves at /ogc/api (it depends on the catalogue and the host only, not on the store)
DOCUMENT = openapi_document(f"{HOST}/ogc", default_catalogue(), api_root=f"{HOST}/api")
schema = schemathesis.openapi.from_dict(wsgi_document(DOCUMENT))


def test_the_fuzzed_document_is_the_served_one(client):
    served = client.get("/ogc/api").get_json(force=True)
    assert served == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True
)
def test_api_answers_match_the_document(case, app):
    case.call_and_validate(app=app, excluded_checks=[positive_data_acceptance, negative_data_rejection])
