"""Importing real data: files and OSM extracts, validated, committed as atomic batches."""

from geoworks.importers.batches import BatchError, DuplicateImport, commit, find_duplicate, list_batches, rollback
from geoworks.importers.osm import load_mapping, prepare_osm
from geoworks.importers.prepare import Prepared, prepare
from geoworks.importers.validate import Options, Report

__all__ = [
    "BatchError",
    "DuplicateImport",
    "Options",
    "Prepared",
    "Report",
    "commit",
    "find_duplicate",
    "list_batches",
    "load_mapping",
    "prepare",
    "prepare_osm",
    "rollback",
]
