"""Network km is additive over a spatial partition: lines cut at the edges of any lon/lat
rectangles and measured rectangle by rectangle (geoworks.network.network_by_district) sum to
what they measure whole, per district. This is what lets a layer be measured in parts."""

import numpy as np
import pytest
import shapely
from hypothesis import assume, given
from hypothesis import strategies as st
from shapely.ops import substring

from geoworks.measure import measure
from geoworks.network import network_by_district
from geoworks.scale.grid import network_by_rectangles, rectangles
from tests.conftest import shared_file
from tests.core.test_network_properties import SETTINGS, networks

# two districts whose borders lie off the round values the random lines start from: a line lying
# on a border within float noise (1e-14°) falls on one side or the other by that noise
DISTRICTS = (
    np.array(["a", "b"], dtype=object),
    np.array([shapely.box(76.8913, 43.1971, 76.9517, 43.3023), shapely.box(76.9517, 43.1971, 77.0131, 43.3023)]),
)


def cells(xs, ys):
    """The rectangles between consecutive edges (and beyond the outermost ones), lon/lat. Edges are
    moved ~10 m off the round values the lines start from: clip_by_rect drops a line lying on an
    edge, and cuts a line running along an edge within a millimetre where float noise decides."""
    return rectangles([x + 1.37e-4 for x in xs], [y + 0.91e-4 for y in ys])


by_parts = network_by_rectangles  # network metres per district, one rectangle at a time, summed


@SETTINGS
@given(
    networks(families=True), st.lists(st.floats(76.9, 77.0), max_size=3), st.lists(st.floats(43.21, 43.29), max_size=3)
)
def test_network_km_of_rectangles_add_up_to_the_whole(network, xs, ys):
    geoms, family = network
    # exact for lines that run together because one copies the other (both are cut at one point);
    # two distinct lines a few cm apart are cut up to (their distance) / tan(their angle to the edge) apart
    overlaps = measure(np.arange(len(geoms)), geoms, *DISTRICTS).overlaps
    assume(all(family[a] == family[b] for a, b in zip(overlaps["feature_a"], overlaps["feature_b"])))
    whole = network_by_district(geoms, *DISTRICTS)
    parts = by_parts(geoms, *DISTRICTS, cells(xs, ys))
    assert parts.to_numpy() == pytest.approx(whole.to_numpy(), rel=1e-9, abs=1e-6)


def with_copies(roads: np.ndarray, seed: int = 7) -> np.ndarray:
    """Real roads plus copies of 300 of them: whole, reversed, partial, re-interpolated."""
    rng = np.random.default_rng(seed)
    copies = []
    for k, i in enumerate(rng.choice(len(roads), 300, replace=False)):
        g = roads[i]
        if k % 4 == 0:
            copies.append(g)
        elif k % 4 == 1:
            copies.append(shapely.reverse(g))
        elif k % 4 == 2:
            copies.append(substring(g, 0.2, 0.7, normalized=True))
        else:
            copies.append(shapely.segmentize(g, max_segment_length=0.0003))  # other vertices, same line
    return np.concatenate([roads, np.asarray(copies, dtype=object)])


@pytest.mark.shared
def test_real_roads_with_copies_measured_in_rectangles_add_up_to_the_whole():
    import pyogrio

    roads = pyogrio.read_dataframe(shared_file("data", "almaty-osm-2013-aliilyas", "almaty_2013_roads.geojson"))
    districts = pyogrio.read_dataframe(shared_file("data", "almaty-districts-akilbekov", "almaty-districts.geojson"))
    slugs, polys = districts["name"].to_numpy(dtype=object), np.asarray(districts.geometry.values)
    geoms = with_copies(np.asarray(roads.geometry.values))
    whole = network_by_district(geoms, slugs, polys)
    plain = network_by_district(np.asarray(roads.geometry.values), slugs, polys)
    assert whole.to_numpy() == pytest.approx(plain.to_numpy(), rel=1e-9)  # the copies add nothing
    rects = cells([76.8371, 76.9013, 76.9577], [43.2113, 43.2742])
    assert by_parts(geoms, slugs, polys, rects).to_numpy() == pytest.approx(whole.to_numpy(), rel=1e-9)
