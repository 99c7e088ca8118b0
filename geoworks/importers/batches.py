"""Batches: every import is one all-or-nothing transaction, recorded in the ``batches`` table.

A batch row holds id, created (UTC ISO time), user, file, checksum, layer
(comma-separated layer ids, or 'districts'), features, status
('committed' or 'rolled_back'), plus skipped/repaired counts. Its features
carry ``batch_id``; :func:`rollback` removes exactly those.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

from geoworks import clock
from geoworks.catalogue import Catalogue
from geoworks.importers.prepare import CHUNK, Prepared, Progress, no_progress
from geoworks.storage import Store, Transaction
from geoworks.works import annotate, conform

BATCH_COLUMNS = ["id", "created", "user", "file", "checksum", "layer", "features", "status", "skipped", "repaired"]
COMMITTED, ROLLED_BACK = "committed", "rolled_back"


class BatchError(ValueError):
    """A batch cannot be committed or rolled back; nothing was written."""


class DuplicateImport(BatchError):
    """The same file (by checksum) was already imported into the same layer."""


class UnknownBatch(BatchError):
    """No batch has the id given."""


class NotYourBatch(BatchError):
    """The batch was imported by another user (only an admin may roll back anyone's)."""


def new_batch_id(now: dt.datetime | None = None) -> str:
    """A new batch id, ``b<UTC date>-<time>-<6 hex>``."""
    now = now or clock.now()
    return f"b{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def list_batches(store: Store) -> pd.DataFrame:
    """Every batch, newest first."""
    df = store.read_table("batches")
    if not len(df):
        return pd.DataFrame(columns=BATCH_COLUMNS)
    for col in BATCH_COLUMNS:
        if col not in df.columns:
            df[col] = None
    return df.sort_values("created", ascending=False, kind="stable").reset_index(drop=True)


def batch_records(store: Store) -> list[dict]:
    """Every batch, newest first, as dicts (None for missing values)."""
    df = list_batches(store)
    return df.astype(object).where(df.notna(), None).to_dict("records")


def check_duplicate(batches: pd.DataFrame, checksum: str, layers: Iterable[str], file_label: str) -> None:
    """DuplicateImport when a committed batch imported the same file (``checksum``) into one of ``layers``."""
    dup = find_duplicate(batches, checksum, layers)
    if dup is not None:
        raise DuplicateImport(
            f"{file_label}: this file (checksum {checksum[:19]}...) was already imported into "
            f"'{dup['layer']}' as batch {dup['id']} on {dup['created']}; "
            "use --force to import it again"
        )


def find_duplicate(batches: pd.DataFrame, checksum: str, layers: Iterable[str]) -> dict | None:
    """The committed batch that imported the same file into one of ``layers``, if any."""
    if not len(batches) or not checksum or "checksum" not in batches.columns:
        return None
    wanted = set(layers)
    for row in batches[(batches["checksum"] == checksum) & (batches["status"] == COMMITTED)].to_dict("records"):
        if wanted & set(str(row.get("layer") or "").split(",")):
            return row
    return None


def _append(tx: Transaction, name: str, gdf: gpd.GeoDataFrame, progress: Progress, done: int, total: int) -> None:
    """Add ``gdf`` to layer ``name``.

    Appending row by row to a layer may update its spatial index per feature, which is slow
    in an embedded store; so a layer smaller than three times the import (or one that lacks
    some of the new columns) is rewritten in one bulk write, and a large layer gets the import
    appended in chunks.
    """
    existing = tx.columns(name)
    count = tx.count(name) if existing is not None else 0
    new_cols = [c for c in gdf.columns if c != "geometry" and existing is not None and c not in existing]
    if existing is None or new_cols or count < 3 * len(gdf):
        current = tx.read_layer(name) if existing is not None else None
        if current is not None and len(current):
            current = current if current.crs is not None else current.set_crs("EPSG:4326")
            merged = pd.concat([current, gdf], ignore_index=True)
            gdf = gpd.GeoDataFrame(
                conform(gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326")),
                geometry="geometry",
                crs="EPSG:4326",
            )
        added = len(gdf) - (len(current) if current is not None else 0)
        progress("write", done, total)
        tx.write_layer(name, gdf)
        progress("write", done + added, total)
        return
    for s in range(0, len(gdf), CHUNK):
        tx.append_layer(name, gdf.iloc[s : s + CHUNK])
        progress("write", done + min(s + CHUNK, len(gdf)), total)


def _record(tx: Transaction, row: dict) -> None:
    batches = tx.read_table("batches")
    batches = pd.concat([batches, pd.DataFrame([row])], ignore_index=True) if len(batches) else pd.DataFrame([row])
    tx.write_table("batches", batches)


def commit(
    store: Store,
    catalogue: Catalogue,
    items: list[Prepared],
    user: str,
    file_label: str,
    force: bool = False,
    progress: Progress = no_progress,
    now: dt.datetime | None = None,
) -> dict:
    """Write ``items`` (one file's features, one or more layers) as ONE batch, in one transaction.

    Raises DuplicateImport when the same checksum was imported into the same layer, unless ``force``.
    Returns the batch row; ``now`` (default: :func:`geoworks.clock.now`) is its time.
    """
    frames = [p.features for p in items if p.ok and p.features is not None]
    if len(frames) < len(items):
        raise BatchError(f"{file_label}: validation failed; nothing written")
    if not items:
        raise BatchError(f"{file_label}: nothing to import")
    checksum = items[0].checksum
    layers = [p.layer for p in items]
    total = sum(len(f) for f in frames)
    now = now or clock.now()
    batch_id = new_batch_id(now)
    with store.transaction() as tx:
        if not force:
            check_duplicate(tx.read_table("batches"), checksum, layers, file_label)
        done = 0
        for p, features in zip(items, frames):
            gdf = features.copy()
            if p.layer == "districts":
                _replace_districts(tx, catalogue, gdf, progress)
                done += len(gdf)
                continue
            gdf["batch_id"] = batch_id
            gdf["id"] = [f"{batch_id}-{i + 1:07d}" for i in range(len(gdf))]
            _append(tx, p.layer, gdf, progress, done, total)
            done += len(gdf)
        row = {
            "id": batch_id,
            "created": now.isoformat(timespec="seconds"),
            "user": user,
            "file": file_label,
            "checksum": checksum,
            "layer": ",".join(layers),
            "features": int(total),
            "status": COMMITTED,
            "skipped": int(sum(p.report.skipped for p in items)),
            "repaired": int(sum(p.report.repaired for p in items)),
        }
        _record(tx, row)
    return row


def _replace_districts(tx: Transaction, catalogue: Catalogue, districts: gpd.GeoDataFrame, progress: Progress) -> None:
    """Replace the districts and re-annotate every works layer against them (same transaction)."""
    tx.write_layer("districts", districts)
    for layer in catalogue.layers.values():
        works = tx.read_layer(layer.id)
        if len(works):
            works = works.set_crs("EPSG:4326", allow_override=True) if works.crs is None else works
            tx.write_layer(layer.id, conform(annotate(works, layer, districts)))
    meta = tx.read_table("meta")
    rows = dict(zip(meta["key"], meta["value"])) if len(meta) else {}
    rows["districts"] = "imported"
    rows.setdefault("dataset", "imported")
    tx.write_table("meta", pd.DataFrame({"key": list(rows), "value": list(rows.values())}))


def rollback(
    store: Store,
    catalogue: Catalogue,
    batch_id: str,
    user: str,
    now: dt.datetime | None = None,
    own_only: bool = False,
) -> dict[str, int]:
    """Remove batch ``batch_id``'s features (and nothing else) in one transaction; features removed per layer.
    With ``own_only`` (a writer who is not an admin), NotYourBatch unless ``user`` imported the batch."""
    with store.transaction() as tx:
        batches = tx.read_table("batches")
        if not len(batches) or batch_id not in set(batches["id"].astype(str)):
            known = ", ".join(batches["id"].astype(str).tolist()[-10:]) if len(batches) else "(none)"
            raise UnknownBatch(f"no batch '{batch_id}'; batches: {known}")
        i = batches.index[batches["id"].astype(str) == batch_id][0]
        row = batches.loc[i]
        if own_only and str(row.get("user")) != user:
            raise NotYourBatch(
                f"batch '{batch_id}' was imported by {row.get('user')}; only they or an admin may roll it back"
            )
        if row["status"] != COMMITTED:
            raise BatchError(f"batch '{batch_id}' is {row['status']}; only committed batches can be rolled back")
        layers = str(row["layer"] or "")
        if layers == "districts":
            raise BatchError(
                f"batch '{batch_id}' replaced the districts; import the previous district file again "
                "instead of rolling back"
            )
        ids = list(catalogue.layers) if layers == "*" else [x for x in layers.split(",") if x]
        removed = {lid: tx.delete_where(lid, "batch_id", batch_id) for lid in ids if lid in catalogue.layers}
        if "skipped" not in batches.columns:
            batches["skipped"] = None
        batches["status"] = batches["status"].astype(object)
        batches.loc[i, "status"] = ROLLED_BACK
        if "rolled_back" not in batches.columns:
            batches["rolled_back"] = None
        batches["rolled_back"] = batches["rolled_back"].astype(object)
        batches.loc[i, "rolled_back"] = f"{(now or clock.now()).isoformat(timespec='seconds')} by {user}"
        tx.write_table("batches", batches)
    return removed


def rollback_summary(batch_id: str, removed: dict[str, int]) -> str:
    """'batch <id> rolled back: roads -3, ...': what :func:`rollback` removed, per layer."""
    return f"batch {batch_id} rolled back: " + ", ".join(f"{k} -{v}" for k, v in removed.items())
