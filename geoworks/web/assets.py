"""Front-end assets served by the app itself (no CDN at page load).

``python -m geoworks.web.assets install`` fetches the pinned npm packages with
``npm pack`` (the npm registry), unpacks the files the pages need into
``static/vendor/`` and writes ``static/vendor/manifest.json``. Nothing of
this is committed; ``make run`` / ``make test`` run it at set-up.

Leaflet is all the maps need: the folium builders (geoworks.maps.city.local_assets)
replace folium's CDN defaults (Leaflet, jQuery, Bootstrap, awesome-markers,
Font Awesome) with the local Leaflet only, since no map uses markers icons or
Bootstrap widgets. A page never fetches anything from a CDN.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from geoworks.resources import resource_dir

# npm package, version, {file inside the package: path under static/vendor}
PACKAGES: list[tuple[str, str, dict[str, str]]] = [
    (
        "leaflet",
        "1.9.4",
        {
            "dist/leaflet.js": "leaflet/leaflet.js",
            "dist/leaflet.css": "leaflet/leaflet.css",
            "dist/images/layers.png": "leaflet/images/layers.png",
            "dist/images/layers-2x.png": "leaflet/images/layers-2x.png",
            "dist/images/marker-icon.png": "leaflet/images/marker-icon.png",
            "dist/images/marker-icon-2x.png": "leaflet/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png": "leaflet/images/marker-shadow.png",
        },
    ),
]


def vendor_dir() -> Path:
    return resource_dir("static") / "vendor"


def installed() -> bool:
    """True when every asset file is present."""
    base = vendor_dir()
    return all((base / dst).exists() for _, _, files in PACKAGES for dst in files.values())


def install(force: bool = False) -> Path:
    """Fetch and unpack the pinned packages into static/vendor (idempotent)."""
    base = vendor_dir()
    if installed() and not force:
        return base
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to fetch the front-end assets (apt-get install npm)")
    base.mkdir(parents=True, exist_ok=True)
    manifest = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, files in PACKAGES:
            out = (
                subprocess.run(
                    [npm, "pack", f"{name}@{version}", "--silent"], cwd=tmp, check=True, capture_output=True, text=True
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            with tarfile.open(Path(tmp) / out) as tar:
                for src, dst in files.items():
                    member = tar.extractfile(f"package/{src}")
                    if member is None:
                        raise RuntimeError(f"{name}@{version} has no {src}")
                    target = base / dst
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(member.read())
            manifest[name] = version
    (base / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return base


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "install":
        print(f"front-end assets in {install(force='--force' in sys.argv)}")
    else:
        print("usage: python -m geoworks.web.assets install [--force]")
