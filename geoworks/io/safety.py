"""What a file may make geoworks do: be read, and nothing else.

Files come from writers (``geoworks import``, ``/upload/``) and from anonymous visitors (``POST /plan``).
GDAL, which reads most of them, follows links a file holds: a GeoJSON ``crs`` of type ``link``/``url``
is fetched over HTTP, a VRT names other files or URLs, a KML NetworkLink points elsewhere, a GeoPackage
can hold a VirtualOGR table over any data source, and a file's content chooses GDAL's driver whatever
its name. So, before GDAL sees a file:

- :func:`check_path` refuses GDAL's virtual paths (``/vsi...``) and URLs as paths;
- :func:`check_content` checks that the file is what its name says (by its first bytes) and holds no
  such member: a ``crs`` other than a named EPSG/OGC CRS, a NetworkLink, an XML entity, a VRT, a
  virtual table other than a spatial index; in a zip archive (Shapefile, KMZ) no member name that
  leaves the archive (``../``, ``/``, ``/vsi``, URLs), no VRT, and no more than ``max_unpacked``
  bytes once inflated (declared sizes first, then counted while streaming);

and while GDAL reads, :func:`gdal_offline` points its HTTP client at a proxy nothing can answer
(port 0 of the loopback interface), with short timeouts, no remote file extension allowed and no
directory listing. PROJ's network access (grids) is off. Every refusal is an :class:`UnsafeInput`.
"""

from __future__ import annotations

import codecs
import json
import re
import sqlite3
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import pyogrio

GDAL_OFFLINE = {
    "GDAL_HTTP_PROXY": "http://127.0.0.1:0",  # no server can listen on port 0: nothing is ever reached
    "GDAL_HTTPS_PROXY": "http://127.0.0.1:0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".geoworks-no-remote-files",
    "CPL_CURL_ENABLE_VSIMEM": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",  # GDAL lists no directory: it opens the sidecars it needs
}
HEAD = 65536  # bytes looked at to tell a format
CHUNK = 1 << 20
CRS_MAX = 65536  # bytes of one crs member
NAMED_CRS = re.compile(
    r"(?:EPSG:\d+|urn:ogc:def:crs:(?:EPSG|OGC):[0-9.]*:(?:\d+|CRS84|CRS83|CRS27)|OGC:CRS84|CRS:84)", re.IGNORECASE
)
# a member named "crs" (any case, letters possibly escaped), and where its value starts
_CRS_KEY = re.compile(rb'"(?:[cC]|\\u00[46]3)(?:[rR]|\\u00[57]2)(?:[sS]|\\u00[57]3)"\s*:\s*')
_VRT = re.compile(rb"<\s*(?:OGRVRTDataSource|VRTDataset)", re.IGNORECASE)
_XML_DANGER = re.compile(rb"networklink|<!entity", re.IGNORECASE)
_MAGIC = {
    "GeoPackage": (b"SQLite format 3\x00",),
    "Shapefile": (b"\x00\x00\x27\x0a",),
    "GeoParquet": (b"PAR1",),
}


class UnsafeInput(ValueError):
    """A file geoworks will not read: ``problem`` says why (without any path), ``kind`` sorts it
    (unreadable: not the format its name says; unsafe: it would make geoworks read something else)."""

    def __init__(self, problem: str, kind: str = "unsafe") -> None:
        super().__init__(problem)
        self.problem, self.kind = problem, kind


class _Offline:
    """How many readers are inside :func:`gdal_offline`, and the options to restore when the last leaves."""

    lock = threading.Lock()
    depth = 0
    saved: dict[str, str | None] = {}


@contextmanager
def gdal_offline() -> Iterator[None]:
    """GDAL's network access off while the block runs (the options are GDAL's process-wide config: the
    first reader in sets them, the last one out restores what was there before)."""
    with _Offline.lock:
        if _Offline.depth == 0:
            _Offline.saved = {k: pyogrio.get_gdal_config_option(k) for k in GDAL_OFFLINE}
            pyogrio.set_gdal_config_options(GDAL_OFFLINE)
        _Offline.depth += 1
    try:
        yield
    finally:
        with _Offline.lock:
            _Offline.depth -= 1
            if _Offline.depth == 0:
                pyogrio.set_gdal_config_options(_Offline.saved)


def proj_offline() -> None:
    """PROJ downloads no grid (its network access is off by default; made sure of here)."""
    try:
        from pyproj.network import set_network_enabled

        set_network_enabled(active=False)
    except Exception:  # pragma: no cover - an old pyproj without the switch
        pass


