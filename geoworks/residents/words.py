"""Words shown to people: messages for refused input, and the names of topics, statuses and sources.

Names come from the catalogue (kk/ru/en); messages go through ``Words.gettext`` (the web layer
passes Flask-Babel's, the default returns the English text), so the views stay testable without Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from geoworks.catalogue import Catalogue
from geoworks.params import ParamError
from geoworks.residents.model import RequestError


def _no_translation(msgid: str, **params: Any) -> str:
    return msgid % params if params else msgid


@dataclass(frozen=True)
class Words:
    """``gettext(msgid, **params)`` in the reader's language; English without translations."""

    gettext: Callable[..., str] = _no_translation


def names(catalogue: Catalogue, lang: str) -> dict[str, dict[str, str]]:
    """{"topics": {id: name}, "statuses": {id: name}, "sources": {id: name}, "districts": {slug: name}} in ``lang``."""
    defs = catalogue.requests
    out: dict[str, dict[str, str]] = {"districts": {s: d.names.get(lang) for s, d in catalogue.districts.items()}}
    for key in ("topics", "statuses", "sources"):
        out[key] = {k: c.names.get(lang) for k, c in getattr(defs, key).items()} if defs else {}
    return out


def colours(catalogue: Catalogue) -> dict[str, str]:
    """Status id -> #rrggbb."""
    return {k: c.colour for k, c in catalogue.requests.statuses.items()} if catalogue.requests else {}


def request_error(exc: RequestError, words: Words) -> str:
    """A refused request or change in the reader's language (the field and, for a file, the row are added
    by the caller)."""
    _ = words.gettext
    p = exc.params
    messages: dict[str, Callable[[], str]] = {
        "text_empty": lambda: _("Write the question: the text is empty."),
        "text_long": lambda: _("The text is too long: %(length)s characters, at most %(limit)s.", **p),
        "answer_long": lambda: _("The answer is too long: %(length)s characters, at most %(limit)s.", **p),
        "contact_long": lambda: _("The contact is too long: at most %(limit)s characters.", limit=p.get("limit")),
        "place_long": lambda: _(
            "The street or address is too long: at most %(limit)s characters.", limit=p.get("limit")
        ),
        "topic": lambda: _("Unknown topic: %(value)s.", value=p.get("value")),
        "status": lambda: _("Unknown status: %(value)s.", value=p.get("value")),
        "source": lambda: _("Unknown source: %(value)s.", value=p.get("value")),
        "location": lambda: _("Choose the place: click on the map, or give a street or coordinates."),
        "outside": lambda: _("This place is outside the city: the request must be inside one of its districts."),
        "date": lambda: _("Dates must be given as YYYY-MM-DD, got %(value)s.", value=p.get("value")),
        "date_future": lambda: _("The date %(value)s is in the future.", value=p.get("value")),
        "date_order": lambda: _("The date %(value)s is before the request was received (%(received)s).", **p),
        "round": lambda: _("A meeting round is a whole number and belongs to meeting requests."),
        "layer": lambda: _("Unknown layer: %(value)s.", value=p.get("value")),
        "work": lambda: _("There is no work %(value)s in the layer %(layer)s.", **p),
        "linked": lambda: _("This work is already linked to the request."),
        "not_linked": lambda: _("This work is not linked to the request."),
        "not_found": lambda: _("There is no request %(value)s.", value=p.get("value")),
        "street": lambda: _("No street or place with this name in the data: %(value)s.", value=p.get("value")),
        "street_ambiguous": lambda: _("Several places match %(value)s: choose one.", value=p.get("value")),
        "nothing": lambda: _("Choose at least one request."),
        "config": lambda: _("Residents' requests are not set up here."),
    }
    make = messages.get(exc.code)
    return make() if make else exc.message


def param_error(exc: ParamError, words: Words, fallback: Callable[[ParamError], str] | None = None) -> str:
    """A bad filter parameter in the reader's language (``fallback`` for the app's common ones)."""
    _ = words.gettext
    v = exc.params.get("value", "")
    messages: dict[str, Callable[[], str]] = {
        "topic": lambda: _("Unknown topic: %(value)s.", value=v),
        "status": lambda: _("Unknown status: %(value)s.", value=v),
        "source": lambda: _("Unknown source: %(value)s.", value=v),
        "linked": lambda: _("'linked' must be yes or no."),
        "date_range": lambda: _("The date range is empty: the start is after the end."),
    }
    make = messages.get(exc.code)
    if make:
        return make()
    return fallback(exc) if fallback else str(exc)
