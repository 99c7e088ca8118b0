"""Every word of the requests pages is translated into Kazakh and Russian."""

from __future__ import annotations

import glob

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from tests.conftest import ROOT

PYTHON = ["geoworks/web/requests.py", "geoworks/residents/words.py", "geoworks/residents/mapdata.py"]
PYTHON += ["geoworks/residents/feed.py"]


def _msgids() -> set[str]:
    ids: set[str] = set()
    for path in glob.glob(str(ROOT / "templates/requests/*.html")):
        for _, msg, _, _ in extract_from_file("jinja2", path, options={"extensions": "jinja2.ext.i18n"}):
            ids.add(msg if isinstance(msg, str) else msg[0])
    for path in PYTHON:
        for _, msg, _, _ in extract_from_file("python", str(ROOT / path), keywords={"_": None, "gettext": None}):
            ids.add(msg if isinstance(msg, str) else msg[0])
    return ids


def test_every_requests_word_is_translated():
    msgids = _msgids()
    assert len(msgids) > 120
    for lang in ("kk", "ru"):
        known: dict[str, str] = {}
        for po in glob.glob(str(ROOT / f"geoworks/translations/*/{lang}/LC_MESSAGES/messages.po")):
            with open(po, "rb") as fh:
                known.update({m.id: m.string for m in read_po(fh) if m.id and m.string})
        assert sorted(m for m in msgids if not known.get(m)) == [], lang


def test_the_requests_catalogue_keeps_the_placeholders():
    for lang in ("kk", "ru"):
        with open(ROOT / f"geoworks/translations/requests/{lang}/LC_MESSAGES/messages.po", "rb") as fh:
            for m in read_po(fh):
                if m.id and "%(" in m.id:
                    import re

                    assert set(re.findall(r"%\((\w+)\)s", m.id)) == set(re.findall(r"%\((\w+)\)s", m.string)), m.id
