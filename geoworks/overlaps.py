"""The overlapping stretches behind a network length, kept compact; the full list only on request.

A *stretch* is a piece of a line that lies under an earlier piece with the same line key
(:mod:`geoworks.network`): its geodesic metres are what the feature sum counts twice. Stretches
are kept as plain arrays (two feature indices, a district code, metres and the lon/lat ends);
:meth:`Stretches.table` groups them into one row per pair of features and district, with the
shared geometry, and :meth:`Stretches.write_geojson` streams the same rows to a file chunk by chunk.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

COLUMNS = ["feature_a", "feature_b", "district", "length_m", "geometry"]


def empty_table() -> pd.DataFrame:
    """An overlaps table with no rows."""
    return pd.DataFrame({c: pd.Series(dtype=float if c == "length_m" else object) for c in COLUMNS})


@dataclass
class Stretches:
    """Overlapping stretches: features ``a < b`` (indices), district code, geodesic metres, lon/lat ends."""

    a: np.ndarray
    b: np.ndarray
    code: np.ndarray
    length_m: np.ndarray
    start: np.ndarray  # (n, 2) lon/lat
    end: np.ndarray

    @classmethod
    def empty(cls) -> Stretches:
        i = np.empty(0, dtype=np.int64)
        return cls(i, i, i, np.empty(0), np.empty((0, 2)), np.empty((0, 2)))

    @classmethod
    def concat(cls, parts: list[Stretches]) -> Stretches:
        """The stretches of several parts as one."""
        if not parts:
            return cls.empty()
        return cls(
            *(np.concatenate([getattr(x, f) for x in parts]) for f in ("a", "b", "code", "length_m", "start", "end"))
        )

    def __len__(self) -> int:
        return len(self.length_m)

    def _groups(self) -> tuple[np.ndarray, np.ndarray]:
        """Stretch order by (a, b, district) and the start of each group in that order."""
        order = np.lexsort((self.code, self.b, self.a))
        a, b, c = self.a[order], self.b[order], self.code[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1]) | (c[1:] != c[:-1])
        return order, np.flatnonzero(new)

    def summary(self, names: np.ndarray) -> pd.DataFrame:
        """Per district name: ``overlaps`` (pairs of features sharing a stretch there) and
        ``overlap_km`` (geodesic km counted more than once in the feature sum)."""
        if len(self) == 0:
            return pd.DataFrame({"overlaps": pd.Series(dtype=np.int64), "overlap_km": pd.Series(dtype=float)})
        order, starts = self._groups()
        pairs = np.bincount(self.code[order][starts], minlength=len(names))
        km = np.bincount(self.code, weights=self.length_m, minlength=len(names)) / 1000.0
        used = np.flatnonzero(pairs)
        return pd.DataFrame(
            {"overlaps": pairs[used], "overlap_km": km[used]},
            index=pd.Index(np.asarray(names, dtype=object)[used], name="district"),
        )

    def tables(self, ids: np.ndarray, names: np.ndarray, rows: int = 100_000) -> Iterator[pd.DataFrame]:
        """The overlaps table in chunks of at most ``rows`` rows: one row per pair of features and
        district, with their shared length (geodesic m) and geometry (lon/lat, merged lines)."""
        if len(self) == 0:
            return
        order, starts = self._groups()
        bounds = np.append(starts, len(order))
        ids, names = np.asarray(ids, dtype=object), np.asarray(names, dtype=object)
        for g0 in range(0, len(starts), rows):
            g1 = min(g0 + rows, len(starts))
            idx = order[bounds[g0] : bounds[g1]]
            group = np.repeat(np.arange(g1 - g0), np.diff(bounds[g0 : g1 + 1]))
            segs = shapely.linestrings(np.stack([self.start[idx], self.end[idx]], axis=1))
            geoms = shapely.line_merge(shapely.multilinestrings(segs, indices=group))
            first = idx[bounds[g0:g1] - bounds[g0]]
            yield pd.DataFrame(
                {
                    "feature_a": ids[self.a[first]],
                    "feature_b": ids[self.b[first]],
                    "district": names[self.code[first]],
                    "length_m": np.bincount(group, weights=self.length_m[idx], minlength=g1 - g0),
                    "geometry": geoms,
                }
            )

    def table(self, ids: np.ndarray, names: np.ndarray) -> pd.DataFrame:
        """The whole overlaps table (see :meth:`tables`); longest first."""
        frames = list(self.tables(ids, names))
        if not frames:
            return empty_table()
        out = pd.concat(frames, ignore_index=True)
        return out.sort_values("length_m", ascending=False, kind="stable").reset_index(drop=True)

    def write_geojson(self, path: str | Path, ids: np.ndarray, names: np.ndarray) -> int:
        """Stream the overlaps table to a GeoJSON file (EPSG:4326), chunk by chunk; returns the row count."""
        count = 0
        with open(path, "w", encoding="utf-8") as fh:
            fh.write('{"type": "FeatureCollection", "features": [\n')
            for chunk in self.tables(ids, names):
                geo = shapely.to_geojson(chunk["geometry"].to_numpy())
                for k, row in enumerate(chunk.itertuples(index=False)):
                    props = {
                        "feature_a": _plain(row.feature_a),
                        "feature_b": _plain(row.feature_b),
                        "district": str(row.district),
                        "length_m": float(row.length_m),
                    }
                    fh.write(
                        (",\n" if count else "")
                        + '{"type": "Feature", "properties": '
                        + json.dumps(props, ensure_ascii=False)
                        + ', "geometry": '
                        + geo[k]
                        + "}"
                    )
                    count += 1
            fh.write("\n]}\n")
        return count


def _plain(value):
    """A JSON-ready feature id (numpy scalars to Python)."""
    return value.item() if isinstance(value, np.generic) else value
