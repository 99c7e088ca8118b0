"""The Almaty demo data set, built deterministically from a seed.

Districts are schematic (a Voronoi partition of a city outline, seeded where
the real districts lie), labelled as such. Works are generated in UTM 43N
(metres) and stored in lon/lat. The works completed in 2019 measure close to
the city's 2019 report, with deliberate mismatches (power, heating,
courtyards) and a few duplicated stretches (roads, water) so that
verification has something to find.
"""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import LineString, Polygon
from shapely.ops import substring

from geoworks import clock
from geoworks.catalogue import Catalogue
from geoworks.demo.places import (  # noqa: F401  (re-exported: the demo's facts)
    CLAIMS_2019,
    CONTRACTORS,
    COURTYARDS_2019,
    DEMO_SOURCE,
    LINE_LENGTHS_M,
    LIT_STREETS_2019,
    MICRODISTRICTS,
    OUTLINE,
    REPORT_2019,
    ROTATION,
    SEEDS,
    STREETS,
    TARGETS_2019,
)
from geoworks.geodesy import UTM43N, WGS84, from_metric, to_metric
from geoworks.storage import Store
from geoworks.works import annotate, conform


def street_names() -> list[tuple[str, str]]:
    """(kk, ru) street names: real street names, then numbered streets of microdistricts."""
    names = list(STREETS)
    for kk, ru in MICRODISTRICTS:
        for n in range(1, 41):
            names.append((f"{kk} ықшамауданы, {n}-көше", f"мкр. {ru}, улица {n}"))
    return names


