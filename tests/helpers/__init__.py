"""Helpers shared by the tests: geometries of known length, import files, API checks."""
