"""Ships layers/, templates/ and static/ (with every subfolder) in the wheel under share/geoworks/."""
import os

from setuptools import setup


def tree(top: str) -> list[tuple[str, list[str]]]:
    out = []
    for dirpath, _dirs, files in os.walk(top):
        if files:
            out.append((os.path.join("share", "geoworks", dirpath), [os.path.join(dirpath, f) for f in sorted(files)]))
    return out


setup(data_files=tree("layers") + tree("templates") + tree("static"))