def make_districts(catalogue: Catalogue) -> gpd.GeoDataFrame:
    """Schematic district polygons: Voronoi cells of SEEDS clipped to the city outline (EPSG:4326)."""
    outline = shapely.segmentize(Polygon(OUTLINE), 0.004)
    seeds = shapely.multipoints([SEEDS[s] for s in catalogue.districts])
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=outline.buffer(0.2)))
    rows = []
    for slug, d in catalogue.districts.items():
        pt = shapely.Point(SEEDS[slug])
        cell = next(c for c in cells if c.contains(pt))
        geom = shapely.segmentize(cell.intersection(outline), 0.004)
        rows.append(
            {
                "slug": slug,
                "name_kk": d.names.kk,
                "name_ru": d.names.ru,
                "name_en": d.names.en,
                "schematic": 1,
                "geometry": geom,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


class _Maker:
    """Generates works in UTM 43N metres inside the city outline."""

    def __init__(self, rng: np.random.Generator, districts: gpd.GeoDataFrame):
        self.rng = rng
        metric = to_metric(districts)
        # keep generated works a little inside the outline, so none pokes out of the city
        self.city = shapely.union_all(metric.geometry.values).buffer(-5)
        self.inner = self.city.buffer(-150)
        shapely.prepare(self.city)
        shapely.prepare(self.inner)
        self.xmin, self.ymin, self.xmax, self.ymax = self.city.bounds
        self.names = street_names()
        self.serial: dict[str, int] = {}

    def point(self, area=None):
        area = area or self.city
        while True:
            x = self.rng.uniform(self.xmin, self.xmax)
            y = self.rng.uniform(self.ymin, self.ymax)
            if area.contains(shapely.Point(x, y)):
                return x, y

    def line(self, lo: float, hi: float) -> LineString:
        """A street-like polyline of about lo..hi metres, inside the city."""
        while True:
            x, y = self.point()
            heading = ROTATION + self.rng.integers(0, 4) * math.pi / 2
            pts, total, want = [(x, y)], 0.0, self.rng.uniform(lo, hi)
            while total < want:
                step = min(self.rng.uniform(120, 600), want - total)
                heading += self.rng.normal(0, 0.12)
                if self.rng.random() < 0.12:
                    heading += self.rng.choice([-1, 1]) * math.pi / 2
                x, y = x + step * math.sin(heading), y + step * math.cos(heading)
                pts.append((x, y))
                total += step
            clipped = LineString(pts).intersection(self.city)
            parts = [p for p in shapely.get_parts(clipped) if p.geom_type == "LineString"]
            if parts:
                best = max(parts, key=lambda p: p.length)
                if best.length >= lo * 0.5:
                    return best

    def courtyard(self) -> Polygon:
        x, y = self.point(self.inner)
        w, h = self.rng.uniform(40, 120), self.rng.uniform(40, 110)
        rect = shapely.box(-w / 2, -h / 2, w / 2, h / 2)
        return shapely.affinity.translate(shapely.affinity.rotate(rect, -8, origin=(0, 0)), x, y)

    def next_id(self, layer: str) -> str:
        self.serial[layer] = self.serial.get(layer, 0) + 1
        return f"{layer}-{self.serial[layer]:05d}"

    def dates(self, year: int, status: str) -> tuple[str, str]:
        if status == "planned":
            start = dt.date(2026, 12, 1) + dt.timedelta(days=int(self.rng.integers(0, 25)))
            return start.isoformat(), dt.date(2026, 12, 31).isoformat()
        start = dt.date(year, 3, 1) + dt.timedelta(days=int(self.rng.integers(0, 150)))
        end = start + dt.timedelta(days=int(self.rng.integers(30, 200)))
        end = min(end, dt.date(min(year, 2026), 12, 31))
        if status == "in_progress":
            end = dt.date(2026, 12, int(self.rng.integers(10, 31)))
        return start.isoformat(), end.isoformat()

    def attrs(self, layer: str, year: int, status: str, name: tuple[str, str] | None = None) -> dict:
        kk, ru = name or self.names[int(self.rng.integers(0, len(self.names)))]
        start, end = self.dates(year, status)
        return {
            "id": self.next_id(layer),
            "name": kk,
            "name_ru": ru,
            "status": status,
            "start_date": start,
            "end_date": end,
            "year": year,
            "contractor": self.contractor(layer),
        }

    def contractor(self, layer: str) -> str:
        options = CONTRACTORS[layer]
        return options[int(self.rng.integers(0, len(options)))]


def _status_for(year: int, rng: np.random.Generator) -> str:
    r = rng.random()
    if year <= 2024:
        return "completed" if r < 0.92 else "cancelled"
    if year == 2025:
        return "completed" if r < 0.7 else ("in_progress" if r < 0.95 else "cancelled")
    return "in_progress" if r < 0.45 else ("planned" if r < 0.95 else "cancelled")


def _lines_to(
    maker: _Maker, layer: str, km: float, year: int, status: str, names: list[tuple[str, str]] | None = None
) -> list[dict]:
    """Works whose planar lengths (UTM 43N) add up to exactly ``km``."""
    lo, hi = LINE_LENGTHS_M[layer]
    rows, left, i = [], km * 1000.0, 0
    while left > 1.0:
        geom = maker.line(lo, hi)
        if geom.length > left:
            geom = substring(geom, 0, left)
        left -= geom.length
        rows.append(
            {**maker.attrs(layer, year, status, names[i] if names and i < len(names) else None), "geometry": geom}
        )
        i += 1
    return rows


def _duplicates(maker: _Maker, rows: list[dict], layer: str, count: int) -> list[dict]:
    """Copies of existing stretches (whole, partial, reversed): the same work entered twice."""
    dups = []
    picks = maker.rng.choice(len(rows), size=count, replace=False)
    for k, i in enumerate(picks):
        src = rows[int(i)]
        g = src["geometry"]
        if k % 3 == 1:
            g = substring(g, g.length * 0.2, g.length * 0.75)
        elif k % 3 == 2:
            g = shapely.reverse(substring(g, 0, g.length * 0.6))
        dup = {**src, "id": maker.next_id(layer), "geometry": g, "contractor": maker.contractor(layer)}
        dups.append(dup)
    return dups


def build_demo(catalogue: Catalogue, seed: int = 2019) -> dict[str, gpd.GeoDataFrame]:
    """All demo tables: ``districts`` and one works table per layer (EPSG:4326)."""
    rng = np.random.default_rng(seed)
    districts = make_districts(catalogue)
    maker = _Maker(rng, districts)
    tables: dict[str, list[dict]] = {lid: [] for lid in catalogue.layers}
    for layer, km in TARGETS_2019.items():
        base = _lines_to(maker, layer, km, 2019, "completed")
        tables[layer] += base
        if layer in ("roads", "water"):
            tables[layer] += _duplicates(maker, base, layer, 3 if layer == "roads" else 1)
    names = maker.names
    lit_names = [names[int(i)] for i in rng.permutation(len(names))[:LIT_STREETS_2019]]
    for name in lit_names:
        tables["lighting"].append(
            {**maker.attrs("lighting", 2019, "completed", name), "geometry": maker.line(*LINE_LENGTHS_M["lighting"])}
        )
    for _ in range(COURTYARDS_2019):
        tables["courtyards"].append({**maker.attrs("courtyards", 2019, "completed"), "geometry": maker.courtyard()})
    # other years and statuses, and a few 2019 works that did not complete
    for year in range(2019, 2027):
        share = 0.06 if year == 2019 else rng.uniform(0.25, 0.55)
        for layer in list(TARGETS_2019) + ["lighting"]:
            km = (TARGETS_2019.get(layer) or 250.0) * share
            for row in _lines_to(maker, layer, km, year, "completed"):
                status = "cancelled" if year == 2019 else _status_for(year, rng)
                row["status"] = status
                row["start_date"], row["end_date"] = maker.dates(year, status)
                tables[layer].append(row)
        for _ in range(int(COURTYARDS_2019 * share)):
            status = "cancelled" if year == 2019 else _status_for(year, rng)
            tables["courtyards"].append({**maker.attrs("courtyards", year, status), "geometry": maker.courtyard()})
    out = {"districts": districts}
    for lid, rows in tables.items():
        gdf = from_metric(gpd.GeoDataFrame(rows, geometry="geometry", crs=UTM43N))
        gdf["batch_id"] = "demo"
        out[lid] = conform(annotate(gdf, catalogue.layer(lid), districts))
    return out


def demo_claims() -> pd.DataFrame:
    """The 2019 report's figures, as claims."""
    rows = [
        {
            "id": f"claim-2019-{i + 1:02d}",
            "year": 2019,
            "layers": layers,
            "district": None,
            "value": float(value),
            "unit": unit,
            "qualifier": qual,
            "source": REPORT_2019,
            "quote": quote,
        }
        for i, (layers, value, unit, qual, quote) in enumerate(CLAIMS_2019)
    ]
    return pd.DataFrame(rows)


def _demo_requests(catalogue: Catalogue, tables: dict[str, gpd.GeoDataFrame], seed: int) -> dict[str, gpd.GeoDataFrame]:
    """The demo's residents' requests (geoworks.demo.requests), when the catalogue defines them."""
    if catalogue.requests is None:
        return {}
    from geoworks.demo.requests import build_demo_requests

    works = {lid: tables[lid] for lid in catalogue.layers}
    return build_demo_requests(catalogue, tables["districts"], works, list(STREETS), seed)


def write_demo(store: Store, catalogue: Catalogue, seed: int = 2019) -> dict[str, int]:
    """Replace the store's content with the demo set in one transaction; feature counts per table."""
    tables = build_demo(catalogue, seed)
    now = clock.stamp()
    counts = {name: len(gdf) for name, gdf in tables.items()}
    requests = _demo_requests(catalogue, tables, seed)
    with store.transaction() as tx:
        for name, gdf in tables.items():
            tx.write_layer(name, gdf)
        for name, gdf in requests.items():  # residents' requests: their own tables, not works layers
            tx.write_layer(name, gdf)
        tx.write_table("claims", demo_claims())
        tx.write_table(
            "batches",
            pd.DataFrame(
                [
                    {
                        "id": "demo",
                        "created": now,
                        "user": "geoworks demo",
                        "file": f"demo seed {seed}",
                        "checksum": f"seed:{seed}",
                        "layer": "*",
                        "features": sum(v for k, v in counts.items() if k != "districts"),
                        "status": "committed",
                    }
                ]
            ),
        )
        tx.write_table(
            "meta",
            pd.DataFrame(
                [
                    {"key": "dataset", "value": "demo"},
                    {"key": "seed", "value": str(seed)},
                    {"key": "districts", "value": "schematic"},
                    {"key": "source", "value": DEMO_SOURCE},
                    {"key": "built", "value": now},
                ]
            ),
        )
    if requests:
        counts["requests"] = len(requests["requests"])
    return counts
