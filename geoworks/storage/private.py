"""Files only the service's user may read: the store, the users, uploads waiting for their commit.

Directories geoworks creates are 0700 and its files 0600, whatever the umask (an existing directory
keeps its mode: the operator chose it).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """``path`` and its missing parents created, mode 0700 (an existing directory is left as it is)."""
    path = Path(path)
    if not path.is_dir():
        for parent in reversed([path, *path.parents]):
            if not parent.exists():
                parent.mkdir(mode=DIR_MODE, exist_ok=True)
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty with mode 0600 when it does not exist yet (an existing file is left as it is)."""
    path = Path(path)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    return path


def make_private(path: Path) -> None:
    """Mode 0600 for an existing file (one a library created)."""
    os.chmod(path, FILE_MODE)
