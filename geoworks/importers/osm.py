"""OpenStreetMap extracts (.osm.pbf / .osm) -> geoworks layers, by a tag mapping kept as data.

The mapping is ``layers/osm-mapping.json`` (or any file given with
``--mapping``). The extract is read through :func:`geoworks.io.readers.read_source`
(GDAL's OSM driver: layers ``lines``, ``points``, ``multipolygons``); tags outside
GDAL's core columns are parsed from ``other_tags``. Output is EPSG:4326, validated and
annotated like any other import.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import union_all

from geoworks.catalogue import Catalogue
from geoworks.importers.districts import match_district
from geoworks.importers.prepare import Prepared, Progress, annotate_works, district_summary, no_progress
from geoworks.importers.validate import Options, Report, check_geometry
from geoworks.io.readers import SourceError, check_file, file_checksum, read_source
from geoworks.resources import resource_dir

OSM_LAYERS = ("lines", "points", "multipolygons")


class MappingFileError(ValueError):
    """The OSM tag mapping file is malformed."""


def default_mapping_path() -> Path:
    """The shipped tag mapping, ``layers/osm-mapping.json``."""
    return resource_dir("layers") / "osm-mapping.json"


def load_mapping(path: str | Path | None = None, catalogue: Catalogue | None = None) -> dict:
    """Read and check a tag mapping; MappingFileError naming the file and the rule."""
    path = Path(path) if path else default_mapping_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MappingFileError(f"{path}: cannot be read as JSON ({exc})") from None
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, list) or not rules:
        raise MappingFileError(f"{path}: expected an object with a non-empty 'rules' list")
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) or not isinstance(rule.get("match"), dict) or not rule.get("match"):
            raise MappingFileError(f"{path}: rules[{i}]: expected 'layer', 'from' and a non-empty 'match' object")
        if rule.get("from") not in OSM_LAYERS:
            raise MappingFileError(f"{path}: rules[{i}].from: '{rule.get('from')}' is not one of {OSM_LAYERS}")
        if catalogue is not None and rule.get("layer") != "districts" and rule.get("layer") not in catalogue.layers:
            raise MappingFileError(
                f"{path}: rules[{i}].layer: unknown layer '{rule.get('layer')}'; "
                f"known: districts, {', '.join(catalogue.layers)}"
            )
    return data


def tag(frame: pd.DataFrame, key: str) -> pd.Series:
    """The value of OSM tag ``key`` per feature (a core column, or parsed from ``other_tags``)."""
    if key in frame.columns:
        return frame[key].astype(object)
    if "other_tags" not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    pattern = r'(?:^|,)"' + re.escape(key) + r'"=>"((?:[^"\\]|\\.)*)"'
    return frame["other_tags"].astype("string").str.extract(pattern, expand=False).astype(object)


def _matches(frame: pd.DataFrame, match: dict) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for key, want in match.items():
        values = tag(frame, key)
        if want == "*":
            mask &= values.notna().to_numpy()
        else:
            wanted = want if isinstance(want, list) else [want]
            mask &= values.isin([str(w) for w in wanted]).to_numpy()
    return mask


def _read(path: Path, osm_layer: str, label: str) -> gpd.GeoDataFrame:
    """One layer of GDAL's OSM driver (lon/lat); SourceError when the extract cannot be read."""
    return read_source(path, osm_layer, label=label, fmt="OSM").frame


def _features(frame: gpd.GeoDataFrame, mask: np.ndarray, mapping: dict, rule: dict) -> gpd.GeoDataFrame:
    """The features of ``frame`` a rule matched, with their names, ``osm_id``, the kept tags and the status."""
    sub = frame[mask]
    out = pd.DataFrame(index=sub.index)
    for col, key in (mapping.get("name_tags") or {"name": "name"}).items():
        out[col] = tag(sub, key)
    out["osm_id"] = sub["osm_id"].astype(str) if "osm_id" in sub.columns else None
    out["osm_layer"] = rule["from"]
    for key in mapping.get("keep_tags") or []:
        values = tag(sub, key)
        if values.notna().any():
            out["osm_" + key.replace(":", "_")] = values
    out["status"] = mapping.get("status")
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry=list(sub.geometry.values), crs=frame.crs)


def _matched(path: Path, mapping: dict, label: str, progress: Progress) -> dict[str, list[gpd.GeoDataFrame]]:
    """Layer id -> the features each rule matched (every OSM layer read once); SourceError when unreadable."""
    frames: dict[str, gpd.GeoDataFrame] = {}
    per_layer: dict[str, list[gpd.GeoDataFrame]] = {}
    sources = len({r["from"] for r in mapping["rules"]})
    for rule in mapping["rules"]:
        src = rule["from"]
        if src not in frames:
            frames[src] = _read(path, src, label)
            progress("read", len(frames), sources)
        mask = _matches(frames[src], rule["match"])
        if mask.any():
            per_layer.setdefault(rule["layer"], []).append(_features(frames[src], mask, mapping, rule))
    return per_layer


