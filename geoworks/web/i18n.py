"""Languages: Kazakh, Russian, English, with Flask-Babel.

Message catalogues live in ``geoworks/translations/<part>/<lang>/LC_MESSAGES/messages.po``,
one folder per part of the app (base, map, near, ...), merged at run time.
They are compiled to .mo at set-up and, when missing or stale, at app start.
The chosen language comes from ``?lang=``, then the ``lang`` cookie, then
the browser's Accept-Language, then Russian; ``?lang=`` is remembered in the cookie.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from flask import Flask, request
from flask_babel import Babel, get_locale

LANGUAGES = ("kk", "ru", "en")
DEFAULT_LANGUAGE = "ru"
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def catalogue_dirs() -> list[Path]:
    """Every part's translations folder."""
    return sorted(p for p in TRANSLATIONS.iterdir() if p.is_dir()) if TRANSLATIONS.is_dir() else []


def compile_catalogues(force: bool = False) -> int:
    """Compile every .po to .mo where the .mo is missing or older; returns how many were written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = 0
    for po in TRANSLATIONS.glob("*/*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if force or not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=po.parent.parent.name)
            tmp = mo.with_suffix(".mo.tmp")
            with tmp.open("wb") as fh:
                write_mo(fh, catalog)
            tmp.replace(mo)
            written += 1
    return written


def current_language() -> str:
    """The language of the current request (kk, ru or en)."""
    loc = get_locale()
    return str(loc.language) if loc is not None and str(loc.language) in LANGUAGES else DEFAULT_LANGUAGE


def work_status_labels() -> dict[str, str]:
    """The four work statuses in the current language (one place for every page)."""
    from flask_babel import gettext as _

    return {
        "planned": _("planned"),
        "in_progress": _("in progress"),
        "completed": _("completed"),
        "cancelled": _("cancelled"),
    }


def param_message(exc) -> str:
    """A :class:`geoworks.params.ParamError` in the current language (one place for every page)."""
    from flask_babel import gettext as _

    v = exc.params.get("value", "")
    known = {
        "year": lambda: _("Year '%(value)s' is not a year.", value=v),
        "layer": lambda: _("Unknown layer '%(value)s'.", value=v),
        "status": lambda: _("Unknown status '%(value)s'.", value=v),
        "district": lambda: _("Unknown district '%(value)s'.", value=v),
        "date": lambda: _("Dates must be given as YYYY-MM-DD, got %(value)s.", value=v),
        "number": lambda: _("%(parameter)s: '%(value)s' is not a number.", parameter=exc.parameter, value=v),
        "integer": lambda: _("%(parameter)s: '%(value)s' is not a whole number.", parameter=exc.parameter, value=v),
        "range": lambda: _(
            "%(parameter)s must be between %(lo)s and %(hi)s.",
            parameter=exc.parameter,
            lo=exc.params.get("lo"),
            hi=exc.params.get("hi"),
        ),
        "too_long": lambda: _(
            "%(parameter)s is longer than %(limit)s characters.", parameter=exc.parameter, limit=exc.params.get("limit")
        ),
    }
    make = known.get(exc.code)
    return make() if make else str(exc)


def select_language() -> str:
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        return lang
    lang = request.cookies.get(COOKIE)
    if lang in LANGUAGES:
        return lang
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    """Set up Flask-Babel, the language cookie and the template helpers."""
    with contextlib.suppress(OSError):  # read-only install: the wheel carries compiled catalogues
        compile_catalogues()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(p) for p in catalogue_dirs()) or str(TRANSLATIONS)
    Babel(app, locale_selector=select_language)

    @app.after_request
    def remember_language(response):
        lang = request.args.get("lang")
        if lang in LANGUAGES and request.cookies.get(COOKIE) != lang:
            secure = bool(app.config.get("SESSION_COOKIE_SECURE"))
            response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", secure=secure)
        return response

    @app.context_processor
    def language_helpers():
        lang = current_language()
        return {
            "lang": lang,
            "languages": LANGUAGES,
            "language_names": LANGUAGE_NAMES,
            "name_in": lambda obj: obj.names.get(lang),
        }


if __name__ == "__main__":
    print(f"compiled {compile_catalogues(force=True)} catalogues")
