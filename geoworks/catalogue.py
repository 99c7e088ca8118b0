"""The layer catalogue: layers/*.json loaded into typed, validated objects.

Every layer definition is a JSON file in ``layers/`` (one per layer) and
``layers/districts.json`` names the city, its districts and layer groups.
A malformed definition raises :class:`CatalogueError` naming the file and the
field, so a broken catalogue fails at start-up, not on first use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from geoworks.resources import resource_dir

LANGS = ("kk", "ru", "en")
GEOMETRY_KINDS = ("line", "point", "polygon")
UNITS = ("km", "count")
STATUSES = ("planned", "in_progress", "completed", "cancelled")
# residents' requests (layers/requests.json): the statuses the summaries count on, in this order
REQUEST_STATUSES = ("new", "in_plan", "satisfied", "explained", "needs_time", "rejected")
REQUEST_SOURCES = ("meeting", "web", "phone")
REQUESTS_FILE = "requests.json"
_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


class CatalogueError(ValueError):
    """A layer or district definition is malformed."""

    def __init__(self, path: Path | str, field_name: str, problem: str):
        super().__init__(f"{path}: field '{field_name}': {problem}")
        self.path = str(path)
        self.field = field_name


@dataclass(frozen=True)
class Names:
    kk: str
    ru: str
    en: str

    def get(self, lang: str) -> str:
        """The name in ``lang`` (kk, ru or en); English when unknown."""
        return getattr(self, lang, None) or self.en

    def all(self) -> tuple[str, str, str]:
        return (self.kk, self.ru, self.en)


@dataclass(frozen=True)
class Layer:
    id: str
    names: Names
    geometry: str  # line | point | polygon
    colour: str
    unit: str  # km | count
    order: int = 0
    group: str | None = None
    accepts: tuple[str, ...] = ()
    count_field: str | None = None

    @property
    def is_line(self) -> bool:
        return self.geometry == "line"

    def accepted_kinds(self) -> tuple[str, ...]:
        return self.accepts or (self.geometry,)


@dataclass(frozen=True)
class District:
    slug: str
    names: Names
    stems: tuple[str, ...] = ()  # word stems that name it in report text ("алмалы", "алмалин", "almaly")


@dataclass(frozen=True)
class Group:
    id: str
    names: Names
    layers: tuple[str, ...]


@dataclass(frozen=True)
class City:
    id: str
    names: Names
    bbox: tuple[float, float, float, float]  # lon/lat, EPSG:4326
    metric_crs: str


@dataclass(frozen=True)
class Choice:
    """One value of a requests vocabulary (a topic, status or source): id, names, other spellings."""

    id: str
    names: Names
    aliases: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()  # topics: the works layers that can answer it (empty: any layer)
    colour: str = "#555555"  # statuses: the map's colour
    closed: bool = False  # statuses: no more work expected


@dataclass(frozen=True)
class RequestsDef:
    """Residents' requests (points): names, colour, topics, statuses and sources (layers/requests.json)."""

    names: Names
    colour: str
    topics: dict[str, Choice]
    statuses: dict[str, Choice]
    sources: dict[str, Choice]

    def _find(self, choices: dict[str, Choice], value: str | None) -> str | None:
        key = " ".join(str(value or "").strip().casefold().replace("_", " ").split())
        for c in choices.values():
            if key in (c.id.replace("_", " "), *(n.casefold() for n in c.names.all()), *c.aliases):
                return c.id
        return None

    def topic_id(self, value: str | None) -> str | None:
        """The topic id given by id, name (kk/ru/en) or alias, case-insensitive; None when unknown."""
        return self._find(self.topics, value)

    def status_id(self, value: str | None) -> str | None:
        """The status id given by id, name (kk/ru/en) or alias, case-insensitive; None when unknown."""
        return self._find(self.statuses, value)

    def source_id(self, value: str | None) -> str | None:
        """The source id given by id, name (kk/ru/en) or alias, case-insensitive; None when unknown."""
        return self._find(self.sources, value)

    def topic_layers(self, topic: str, catalogue: Catalogue) -> tuple[str, ...]:
        """The works layers that can answer ``topic`` (every layer when the topic names none)."""
        t = self.topics.get(topic)
        return t.layers if t is not None and t.layers else tuple(catalogue.layers)

    def as_layer(self) -> Layer:
        """The requests as a point layer (for the district assignment the measuring does)."""
        return Layer(id="requests", names=self.names, geometry="point", colour=self.colour, unit="count")


