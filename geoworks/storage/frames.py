"""DataFrames to and from PostgreSQL's CSV COPY format, with the dtypes the GeoPackage reader gives.

Writing: each column gets a PostgreSQL type from its dtype (integers bigint, floats double
precision, booleans boolean, datetimes timestamp, everything else text) and the frame becomes one
CSV buffer (pyarrow's writer: strings quoted, missing values as unquoted empty fields, floats in
their shortest exact form); geometries go as hex EWKB with SRID 4326, 2-D.

Reading: the result of ``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` is parsed by pyarrow with
the column types known from the catalogue, then turned into numpy arrays the way pyogrio reads a
GeoPackage: integers and booleans with a missing value become float64, text becomes Python
strings (pandas infers its string dtype), an empty result keeps the column's type. Geometries come
back as hex WKB and are decoded in bulk.
"""

from __future__ import annotations

import binascii
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely

# kinds of column, from PostgreSQL type names (pg_type.typname)
KINDS = {
    "int8": "int",
    "int4": "int",
    "int2": "int",
    "float8": "float",
    "float4": "float",
    "numeric": "float",
    "bool": "bool",
    "timestamp": "timestamp",
    "timestamptz": "timestamptz",
}
SQL_TYPES = {
    "int": "bigint",
    "float": "double precision",
    "bool": "boolean",
    "timestamp": "timestamp",
    "timestamptz": "timestamptz",
    "text": "text",
}
_ARROW = {
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us"),
    "text": pa.string(),
    "timestamptz": pa.string(),
}


@dataclass(frozen=True)
class Column:
    """A stored column: its name for callers, its name in the database and its kind
    (int, float, bool, timestamp, timestamptz or text)."""

    name: str
    db_name: str
    kind: str


def kind_of(series: pd.Series) -> str:
    """The kind of column a pandas Series is stored as."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamptz"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "timestamp"
    return "text"


def _text_values(series: pd.Series) -> pa.Array:
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return pa.array(series.astype(object).where(series.notna(), None), type=pa.string(), from_pandas=True)
    values = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in series.astype(object)]
    return pa.array(values, type=pa.string())


def _int_values(series: pd.Series) -> pa.Array:
    numbers = pd.to_numeric(series, errors="coerce")
    present = numbers.notna()
    if (numbers[present] != np.floor(numbers[present])).any():
        raise ValueError(f"column '{series.name}' holds numbers that are not whole, in a column of whole numbers")
    return pa.array(numbers.astype("Int64"), type=pa.int64(), from_pandas=True)


def arrow_column(series: pd.Series, kind: str) -> pa.Array:
    """One column as an Arrow array of ``kind`` (ValueError when a value cannot be one)."""
    if kind == "text":
        return _text_values(series)
    if kind == "int":
        return _int_values(series)
    if kind == "float":
        return pa.array(pd.to_numeric(series, errors="raise").astype(float), type=pa.float64(), from_pandas=True)
    if kind == "bool":
        return pa.array(series.astype("boolean"), type=pa.bool_(), from_pandas=True)
    if kind == "timestamptz":
        stamps = pd.to_datetime(series, utc=True)
        return pa.array(stamps.dt.strftime("%Y-%m-%d %H:%M:%S.%f+00:00"), type=pa.string(), from_pandas=True)
    return pa.array(pd.to_datetime(series), type=pa.timestamp("us"), from_pandas=True)


def hex_ewkb(geoms: np.ndarray) -> pa.Array:
    """Geometries (lon/lat) as hex EWKB strings with SRID 4326, 2-D; None stays missing."""
    with_srid = shapely.set_srid(np.asarray(geoms, dtype=object), 4326)
    return pa.array(shapely.to_wkb(with_srid, hex=True, include_srid=True, output_dimension=2), type=pa.string())


def to_csv(df: pd.DataFrame, columns: list[Column], geoms: np.ndarray | None = None) -> bytes:
    """``df``'s ``columns`` (then the geometries, if given) as CSV for ``COPY ... FROM STDIN (FORMAT csv)``."""
    arrays = [arrow_column(df[c.name], c.kind) for c in columns]
    names = [f"c{i}" for i in range(len(arrays))]
    if geoms is not None:
        arrays.append(hex_ewkb(geoms))
        names.append("geom")
    if not arrays:
        return b""
    sink = io.BytesIO()
    pacsv.write_csv(pa.Table.from_arrays(arrays, names=names), sink, pacsv.WriteOptions(include_header=False))
    return sink.getvalue()


def _wkb_from_hex(column: pa.ChunkedArray) -> np.ndarray:
    """Hex WKB strings to shapely geometries, decoding each chunk's characters in one call."""
    parts = []
    for chunk in column.chunks:
        if not len(chunk):
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset : chunk.offset + len(chunk) + 1]
        data = chunk.buffers()[2]
        start, stop = int(offsets[0]), int(offsets[-1])
        raw = binascii.unhexlify(memoryview(data)[start:stop]) if data is not None else b""
        binary = pa.Array.from_buffers(
            pa.binary(), len(chunk), [None, pa.py_buffer(((offsets - start) // 2).astype(np.int32)), pa.py_buffer(raw)]
        )
        values = binary.to_numpy(zero_copy_only=False)
        values[chunk.is_null().to_numpy(zero_copy_only=False)] = None
        parts.append(values)
    wkb = np.concatenate(parts) if parts else np.array([], dtype=object)
    return shapely.from_wkb(wkb)


def _numpy(column: pa.ChunkedArray, kind: str, as_float: bool) -> np.ndarray:
    if kind == "text":
        return column.to_numpy(zero_copy_only=False).astype(object)
    if kind == "timestamptz":
        return pd.to_datetime(pd.Series(column.to_numpy(zero_copy_only=False)), utc=True).to_numpy()
    if kind == "timestamp":
        return column.to_numpy(zero_copy_only=False).astype("datetime64[ms]")
    if kind in ("int", "bool") and (column.null_count or as_float):
        if kind == "bool":
            return np.array([np.nan if v is None else float(v) for v in column.to_pylist()], dtype=float)
        return column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    return column.to_numpy(zero_copy_only=False)


def _empty(kind: str, as_float: bool) -> np.ndarray:
    if as_float and kind in ("int", "bool"):
        return np.array([], dtype=float)
    dtypes: dict[str, object] = {"int": np.int64, "float": float, "bool": bool, "timestamp": "datetime64[ms]"}
    return np.empty(0, dtype=dtypes.get(kind, object))  # type: ignore[call-overload]


def from_csv(
    data: bytes, columns: list[Column], with_geometry: bool, as_float: frozenset[str] = frozenset()
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Parse a CSV COPY of ``columns`` (plus a hex WKB column when ``with_geometry``).

    ``as_float`` names integer or boolean columns to give as float64 even without a missing value
    (the layer has one elsewhere). Returns the attributes and the geometries (or None).
    """
    names = [f"c{i}" for i in range(len(columns))] + (["geom"] if with_geometry else [])
    if not data.strip():
        frame = pd.DataFrame({c.name: _empty(c.kind, c.name in as_float) for c in columns})
        return frame, (np.array([], dtype=object) if with_geometry else None)
    types = {f"c{i}": _ARROW[c.kind] for i, c in enumerate(columns)}
    types["geom"] = pa.string()
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )
    frame = pd.DataFrame(
        {c.name: _numpy(table.column(f"c{i}"), c.kind, c.name in as_float) for i, c in enumerate(columns)},
        index=pd.RangeIndex(table.num_rows),
    )
    return frame, (_wkb_from_hex(table.column("geom")) if with_geometry else None)
