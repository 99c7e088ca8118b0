"""The near-me views' words: messages and map headings in the reader's language, and the limits of a
typed or picked name (searching costs time per word, so a visitor's search is bounded before it starts).

Testable without Flask: :class:`Words` carries ``gettext`` (English when none is given).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from geoworks.catalogue import STATUSES
from geoworks.near.index import MAX_RADIUS_M, MIN_RADIUS_M, NearInputError

MAX_QUERY_CHARS = 200  # a typed street name or place (``q``), or a picked one (``pick``), longer is refused
MAX_QUERY_WORDS = 12  # ... and one of more words (each word is matched against every street name)


def _no_translation(msgid: str, **params: Any) -> str:
    return msgid % params if params else msgid


@dataclass(frozen=True)
class Words:
    """Words in the reader's language: ``gettext(msgid, **params)`` and the work status labels.

    The defaults are the English words (no translation), for use outside the web app."""

    gettext: Callable[..., str] = _no_translation
    statuses: Mapping[str, str] = field(default_factory=lambda: {s: s.replace("_", " ") for s in STATUSES})


def check_name(text: str | None, parameter: str = "q") -> None:
    """NearInputError (``too_long``) for a name longer than MAX_QUERY_CHARS or MAX_QUERY_WORDS: searching
    costs time per word, so an anonymous visitor's search is bounded before it starts."""
    text = text or ""
    if len(text) > MAX_QUERY_CHARS or len(text.split()) > MAX_QUERY_WORDS:
        raise NearInputError(
            f"{parameter} is too long: at most {MAX_QUERY_CHARS} characters and {MAX_QUERY_WORDS} words",
            "too_long",
            parameter=parameter,
            chars=MAX_QUERY_CHARS,
            words=MAX_QUERY_WORDS,
        )


def error_message(exc: NearInputError, words: Words) -> str:
    """The problem in the reader's language."""
    _ = words.gettext
    value = exc.params.get("value", "")
    messages = {
        "missing": lambda: _("Choose a place: click on the map, use your location, type coordinates or a street."),
        "number": lambda: _("Coordinates must be numbers, e.g. 43.2383 and 76.9453."),
        "earth": lambda: _("These coordinates are not a place on Earth."),
        "outside": lambda: _("These coordinates are far outside the city. Did you swap latitude and longitude?"),
        "radius": lambda: _("The radius must be between %(lo)s and %(hi)s metres.", lo=MIN_RADIUS_M, hi=MAX_RADIUS_M),
        "layer": lambda: _("Unknown layer: %(value)s.", value=value),
        "status": lambda: _("Unknown status: %(value)s.", value=value),
        "date": lambda: _("Dates must be given as YYYY-MM-DD, got %(value)s.", value=value),
        "range": lambda: _("The date range is empty: the start is after the end."),
        "street": lambda: _("No street or place with this name in the data: %(value)s.", value=value),
        "too_long": lambda: _(
            "A street or place name may have at most %(chars)s characters and %(words)s words.",
            chars=MAX_QUERY_CHARS,
            words=MAX_QUERY_WORDS,
        ),
    }
    make = messages.get(exc.code)
    return make() if make else str(exc)


def map_labels(words: Words) -> dict[str, str]:
    """The near map's headings (popups, tooltips) in the reader's language."""
    _ = words.gettext
    labels = {f"status_{k}": v for k, v in words.statuses.items()}
    labels.update(
        {
            "Name": _("Name"),
            "Layer": _("Layer"),
            "Status": _("Status"),
            "Dates": _("Dates"),
            "Contractor": _("Contractor"),
            "Distance": _("Distance"),
            "radius": _("Radius"),
            "here": _("The chosen place"),
        }
    )
    return labels
