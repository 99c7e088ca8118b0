"""Verification: each claim against what the map measures.

The measured value of a km claim is the network length (overlapping or
duplicated stretches counted once; geodesic km on WGS84) of the works
*completed* in the claim's year, in its district or the whole city, summed
over the claim's layers; a count claim uses the layer's count (distinct
street names for lighting, features for courtyards). Status:

- ``confirmed``: within the tolerance (default 2 %); a ``more_than`` claim is
  confirmed by anything at or above it (less the tolerance), an ``up_to`` claim
  by anything at or below it, an ``about`` claim within max(tolerance, 5 %);
- ``over_reported``: the report says more than the map shows;
- ``under_reported``: the map shows more than the report says;
- ``not_measurable``: no works on that layer for that year, or a unit the layer cannot give.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geoworks.catalogue import Catalogue
from geoworks.config import DEFAULTS
from geoworks.storage import Store
from geoworks.totals import CITY, Filters, Totals, TotalsCache, compute_totals
from geoworks.verify.claims import Claim

DEFAULT_TOLERANCE_PCT = float(DEFAULTS["GEOWORKS_TOLERANCE_PCT"])  # type: ignore[arg-type]
ABOUT_PCT = 5.0
COLUMNS = [
    "claim",
    "year",
    "layers",
    "district",
    "claimed",
    "unit",
    "qualifier",
    "measured",
    "feature_km",
    "difference",
    "percent",
    "status",
    "overlaps",
    "overlap_km",
    "works",
    "source",
    "quote",
]


class VerifyError(ValueError):
    """Bad verification input (tolerance, year); the message names it."""


def check_tolerance(value: str | float) -> float:
    """A tolerance in percent, 0..100; VerifyError otherwise."""
    try:
        tol = float(value)
    except (TypeError, ValueError):
        raise VerifyError(f"tolerance: '{value}' is not a number (percent, e.g. 2)") from None
    if not 0 <= tol <= 100 or tol != tol:
        raise VerifyError(f"tolerance: {value} must be between 0 and 100 (percent)")
    return tol


def judge(
    claimed: float, measured: float, qualifier: str = "exact", tolerance_pct: float = DEFAULT_TOLERANCE_PCT
) -> str:
    """confirmed / over_reported / under_reported for one figure (measured and claimed in the same unit)."""
    tol = tolerance_pct / 100.0
    if qualifier == "more_than":
        return "confirmed" if measured >= claimed * (1 - tol) else "over_reported"
    if qualifier == "up_to":
        return "confirmed" if measured <= claimed * (1 + tol) else "under_reported"
    if qualifier == "about":
        tol = max(tol, ABOUT_PCT / 100.0)
    if claimed == 0:
        return "confirmed" if measured == 0 else "under_reported"
    rel = (measured - claimed) / claimed
    if abs(rel) <= tol + 1e-12:
        return "confirmed"
    return "over_reported" if rel < 0 else "under_reported"


@dataclass
class Check:
    """One claim and what the map says about it."""

    claim: Claim
    measured: float | None
    feature_km: float | None
    features: int
    status: str
    overlaps: int = 0
    overlap_km: float = 0.0

    @property
    def difference(self) -> float | None:
        """Measured minus claimed (None when not measurable)."""
        return None if self.measured is None else self.measured - self.claim.value

    @property
    def percent(self) -> float | None:
        """The difference in percent of the claim (None when not measurable or the claim is 0)."""
        if self.measured is None or self.claim.value == 0:
            return None
        return 100.0 * (self.measured - self.claim.value) / self.claim.value

    def row(self) -> dict:
        """One row of the verification table (:data:`COLUMNS`), rounded for display."""
        c = self.claim
        return {
            "claim": c.id,
            "year": c.year,
            "layers": ",".join(c.layers),
            "district": c.district or CITY,
            "claimed": c.value,
            "unit": c.unit,
            "qualifier": c.qualifier,
            "measured": None if self.measured is None else round(self.measured, 3 if c.unit == "km" else 0),
            "feature_km": None if self.feature_km is None else round(self.feature_km, 3),
            "difference": None if self.difference is None else round(self.difference, 3),
            "percent": None if self.percent is None else round(self.percent, 2),
            "status": self.status,
            "overlaps": self.overlaps,
            "overlap_km": round(self.overlap_km, 3),
            "works": self.features,
            "source": c.source,
            "quote": c.quote,
        }


def year_totals(store: Store, catalogue: Catalogue, year: int, cache: TotalsCache | None = None) -> Totals:
    """Totals of the works completed in ``year`` (all layers, per district and city)."""
    filters = Filters(year=year, status="completed")
    return cache.get(store, catalogue, filters) if cache else compute_totals(store, catalogue, filters)


def overlaps_for(totals: Totals, layer: str, district: str | None = None) -> pd.DataFrame:
    """Overlapping stretches of one layer (within a district when given): feature_a, feature_b, length_m, geometry."""
    ov = totals.overlaps(layer)
    if ov is None or len(ov) == 0:
        return pd.DataFrame(columns=["feature_a", "feature_b", "length_m", "geometry"])
    if district and district != CITY:
        ids = set(totals.features_behind(layer, district)["feature"])
        ov = ov[ov["feature_a"].isin(ids) | ov["feature_b"].isin(ids)]
    return ov.reset_index(drop=True)


def _has_any(store: Store, layer: str, year: int) -> bool:
    return len(store.read_layer(layer, where={"year": year})) > 0


def check_claim(
    claim: Claim, totals: Totals, store: Store, catalogue: Catalogue, tolerance_pct: float = DEFAULT_TOLERANCE_PCT
) -> Check:
    """Measure one claim against ``totals`` (the completed works of its year)."""
    table = totals.table
    district = claim.district or CITY
    measured = feature_km = 0.0
    features = overlaps = 0
    overlap_km = 0.0
    measurable = True
    for lid in claim.layers:
        layer = catalogue.layers.get(lid)
        rows = table[(table["layer"] == lid) & (table["district"] == district)]
        if layer is None or (claim.unit == "km" and not layer.is_line):
            measurable = False
            continue
        works = totals.works.get(lid)
        if (works is None or len(works) == 0) and not _has_any(store, lid, int(claim.year or 0)):
            measurable = False
            continue
        if len(rows):
            r = rows.iloc[0]
            measured += float(r["network_km"] if claim.unit == "km" else r["count"])
            feature_km += float(r["km"])
            features += int(r["features"])
        ov = overlaps_for(totals, lid, claim.district)
        overlaps += len(ov)
        overlap_km += float(ov["length_m"].sum()) / 1000.0 if len(ov) else 0.0
    if not measurable or not claim.layers:
        return Check(claim, None, None, 0, "not_measurable")
    status = judge(claim.value, measured, claim.qualifier, tolerance_pct)
    return Check(claim, measured, feature_km if claim.unit == "km" else None, features, status, overlaps, overlap_km)


def verify_claims(
    store: Store,
    catalogue: Catalogue,
    claims: list[Claim],
    tolerance_pct: float = DEFAULT_TOLERANCE_PCT,
    cache: TotalsCache | None = None,
) -> list[Check]:
    """Check every claim (one totals computation per year)."""
    tolerance_pct = check_tolerance(tolerance_pct)
    by_year: dict[int, Totals] = {}
    out = []
    for claim in claims:
        if claim.year is None:
            out.append(Check(claim, None, None, 0, "not_measurable"))
            continue
        if claim.year not in by_year:
            by_year[claim.year] = year_totals(store, catalogue, claim.year, cache)
        out.append(check_claim(claim, by_year[claim.year], store, catalogue, tolerance_pct))
    return out


def checks_frame(checks: list[Check]) -> pd.DataFrame:
    """The verification table (one row per claim, :data:`COLUMNS`)."""
    return pd.DataFrame([c.row() for c in checks], columns=COLUMNS)


def overlaps_table(
    totals: Totals, catalogue: Catalogue, layers: list[str] | None = None, district: str | None = None
) -> gpd.GeoDataFrame:
    """Every overlapping stretch per layer: layer, feature_a, feature_b, length_m, geometry (EPSG:4326)."""
    frames = []
    for lid in layers or [lyr.id for lyr in catalogue.line_layers()]:
        ov = overlaps_for(totals, lid, district)
        if len(ov):
            frames.append(ov.assign(layer=lid))
    if not frames:
        return empty_overlaps()
    df = pd.concat(frames, ignore_index=True)[["layer", "feature_a", "feature_b", "length_m", "geometry"]]
    return gpd.GeoDataFrame(df, geometry="geometry", crs="EPSG:4326")


def works_behind(totals: Totals, layer: str, district: str | None = None) -> pd.DataFrame:
    """One row per work behind a figure: feature, districts, length_m (geodesic, its part in the district), area_m2,
    name, status, year, contractor; longest first."""
    parts = totals.features_behind(layer, district)
    if len(parts) == 0:
        return parts
    info = [c for c in ("name", "status", "year", "contractor") if c in parts.columns]
    agg = parts.groupby("feature", sort=False).agg(
        district=("district", lambda d: ", ".join(sorted(set(map(str, d))))),
        length_m=("length_m", "sum"),
        area_m2=("area_m2", "sum"),
        **{c: (c, "first") for c in info},
    )
    return agg.reset_index().sort_values(["length_m", "area_m2"], ascending=False, kind="stable").reset_index(drop=True)


def empty_overlaps() -> gpd.GeoDataFrame:
    """An overlaps table with no rows."""
    return gpd.GeoDataFrame(
        {"layer": [], "feature_a": [], "feature_b": [], "length_m": []},
        geometry=gpd.GeoSeries([], crs="EPSG:4326"),
        crs="EPSG:4326",
    )


def overlaps_summary(overlaps: pd.DataFrame) -> pd.DataFrame:
    """Per layer: number of overlapping stretches and their length in km."""
    if len(overlaps) == 0:
        return pd.DataFrame(columns=["layer", "stretches", "km"])
    g = overlaps.groupby("layer", sort=False)["length_m"].agg(["count", "sum"]).reset_index()
    return pd.DataFrame({"layer": g["layer"], "stretches": g["count"], "km": (g["sum"] / 1000.0).round(3)})