@dataclass(frozen=True)
class Catalogue:
    city: City
    layers: dict[str, Layer]
    districts: dict[str, District]
    groups: dict[str, Group] = field(default_factory=dict)
    requests: RequestsDef | None = None  # layers/requests.json; None when the file is absent

    def layer(self, layer_id: str) -> Layer:
        """The layer ``layer_id``; KeyError naming the known ids otherwise."""
        try:
            return self.layers[layer_id]
        except KeyError:
            raise KeyError(f"unknown layer '{layer_id}'; known layers: {', '.join(self.layers)}") from None

    def line_layers(self) -> list[Layer]:
        return [lyr for lyr in self.layers.values() if lyr.is_line]

    def district_slug(self, name: str) -> str | None:
        """The slug of a district given by slug or by any of its names (case-insensitive)."""
        key = (name or "").strip().casefold()
        for d in self.districts.values():
            if key == d.slug or key in (n.casefold() for n in d.names.all()):
                return d.slug
        return None


def _req(data: dict, key: str, path: Path, kind: type | tuple = str):
    if key not in data:
        raise CatalogueError(path, key, "missing")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise CatalogueError(path, key, f"expected {getattr(kind, '__name__', kind)}, got {type(value).__name__}")
    return value


def _names(data: dict, path: Path, prefix: str = "names") -> Names:
    raw = _req(data, "names", path, dict)
    for lang in LANGS:
        value = raw.get(lang)
        if not isinstance(value, str) or not value.strip():
            raise CatalogueError(path, f"{prefix}.{lang}", "missing or empty")
    return Names(raw["kk"], raw["ru"], raw["en"])


