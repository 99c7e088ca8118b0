"""The ``requests`` collection of the open API: residents' requests as public points (lon/lat, EPSG:4326).

Properties: id, text, topic, district, source, round, meeting_date, received, year (received),
status and status_date (the latest status change), answer, on_spot, in_action_plan, works (the
linked works as ``layer:id``, ``;``-separated). ``datetime`` filters on the received date. The
resident's contact is not in the requests tables at all, so it cannot reach this collection.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoworks.catalogue import Catalogue
from geoworks.ogcapi.collections import CollectionIndex, build_index
from geoworks.residents.index import RequestsIndex
from geoworks.residents.model import REQUESTS, WGS84
from geoworks.storage import Store

PUBLIC_COLUMNS = (
    "id",
    "text",
    "topic",
    "district",
    "source",
    "round",
    "meeting_date",
    "received",
    "year",
    "status",
    "status_date",
    "answer",
    "on_spot",
    "in_action_plan",
    "works",
)


def public_frame(index: RequestsIndex) -> gpd.GeoDataFrame:
    """Every request's public fields (see the module doc), list order (newest received first)."""
    n = len(index)
    works = np.array([";".join(f"{lyr}:{w}" for lyr, w in index.links_of(i)) for i in range(n)], dtype=object)
    year = pd.to_numeric(pd.Series(index.received, dtype=object).str[:4], errors="coerce").astype("Int64")
    df = pd.DataFrame(
        {
            "id": index.ids,
            "text": index.text,
            "topic": index.topic,
            "district": index.district,
            "source": index.source,
            "round": pd.array([int(r) if r >= 0 else None for r in index.round], dtype="Int64"),
            "meeting_date": [v or None for v in index.meeting_date],
            "received": index.received,
            "year": year.to_numpy(),
            "status": index.status,
            "status_date": index.status_date,
            "answer": [v or None for v in index.answer],
            "on_spot": index.on_spot.astype(bool),
            "in_action_plan": index.in_plan.astype(bool),
            "works": [v or None for v in works],
        },
        columns=list(PUBLIC_COLUMNS),
    )
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(shapely.points(index.lon, index.lat), crs=WGS84), crs=WGS84)


def requests_collection(store: Store, catalogue: Catalogue) -> CollectionIndex:
    """The collection index of the store's requests: request statuses, dates = the received date."""
    return collection_of(RequestsIndex.from_store(store, catalogue), catalogue)


def collection_of(index: RequestsIndex, catalogue: Catalogue) -> CollectionIndex:
    """The collection index of ``index``'s requests."""
    built = build_index(REQUESTS, public_frame(index))
    received = np.array([str(v)[:10] for v in index.received], dtype="U10")
    columns = dict(built.columns)
    columns["topic"] = index.topic.astype(str)
    statuses = tuple(catalogue.requests.statuses) if catalogue.requests else ()
    dates = [v for v in received if v]
    return replace(
        built,
        start=received,
        end=received,
        columns=columns,
        statuses=statuses,
        extent_interval=[min(dates) if dates else None, max(dates) if dates else None],
    )
