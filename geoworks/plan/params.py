"""The plan's request parameters: the form's values as given, with the configured defaults.

Values stay text here (the form shows them back as typed); they are checked where
they are used, by :func:`geoworks.plan.gaps.check_threshold` and
:func:`geoworks.plan.service.check_request`, which read them with :mod:`geoworks.params`.
The threshold is in metres; the default comes from ``GEOWORKS_GAP_THRESHOLD_M``
(:mod:`geoworks.config`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from geoworks.config import number
from geoworks.plan.gaps import GapsInputError

DEFAULT_NETWORK = "water"
DEFAULT_TARGETS = "courtyards"
INCLUDE = ("gaps", "all")
NO = ("0", "false", "no")


@dataclass(frozen=True)
class PlanForm:
    """The plan form (and the API's query): network and target layer ids, the threshold in metres as
    typed, a district slug or name (None: the whole city). User text: shown escaped."""

    network: str = DEFAULT_NETWORK
    targets: str = DEFAULT_TARGETS
    threshold: str = ""
    district: str | None = None


def default_threshold(config: Mapping) -> str:
    """The configured gap threshold in metres as the form shows it (``100``)."""
    return f"{number(config, 'GEOWORKS_GAP_THRESHOLD_M'):g}"


def form_values(args: Mapping, config: Mapping) -> PlanForm:
    """The form's values from query or form fields (``network``, ``targets``, ``threshold``, ``district``),
    stripped, blanks replaced by the defaults (threshold: ``GEOWORKS_GAP_THRESHOLD_M`` of ``config``)."""
    return PlanForm(
        network=(args.get("network") or DEFAULT_NETWORK).strip(),
        targets=(args.get("targets") or DEFAULT_TARGETS).strip(),
        threshold=(args.get("threshold") or default_threshold(config)).strip(),
        district=(args.get("district") or "").strip() or None,
    )


def parse_include(value: str | None) -> bool:
    """``include=gaps`` (the default) or ``include=all``: True when every target is asked for."""
    value = "gaps" if value is None else value
    if value not in INCLUDE:
        raise GapsInputError(f"include '{value}' is not one of: {', '.join(INCLUDE)}")
    return value == "all"


def parse_routes(value: str | None) -> bool:
    """``routes=0|false|no`` skips the along-road estimates; anything else (or nothing) keeps them."""
    return (value if value is not None else "1") not in NO
