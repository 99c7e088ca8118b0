"""The engineers' page (/plan) as plain data for its template, built without Flask.

The route passes the store, the catalogue, the :class:`GapsService`, the form's values,
the map options and the labels already translated; it gets back the template's
context and the status. Lengths are geodesic metres; geometries lon/lat (EPSG:4326).
Names and ids from data or an upload stay plain text here: the template escapes them and
the map shows them with ``textContent``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from geoworks.catalogue import Catalogue
from geoworks.maps.base import MapOptions, map_parts
from geoworks.maps.plan import plan_map
from geoworks.plan.export import summary_records
from geoworks.plan.gaps import MAX_THRESHOLD_M, GapsInputError, GapsResult
from geoworks.plan.params import PlanForm
from geoworks.plan.service import (
    NETWORK_STATUSES,
    GapsService,
    UploadedTargets,
    compute_form,
    network_choices,
    target_choices,
)

if TYPE_CHECKING:
    from geoworks.storage import Store

TEMPLATE = "plan/page.html"
GAP_FIELDS = ("id", "name", "district", "distance_m", "line_id", "conn_lon", "conn_lat", "route_m", "route_status")


@dataclass
class PlanPage:
    """The page's template context and HTTP status (400 when the request cannot be computed)."""

    context: dict[str, Any] = field(default_factory=dict)
    status: int = 200


def error_page(
    catalogue: Catalogue, form: PlanForm, labels: dict[str, str], errors: list[str], upload: str | None = None
) -> PlanPage:
    """The form again with ``errors`` (status 400); ``upload`` the uploaded file's name, if any."""
    return PlanPage(_form_context(catalogue, form, labels, errors, upload), 400)


def page_view(
    store: Store,
    catalogue: Catalogue,
    service: GapsService,
    form: PlanForm,
    options: MapOptions,
    labels: dict[str, str],
    upload: UploadedTargets | None = None,
) -> PlanPage:
    """The page for ``form`` (stored targets, or the targets of ``upload``): the map, the per-district
    summary and the gaps farthest first; the form with the problem (status 400) on bad input."""
    name = upload.name if upload is not None else None
    try:
        result = compute_form(service, store, catalogue, form, upload=upload)
    except GapsInputError as exc:
        return error_page(catalogue, form, labels, [str(exc)], name)
    ctx = _form_context(catalogue, form, labels, [], name)
    ctx.update(_result_context(store, catalogue, result, options, labels))
    ctx["query"] = None if upload is not None else export_query(result, form.district)
    return PlanPage(ctx, 200)


def export_query(result: GapsResult, district: str | None) -> dict[str, str]:
    """The query string of the exports and the API for ``result`` (empty values left out)."""
    pairs = (
        ("network", result.network),
        ("targets", result.targets),
        ("threshold", f"{result.threshold_m:g}"),
        ("district", district),
    )
    return {k: v for k, v in pairs if v}


def _form_context(
    catalogue: Catalogue, form: PlanForm, labels: dict[str, str], errors: list[str], upload: str | None
) -> dict[str, Any]:
    return {
        "params": form,
        "errors": errors,
        "networks": network_choices(catalogue),
        "target_layers": target_choices(catalogue),
        "max_threshold": MAX_THRESHOLD_M,
        "upload": upload,
        "labels": labels,
        "result": None,
    }


def _result_context(
    store: Store, catalogue: Catalogue, result: GapsResult, options: MapOptions, labels: dict[str, str]
) -> dict[str, Any]:
    """The map's rendered parts, the caption's values, the summary and the gaps (farthest first)."""
    net = store.read_layer(result.network, where={"status": list(NETWORK_STATUSES)})
    m = plan_map(result, net, catalogue.layer(result.network).colour, options, labels, city_bbox=catalogue.city.bbox)
    gaps = result.gaps.sort_values("distance_m", ascending=False, kind="stable")
    return {
        "result": {"network": result.network, "targets": result.targets, "threshold_m": result.threshold_m},
        "map": map_parts(m),
        "map_name": m.get_name(),
        "summary": summary_records(result),
        "gaps": gaps[list(GAP_FIELDS)].to_dict("records"),
    }
