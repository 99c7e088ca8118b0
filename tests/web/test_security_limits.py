"""Bounded work for anonymous visitors: bodies refused before they are read, query strings, the near
search and the plan's targets capped, each answered quickly with a message naming the limit."""

from __future__ import annotations

import io
import json
import time

import pytest

GIB = 2**30


class CountingStream(io.BytesIO):
    """A request body that remembers how much was read from it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        chunk = super().readline(size)
        self.taken += len(chunk)
        return chunk


def _declared(client, path: str, length: int, content_type: str, accept: str = "text/html"):
    """POST ``path`` declaring a body of ``length`` bytes while sending 1 MiB; the response and bytes read."""
    stream = CountingStream(b"x" * 2**20)
    start = time.perf_counter()
    r = client.post(
        path,
        input_stream=stream,
        content_type=content_type,
        headers={"Accept": accept},
        environ_overrides={"CONTENT_LENGTH": str(length)},
    )
    return r, stream.taken, time.perf_counter() - start


@pytest.mark.parametrize(
    "path,mb",
    [("/plan", "10"), ("/requests/new", "1"), ("/verify/extract", "1"), ("/login", "1"), ("/verify/claims/new", "2")],
)
def test_a_gibibyte_body_is_refused_before_it_is_read(client, path, mb):
    r, taken, took = _declared(client, path, GIB, "multipart/form-data; boundary=x")
    assert r.status_code == 413 and taken == 0 and took < 2
    assert f"limit of {mb} MB" in r.get_data(as_text=True) and "<html" in r.get_data(as_text=True)


def test_apis_answer_413_in_json(client):
    r, taken, _ = _declared(client, "/requests/new", GIB, "application/json", accept="application/json")
    assert r.status_code == 413 and taken == 0 and "limit of 1 MB" in r.get_json()["error"]


def test_the_whole_app_has_a_content_length_limit(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 100 * 2**20  # the largest form limit (GEOWORKS_MAX_UPLOAD_MB)


@pytest.mark.parametrize("path", ["/near", "/api/near", "/api/gaps", "/plan", "/"])
def test_a_huge_query_string_is_refused(client, path):
    words = "+".join(["abai"] * 30_000)
    start = time.perf_counter()
    r = client.get(f"{path}?q={words}&district={words}")
    assert time.perf_counter() - start < 2
    assert r.status_code == 400
    body = r.get_json()["error"] if path.startswith("/api/") else r.get_data(as_text=True)
    assert "longer than the limit of 4000 characters" in body


@pytest.mark.parametrize("path", ["/near?lang=en&q=", "/api/near?q=", "/api/near?pick=", "/near.atom?lang=en&pick="])
def test_the_near_search_is_capped(client, path):
    words = "+".join(["abai"] * 13)  # 13 words, 64 characters
    start = time.perf_counter()
    r = client.get(path + words)
    assert time.perf_counter() - start < 2
    assert r.status_code == 400
    text = r.get_data(as_text=True)
    assert "200 characters" in text and "12 words" in text, text[:300]
    assert client.get(path.replace("q=", "q=Abai").replace("pick=", "pick=Abai")).status_code in (200, 400)


def _points(n: int) -> bytes:
    feats = [
        {
            "type": "Feature",
            "properties": {"id": i},
            "geometry": {"type": "Point", "coordinates": [76.9 + i * 1e-6, 43.25]},
        }
        for i in range(n)
    ]
    return json.dumps({"type": "FeatureCollection", "features": feats}).encode()


def test_plan_targets_are_capped(client):
    data = _points(20_000)
    start = time.perf_counter()
    r = client.post(
        "/plan?lang=en",
        data={"network": "water", "targets_file": (io.BytesIO(data), "targets.geojson")},
        content_type="multipart/form-data",
    )
    took = time.perf_counter() - start
    assert r.status_code == 400 and took < 10, took
    assert "20000 targets, more than the 5000 one request may hold" in r.get_data(as_text=True)