def _prepare_layer(
    parts: list[gpd.GeoDataFrame],
    layer_id: str,
    catalogue: Catalogue,
    districts: gpd.GeoDataFrame,
    opts: Options,
    path: Path,
    label: str,
    checksum: str,
) -> Prepared:
    """One layer's matched features validated and annotated (district, geodesic length and area)."""
    layer = catalogue.layer(layer_id)
    frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=parts[0].crs)
    report = Report(file=label, layer=layer_id, features_read=len(frame))
    lonlat, keep = check_geometry(frame, True, "OSM", layer.accepted_kinds(), layer_id, catalogue, opts, report)
    item = Prepared(str(path), layer_id, checksum, report)
    rows = np.flatnonzero(keep)
    if not report.ok or not len(rows):
        return item
    works = gpd.GeoDataFrame(
        frame.drop(columns="geometry").iloc[rows].reset_index(drop=True), geometry=list(lonlat[rows]), crs="EPSG:4326"
    )
    item.features = annotate_works(works, layer, districts)
    report.features_kept = len(item.features)
    report.by_district = district_summary(item.features, area=False)
    return item


def _combine(items: list[Prepared], overall: Report) -> None:
    """Every layer's messages and counts added to the extract's report."""
    for item in items:
        overall.issues.extend(item.report.issues)
        overall.counts.update(item.report.counts)
    overall.features_read = sum(i.report.features_read for i in items)
    overall.features_kept = sum(i.report.features_kept for i in items)
    overall.skipped = sum(i.report.skipped for i in items)
    overall.repaired = sum(i.report.repaired for i in items)
    if not items:
        overall.add("error", "empty", "no feature matches the tag mapping")


def prepare_osm(
    path: str | Path,
    catalogue: Catalogue,
    districts: gpd.GeoDataFrame | None,
    opts: Options | None = None,
    mapping_path: str | Path | None = None,
    progress: Progress = no_progress,
    label: str | None = None,
) -> tuple[list[Prepared], Report]:
    """Validated, annotated features per layer, EPSG:4326 (districts first when the extract has all of them),
    and the extract's report. Nothing is written."""
    opts = opts or Options()
    path = Path(path)
    label = label or path.name
    overall = Report(file=label, layer="osm")
    try:
        check_file(path, label)
        mapping = load_mapping(mapping_path, catalogue)
        per_layer = _matched(path, mapping, label, progress)
    except MappingFileError as exc:
        overall.add("error", "mapping", str(exc))
        return [], overall
    except SourceError as exc:
        overall.add("error", "unreadable", exc.problem)
        return [], overall
    checksum = file_checksum(path)
    items: list[Prepared] = []
    if "districts" in per_layer:
        d_item = _districts(
            pd.concat(per_layer.pop("districts"), ignore_index=True), catalogue, opts, label, checksum, overall
        )
        if d_item is not None:
            items.append(d_item)
            districts = d_item.features
    if districts is None or len(districts) == 0:
        overall.add("error", "no_districts", "the store has no districts and the extract holds none of the city's")
        return [], overall
    for layer_id, parts in per_layer.items():
        items.append(_prepare_layer(parts, layer_id, catalogue, districts, opts, path, label, checksum))
        progress("measure", len(items), len(per_layer))
    _combine(items, overall)
    return [i for i in items if i.features is not None or not i.report.ok], overall


def _districts(
    frame: gpd.GeoDataFrame, catalogue: Catalogue, opts: Options, label: str, checksum: str, overall: Report
) -> Prepared | None:
    """The city's districts from boundary=administrative polygons, only when every known district is there."""
    names = [tag(frame, k) for k in ("name", "name:ru", "name:kk", "name:en")]
    slugs = [match_district([n.iloc[i] for n in names], catalogue) for i in range(len(frame))]
    frame = frame.assign(slug=slugs)
    frame = frame[frame["slug"].notna()]
    found = sorted(set(frame["slug"]))
    if not found:
        return None
    if len(found) < len(catalogue.districts):
        overall.add(
            "warning",
            "partial_districts",
            f"the extract holds {len(found)} of the "
            f"{len(catalogue.districts)} districts ({', '.join(found)}); districts are kept as stored",
        )
        return None
    report = Report(file=label, layer="districts", features_read=len(frame))
    lonlat, keep = check_geometry(frame, True, "OSM", ("polygon",), "districts", catalogue, opts, report)
    item = Prepared("", "districts", checksum, report)
    if not report.ok:
        return item
    rows = []
    for slug in found:
        d = catalogue.districts[slug]
        geoms = lonlat[(frame["slug"] == slug).to_numpy() & keep]
        rows.append(
            {
                "slug": slug,
                "name_kk": d.names.kk,
                "name_ru": d.names.ru,
                "name_en": d.names.en,
                "schematic": 0,
                "geometry": union_all(list(geoms)),
            }
        )
    item.features = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    report.features_kept = len(rows)
    return item
