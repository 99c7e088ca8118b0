"""Draw the pictures of docs/measuring.md: what counts as an overlap, as geoworks measures it.

Each case is built in lon/lat near Almaty, measured with geoworks.measure (no districts), and
drawn as an SVG in docs/img/: the lines in grey and blue with their vertices, and the stretches
geoworks counts once (the overlaps) in red, with the figures it returns.

Run: .venv/bin/python docs/overlap_pictures.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoworks.geodesy import local_plane  # noqa: E402
from geoworks.measure import measure  # noqa: E402

OUT = ROOT / "docs" / "img"
ORIGIN = (76.93, 43.25)
PLANE = local_plane(*ORIGIN)
W, H, PAD = 560, 210, 24
COLOURS = ["#7a7a7a", "#1f5fbf", "#2e8b57"]


def at(east: float, north: float) -> tuple[float, float]:
    """The lon/lat point ``east``, ``north`` metres from ORIGIN (in geoworks' local plane)."""
    lon, lat = PLANE.lonlat(east, north)
    return float(lon), float(lat)


def line(*points) -> shapely.LineString:
    return shapely.LineString([at(e, n) for e, n in points])


def densify(geom: shapely.LineString, fractions) -> shapely.LineString:
    """The same line with more vertices: points at ``fractions`` of its length (lon/lat)."""
    pts = [*shapely.points(shapely.get_coordinates(geom)), *(geom.interpolate(f, normalized=True) for f in fractions)]
    pts.sort(key=lambda p: geom.project(p))
    return shapely.LineString([p.coords[0] for p in pts])


def svg(name: str, title: str, lines, exaggerate: float = 1.0) -> dict:
    """Measure ``lines`` (lon/lat), draw them and their overlaps; returns the figures."""
    m = measure(list(range(len(lines))), lines, [], [])
    ov = m.overlaps
    xy = [np.column_stack(PLANE.xy(*shapely.get_coordinates(g).T)) for g in lines]
    allxy = np.vstack(xy)
    lo, hi = allxy.min(axis=0), allxy.max(axis=0)
    mid_y = (lo[1] + hi[1]) / 2
    span_x = max(hi[0] - lo[0], 1.0)
    span_y = max((hi[1] - lo[1]) * exaggerate, 1.0)
    scale = min((W - 2 * PAD) / span_x, (H - 2 * PAD - 30) / span_y)

    def pix(p):
        x = PAD + (p[:, 0] - lo[0]) * scale
        y = H / 2 + 10 - (p[:, 1] - mid_y) * exaggerate * scale
        return np.column_stack([x, y])

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        f'<text x="{PAD}" y="18" font-weight="bold">{title}</text>',
    ]
    for geom in ov["geometry"] if len(ov) else []:
        for part in shapely.get_parts(geom):
            p = pix(np.column_stack(PLANE.xy(*shapely.get_coordinates(part).T)))
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in p)
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="#e03030" stroke-width="9" '
                'stroke-opacity="0.45" stroke-linecap="round"/>'
            )
    for k, p in enumerate(xy):
        q = pix(p)
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in q)
        dash = ' stroke-dasharray="7,4"' if k else ""
        colour = COLOURS[k % len(COLOURS)]
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        parts += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}"/>' for a, b in q]
    note = f"overlap: {ov['length_m'].sum():.1f} m counted once" if len(ov) else "no overlap"
    note += f" - feature sum {m.total_km * 1000:.1f} m, network {m.network_km * 1000:.1f} m"
    if exaggerate != 1:
        note += f" (across the lines: x{exaggerate:g})"
    parts.append(f'<text x="{PAD}" y="{H - 8}">{note}</text>')
    parts.append("</svg>")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.svg").write_text("\n".join(parts) + "\n", encoding="utf-8")
    return {"overlap_m": float(ov["length_m"].sum()) if len(ov) else 0.0, "pairs": len(ov)}


def main() -> None:
    street = line((0, 0), (120, 6), (260, 10), (400, 30))
    cases = [
        (
            "overlap-copy",
            "A copy with other vertices, over part of the line: one overlap",
            [street, densify(shapely.ops.substring(street, 0.2, 0.8, normalized=True), [0.15, 0.5, 0.7])],
            1,
        ),
        (
            "overlap-reversed",
            "The same stretch entered twice, the second time backwards",
            [street, shapely.reverse(street)],
            1,
        ),
        (
            "overlap-crossing",
            "Two lines crossing at 2 degrees: no overlap",
            [line((0, -7), (400, 7)), line((0, 7), (400, -7))],
            1,
        ),
        (
            "overlap-junction",
            "Lines meeting at a shared vertex at 3 degrees: no overlap",
            [line((0, 0), (200, 0), (400, 0)), line((200, 0), (400, 10.5))],
            1,
        ),
        (
            "overlap-tolerance",
            "Near-parallel lines 3 cm apart run together; 30 cm apart they do not",
            [line((0, 0), (400, 0)), line((50, 0.03), (250, 0.03)), line((200, -0.30), (400, -0.30))],
            300,
        ),
    ]
    for name, title, geoms, exaggerate in cases:
        print(name, svg(name, title, geoms, exaggerate))


if __name__ == "__main__":
    main()