def check_path(path: Path) -> None:
    """UnsafeInput when ``path`` is one GDAL would not read as a local file (a /vsi path, a URL)."""
    text = str(path)
    if text.startswith("/vsi") or str(path.absolute()).startswith("/vsi") or "://" in text:
        raise UnsafeInput("GDAL virtual paths (/vsi...) and URLs are not accepted; give a local file")


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(HEAD)


def _chunks(path: Path, overlap: int = 64) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of the whole file in CHUNK pieces, each starting ``overlap`` bytes early."""
    with open(path, "rb") as fh:
        offset, tail = 0, b""
        while chunk := fh.read(CHUNK):
            yield offset - len(tail), tail + chunk
            offset += len(chunk)
            tail = chunk[-overlap:]


def _crs_problem(value: object) -> str | None:
    """Why a GeoJSON ``crs`` member is refused (None: a named EPSG/OGC CRS, or null)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return "a crs member that is not an object"
    kind = str(value.get("type") or "").lower()
    given = value.get("properties")
    props: dict = given if isinstance(given, dict) else {}
    if kind == "name" and isinstance(props.get("name"), str) and NAMED_CRS.fullmatch(props["name"].strip()):
        return None
    if kind == "epsg" and isinstance(props.get("code"), int):
        return None
    return f"a crs member of type '{kind[:20]}'"


def _check_geojson(path: Path) -> None:
    head = _head(path).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith((b"{", b"[")):
        raise UnsafeInput("not a GeoJSON file (it does not start with '{')", "unreadable")
    _check_utf8(path)
    seen: set[int] = set()
    with open(path, "rb") as fh:
        for offset, chunk in _chunks(path):
            for m in _CRS_KEY.finditer(chunk):
                if offset + m.end() in seen:
                    continue
                seen.add(offset + m.end())
                fh.seek(offset + m.end())
                text = fh.read(CRS_MAX).decode("utf-8", errors="replace")
                try:
                    value, _ = json.JSONDecoder().raw_decode(text)
                except ValueError:
                    raise UnsafeInput("holds a crs member that cannot be read") from None
                problem = _crs_problem(value)
                if problem:
                    raise UnsafeInput(
                        f"holds {problem}; only a named EPSG or OGC CRS is accepted (e.g. "
                        '"crs": {"type": "name", "properties": {"name": "EPSG:4326"}}), no link or URL'
                    )


def _check_utf8(path: Path) -> None:
    """UnsafeInput (unreadable) unless the file is UTF-8 text (GDAL would mangle other encodings silently)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    done = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise UnsafeInput(
                    f"not UTF-8 text (byte {done + exc.start + 1}); save it as UTF-8", "unreadable"
                ) from None
            done += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise UnsafeInput("not UTF-8 text (it ends inside a character)", "unreadable") from None


def _check_xml(path: Path, fmt: str, root: bytes) -> None:
    if root not in _head(path).lower():
        raise UnsafeInput(f"not a {fmt} file", "unreadable")
    _scan_xml(_chunks(path), fmt)


def _scan_xml(chunks: Iterator[tuple[int, bytes]], fmt: str) -> None:
    for _, chunk in chunks:
        m = _XML_DANGER.search(chunk)
        if m:
            what = "a NetworkLink" if m.group(0).lower() == b"networklink" else "an XML entity declaration"
            raise UnsafeInput(f"holds {what}; links to other files and entities are not accepted in {fmt}")
        if _VRT.search(chunk):
            raise UnsafeInput("is a GDAL VRT file, which may name other files; VRT files are not accepted")


def _check_sqlite(path: Path) -> None:
    """No virtual table but a spatial index (a VirtualOGR table would open any data source)."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT name, sql FROM sqlite_master WHERE sql LIKE '%VIRTUAL%'").fetchall()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise UnsafeInput(f"not a readable GeoPackage ({str(exc)[:100]})", "unreadable") from None
    for name, sql in rows:
        module = re.search(r"USING\s+(\w+)", sql or "", re.IGNORECASE)
        if module is None or module.group(1).lower() != "rtree":
            raise UnsafeInput(f"holds a virtual table '{str(name)[:60]}'; only spatial indexes are accepted")


