"""The demo set: deterministic, on schematic districts, close to the 2019 report with planted mismatches."""

import pytest

from geoworks.demo import build_demo
from geoworks.totals import Filters, compute_totals


def test_same_seed_same_data(catalogue):
    a, b = build_demo(catalogue, 7), build_demo(catalogue, 7)
    for name in a:
        assert a[name].drop(columns="geometry").equals(b[name].drop(columns="geometry"))
        assert (a[name].geometry.to_wkb() == b[name].geometry.to_wkb()).all()
    c = build_demo(catalogue, 8)
    assert set(c["roads"].geometry.to_wkb()) != set(a["roads"].geometry.to_wkb())


def test_districts_are_schematic_and_cover_almaty(demo_store):
    d = demo_store.read_layer("districts")
    assert sorted(d["slug"]) == sorted(
        ["alatau", "almaly", "auezov", "bostandyk", "zhetysu", "medeu", "nauryzbay", "turksib"]
    )
    assert set(d["schematic"]) == {1}
    minx, miny, maxx, maxy = d.total_bounds
    assert 76.73 <= minx < 76.76 and 77.15 < maxx <= 77.18 and 43.02 <= miny < 43.05 and 43.38 < maxy <= 43.41
    assert d.geometry.is_valid.all()
    # neighbours share borders: no gaps, no overlaps
    import shapely

    polys = list(d.geometry.values)
    assert shapely.union_all(polys).area == pytest.approx(sum(p.area for p in polys), rel=1e-9)


def test_every_layer_has_works_with_attributes(demo_store, catalogue):
    for lid in catalogue.layers:
        w = demo_store.read_layer(lid)
        assert len(w) > 10, lid
        assert set(w["status"]) == {"planned", "in_progress", "completed", "cancelled"}, lid
        assert w["year"].between(2019, 2026).all()
        assert (w["start_date"] <= w["end_date"]).all()
        assert w["start_date"].str[:4].astype(int).between(2019, 2026).all()
        assert w["contractor"].notna().all() and w["name"].notna().all() and w["name_ru"].notna().all()
        assert w["id"].is_unique


def test_2019_completed_measures_close_to_report_with_planted_mismatches(demo_store, catalogue):
    t = compute_totals(demo_store, catalogue, Filters(year=2019, status="completed")).table
    city = t[t.district == "city"].set_index("layer")
    assert city.loc["roads", "network_km"] == pytest.approx(73, rel=0.005)
    assert city.loc["roads", "km"] > city.loc["roads", "network_km"] + 1  # duplicates inflate the sum
    assert city.loc["irrigation", "network_km"] == pytest.approx(47, rel=0.005)
    assert city.loc[["water", "sewer"], "network_km"].sum() == pytest.approx(287, rel=0.005)
    assert city.loc["gas", "network_km"] == pytest.approx(130, rel=0.02)
    assert city.loc["power", "network_km"] < 150 * 0.97  # over-reported
    assert city.loc["heating", "network_km"] < 20 * 0.9  # over-reported
    assert city.loc["lighting", "count"] >= 320
    assert city.loc["courtyards", "count"] < 670  # "more than 670" not met
    assert (t[t.district == "outside"]["km"] < 0.01).all()


def test_claims_are_stored(demo_store):
    claims = demo_store.read_table("claims")
    assert len(claims) == 8
    assert set(claims["qualifier"]) == {"exact", "more_than"}
    assert claims.set_index("layers").loc["water,sewer", "value"] == 287