def _stems(data: dict, path: Path, index: int) -> tuple[str, ...]:
    """A district's optional ``stems`` (matched case-insensitively at a word start): a list of non-empty words."""
    raw = data.get("stems", [])
    if not isinstance(raw, list) or not all(isinstance(s, str) and s.strip() for s in raw):
        raise CatalogueError(path, f"districts[{index}].stems", "expected a list of non-empty strings")
    return tuple(s.strip() for s in raw)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CatalogueError(path, "(file)", f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise CatalogueError(path, "(file)", "expected a JSON object")
    return data


def _checked(data: dict, key: str, path: Path, ok, problem: str) -> str:
    """The text ``data[key]`` when ``ok(value)``, else CatalogueError naming ``problem``."""
    value = _req(data, key, path)
    if not ok(value):
        raise CatalogueError(path, key, f"'{value}' {problem}")
    return value


def parse_layer(data: dict, path: Path) -> Layer:
    """Validate one layer definition (a dict read from ``path``)."""
    layer_id = _checked(data, "id", path, _ID_RE.match, "must be lower-case letters, digits, _")
    geometry = _checked(data, "geometry", path, GEOMETRY_KINDS.__contains__, f"is not one of {GEOMETRY_KINDS}")
    colour = _checked(data, "colour", path, _COLOUR_RE.match, "is not a #rrggbb colour")
    unit = _checked(data, "unit", path, UNITS.__contains__, f"is not one of {UNITS}")
    accepts = tuple(data.get("accepts", ()))
    for kind in accepts:
        if kind not in GEOMETRY_KINDS:
            raise CatalogueError(path, "accepts", f"'{kind}' is not one of {GEOMETRY_KINDS}")
    order = data.get("order", 0)
    if not isinstance(order, int):
        raise CatalogueError(path, "order", "expected an integer")
    return Layer(
        id=layer_id,
        names=_names(data, path),
        geometry=geometry,
        colour=colour,
        unit=unit,
        order=order,
        group=data.get("group"),
        accepts=accepts,
        count_field=data.get("count_field"),
    )


def _choices(data: dict, key: str, path: Path, layers: dict[str, Layer]) -> dict[str, Choice]:
    """One vocabulary of layers/requests.json (topics, statuses or sources), validated."""
    out: dict[str, Choice] = {}
    for i, item in enumerate(_req(data, key, path, list)):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            raise CatalogueError(path, where, "expected an object")
        cid = _req(item, "id", path)
        if not _ID_RE.match(cid) or cid in out:
            raise CatalogueError(path, f"{where}.id", f"'{cid}' is not a new lower-case id")
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise CatalogueError(path, f"{where}.aliases", "expected a list of non-empty strings")
        answering = item.get("layers", [])
        for lid in answering if isinstance(answering, list) else [answering]:
            if lid not in layers:
                raise CatalogueError(path, f"{where}.layers", f"unknown layer '{lid}'")
        colour = item.get("colour", "#555555")
        if not isinstance(colour, str) or not _COLOUR_RE.match(colour):
            raise CatalogueError(path, f"{where}.colour", f"'{colour}' is not a #rrggbb colour")
        out[cid] = Choice(
            cid,
            _names(item, path, f"{where}.names"),
            tuple(" ".join(a.casefold().split()) for a in aliases),
            tuple(answering),
            colour,
            bool(item.get("closed", False)),
        )
    return out


def parse_requests(data: dict, path: Path, layers: dict[str, Layer]) -> RequestsDef:
    """Validate the requests definition (layers/requests.json); statuses and sources must be the known ones."""
    if data.get("geometry", "point") != "point":
        raise CatalogueError(path, "geometry", "requests are points")
    colour = _checked(data, "colour", path, _COLOUR_RE.match, "is not a #rrggbb colour")
    statuses = _choices(data, "statuses", path, layers)
    if tuple(sorted(statuses)) != tuple(sorted(REQUEST_STATUSES)):
        raise CatalogueError(path, "statuses", f"must define exactly {', '.join(REQUEST_STATUSES)}")
    sources = _choices(data, "sources", path, layers)
    if tuple(sorted(sources)) != tuple(sorted(REQUEST_SOURCES)):
        raise CatalogueError(path, "sources", f"must define exactly {', '.join(REQUEST_SOURCES)}")
    topics = _choices(data, "topics", path, layers)
    if not topics:
        raise CatalogueError(path, "topics", "at least one topic is needed")
    return RequestsDef(_names(data, path), colour, topics, statuses, sources)


def load_catalogue(directory: Path | str | None = None) -> Catalogue:
    """Load and validate every definition in ``directory`` (default: the shipped layers/)."""
    base = Path(directory) if directory else resource_dir("layers")
    dpath = base / "districts.json"
    if not dpath.exists():
        raise CatalogueError(dpath, "(file)", "missing")
    ddata = _read_json(dpath)
    cdata = _req(ddata, "city", dpath, dict)
    bbox = _req(cdata, "bbox", dpath, list)
    if len(bbox) != 4 or not all(isinstance(v, (int, float)) for v in bbox):
        raise CatalogueError(dpath, "city.bbox", "expected [minlon, minlat, maxlon, maxlat]")
    city = City(
        id=_req(cdata, "id", dpath),
        names=_names(cdata, dpath, "city.names"),
        bbox=(float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3])),
        metric_crs=cdata.get("metric_crs", "EPSG:32643"),
    )
    districts: dict[str, District] = {}
    for i, d in enumerate(_req(ddata, "districts", dpath, list)):
        if not isinstance(d, dict):
            raise CatalogueError(dpath, f"districts[{i}]", "expected an object")
        slug = _req(d, "slug", dpath)
        if not _ID_RE.match(slug):
            raise CatalogueError(dpath, f"districts[{i}].slug", f"'{slug}' is not a valid slug")
        districts[slug] = District(slug, _names(d, dpath, f"districts[{i}].names"), _stems(d, dpath, i))
    layers: dict[str, Layer] = {}
    for path in sorted(base.glob("*.json")):
        if path.name in ("districts.json", "osm-mapping.json", REQUESTS_FILE):
            continue
        lyr = parse_layer(_read_json(path), path)
        if lyr.id in layers:
            raise CatalogueError(path, "id", f"duplicate layer id '{lyr.id}'")
        layers[lyr.id] = lyr
    if not layers:
        raise CatalogueError(base, "(directory)", "no layer definitions found")
    groups: dict[str, Group] = {}
    for gid, g in (ddata.get("groups") or {}).items():
        members = tuple(g.get("layers", ()))
        for m in members:
            if m not in layers:
                raise CatalogueError(dpath, f"groups.{gid}.layers", f"unknown layer '{m}'")
        groups[gid] = Group(gid, _names(g, dpath, f"groups.{gid}.names"), members)
    ordered = dict(sorted(layers.items(), key=lambda kv: (kv[1].order, kv[0])))
    rpath = base / REQUESTS_FILE
    requests = parse_requests(_read_json(rpath), rpath, ordered) if rpath.exists() else None
    return Catalogue(city=city, layers=ordered, districts=districts, groups=groups, requests=requests)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The shipped catalogue, loaded once per process."""
    return load_catalogue()