def _member_problem(name: str) -> str | None:
    """Why a zip member's name is refused (None when it stays inside the archive and is no VRT)."""
    lowered = name.lower().replace("\\", "/")
    parts = PurePosixPath(lowered).parts
    if lowered.startswith("/") or ".." in parts or re.match(r"^[a-z]:", lowered):
        return "a member outside the archive ('../' or an absolute path)"
    if "/vsi" in lowered or "://" in lowered:
        return "a member named like a GDAL virtual path or a URL"
    if lowered.endswith((".vrt", ".ovf")):
        return "a GDAL VRT file, which may name other files"
    return None


def _stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> Iterator[tuple[int, bytes]]:
    """A member's bytes in chunks, counted: UnsafeInput past ``budget``; BadZipFile when corrupt."""
    read = 0
    with zf.open(info) as fh:
        while chunk := fh.read(CHUNK):
            read += len(chunk)
            if read > budget:
                raise UnsafeInput(f"zip member '{info.filename[:80]}' inflates past the size limit")
            yield read - len(chunk), chunk


def check_zip(path: Path, fmt: str, max_unpacked: int) -> None:
    """Member names, declared and real inflated sizes (at most ``max_unpacked`` bytes in all), CRCs,
    and the members GDAL will read (.shp: a Shapefile; .kml: no NetworkLink)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            for info in infos:
                problem = _member_problem(info.filename)
                if problem:
                    raise UnsafeInput(f"holds {problem}: '{info.filename[:80]}'")
            declared = sum(i.file_size for i in infos)
            if declared > max_unpacked:
                raise UnsafeInput(
                    f"inflates to {declared / 2**20:.0f} MB, more than the limit of {max_unpacked / 2**20:g} MB"
                )
            used = 0
            for info in infos:
                first, tail, size = b"", b"", 0
                for offset, chunk in _stream(zf, info, max_unpacked - used):
                    first, size = first or chunk[:HEAD], offset + len(chunk)
                    if info.filename.lower().endswith(".kml"):
                        _scan_xml(iter([(0, tail + chunk)]), "KML")
                        tail = chunk[-64:]
                used += size
                _check_member_head(info.filename, first, fmt)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise UnsafeInput(f"not a readable zip archive ({str(exc)[:100]})", "unreadable") from None


def _check_member_head(name: str, first: bytes, fmt: str) -> None:
    if _VRT.search(first):
        raise UnsafeInput(f"zip member '{name[:80]}' is a GDAL VRT file; VRT files are not accepted")
    if fmt == "Shapefile" and name.lower().endswith(".shp") and not first.startswith(_MAGIC["Shapefile"][0]):
        raise UnsafeInput(f"zip member '{name[:80]}' is not a Shapefile", "unreadable")


def check_content(path: Path, fmt: str, max_unpacked: int) -> None:
    """UnsafeInput unless ``path`` is a ``fmt`` file (by its first bytes) holding nothing that would make
    GDAL read anything else (see the module's notes); ``max_unpacked`` bounds what an archive inflates to."""
    suffix = path.suffix.lower()
    if suffix in (".zip", ".kmz"):
        check_zip(path, fmt, max_unpacked)
        return
    head = _head(path)
    if _VRT.search(head):
        raise UnsafeInput("is a GDAL VRT file, which may name other files; VRT files are not accepted")
    if fmt in _MAGIC and not head.startswith(_MAGIC[fmt]):
        raise UnsafeInput(f"not a {fmt} file", "unreadable")
    if fmt == "GeoPackage":
        _check_sqlite(path)
    elif fmt == "GeoJSON":
        _check_geojson(path)
    elif fmt == "KML":
        _check_xml(path, "KML", b"<kml")
    elif fmt == "OSM" and suffix == ".osm":
        _check_xml(path, "OSM XML", b"<osm")
    elif fmt == "OSM" and b"OSMHeader" not in head[:64]:
        raise UnsafeInput("not an OSM PBF file", "unreadable")


# absolute paths in a reader's message (a temporary or data directory): never shown to a user
_ABS_PATH = re.compile(r"(?:/vsi[a-z0-9_]+)?(?:/[^\s'\"(),:;]+){2,}")


def scrub(text: str, label: str, path: Path | None = None) -> str:
    """``text`` with the file's path (and any other absolute path) replaced by ``label``."""
    if path is not None:
        for known in sorted({str(path.resolve()), str(path.absolute()), str(path)}, key=len, reverse=True):
            text = text.replace(known, label)
    return _ABS_PATH.sub(label, text)
