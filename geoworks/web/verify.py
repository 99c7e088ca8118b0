"""Pages for officials: reported vs measured, a paste-a-report page, a claim form, exports, a printable page.

Routes parse the request, call one function of geoworks.verify.service and render; translated words
are made here and passed in as :class:`geoworks.verify.service.Labels`.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from geoworks import clock
from geoworks.config import number
from geoworks.params import ParamError, parse_year
from geoworks.verify.checks import VerifyError, check_tolerance
from geoworks.verify.claims import QUALIFIERS, ClaimError
from geoworks.verify.service import (
    EXPORT_FORMATS,
    Labels,
    Query,
    claim_rows,
    data_source,
    enter_claim,
    export_view,
    extract_report,
    import_claims,
    verification_view,
    works_view,
)
from geoworks.web.auth import current_user, role_required
from geoworks.web.i18n import current_language, param_message
from geoworks.web.security import csrf_problem
from geoworks.web.services import map_options, services

# Claims are written by officials (and admins); CSRF is checked on every form post.
CLAIM_WRITERS = ("official", "admin")


bp = Blueprint("verify", __name__)


def status_labels() -> dict[str, str]:
    """The four verification statuses in the current language."""
    return {
        "confirmed": _("confirmed"),
        "over_reported": _("over-reported"),
        "under_reported": _("under-reported"),
        "not_measurable": _("not measurable"),
    }


def qualifier_labels() -> dict[str, str]:
    """The four qualifiers in the current language."""
    return {"exact": _("exactly"), "more_than": _("more than"), "about": _("about"), "up_to": _("up to")}


def _labels() -> Labels:
    return Labels(
        statuses=status_labels(),
        qualifiers=qualifier_labels(),
        units={"km": _("km"), "count": _("count")},
        whole_city=_("whole city"),
        map={"districts": _("Districts"), "overlaps": _("Overlapping stretches"), "km": _("km")},
    )


def _year(raw: str | None, errors: list[str]) -> int | None:
    """A year parameter (None when absent); a bad one adds its message to ``errors``."""
    try:
        return parse_year(raw)
    except ParamError as exc:
        errors.append(param_message(exc))
        return None


def _query() -> tuple[Query, list[str]]:
    """year and tolerance from the query string; errors name bad values (the defaults are used instead)."""
    errors: list[str] = []
    year = _year(request.args.get("year"), errors)
    default_tol = number(current_app.config, "GEOWORKS_TOLERANCE_PCT")
    raw_tol = (request.args.get("tolerance") or "").strip().replace(",", ".")
    try:
        tolerance = check_tolerance(raw_tol if raw_tol else default_tol)
    except VerifyError:
        errors.append(_("Tolerance '%(value)s' must be a number of percent between 0 and 100.", value=raw_tol))
        tolerance = check_tolerance(default_tol)
    return Query(year, tolerance), errors


def _view(with_map: bool) -> tuple[dict, list[str]]:
    svc = services()
    query, errors = _query()
    view = verification_view(
        svc.store,
        svc.catalogue,
        svc.totals,
        query,
        lang=current_language(),
        labels=_labels(),
        source=data_source(svc.store, svc.meta()),
        now=clock.now(current_app.config),
        options=map_options() if with_map else None,
    )
    return view, errors


def _empty() -> ResponseReturnValue:
    return render_template("verify/page.html", empty=True, errors=[], params={"years": []}), 200


@bp.get("/verify")
def page() -> ResponseReturnValue:
    """Reported vs measured for one year, with overlaps per layer and their map."""
    if services().store.is_empty():
        return _empty()
    view, errors = _view(with_map=True)
    return render_template("verify/page.html", empty=False, errors=errors, **view), (400 if errors else 200)


@bp.get("/verify/print")
def print_page() -> ResponseReturnValue:
    """The verification table for printing (A4; date, tolerance and data source on the page)."""
    if services().store.is_empty():
        return _empty()
    view, errors = _view(with_map=False)
    return render_template("verify/print.html", errors=errors, **view), (400 if errors else 200)


@bp.get("/verify/export.<fmt>")
def export(fmt: str) -> ResponseReturnValue:
    """The verification table as CSV, XLSX or JSON (same year/tolerance parameters as the page)."""
    svc = services()
    if fmt not in EXPORT_FORMATS:
        return jsonify({"error": f"unknown format '{fmt}'; use csv, xlsx or json"}), 404
    if svc.store.is_empty():
        return jsonify({"error": "the store is empty"}), 404
    query, errors = _query()
    if errors:
        return jsonify({"error": " ".join(errors)}), 400
    out = export_view(
        svc.store,
        svc.catalogue,
        svc.totals,
        query,
        fmt,
        source=data_source(svc.store, svc.meta()),
        now=clock.now(current_app.config),
    )
    if out.data is not None:
        return jsonify(out.data)
    return Response(
        out.body, mimetype=out.mimetype, headers={"Content-Disposition": f'attachment; filename="{out.name}"'}
    )


@bp.get("/verify/claims/<claim_id>/works")
def works(claim_id: str) -> ResponseReturnValue:
    """The works behind one claim's measured figure: every feature (part) counted, with its length."""
    svc = services()
    tolerance = number(current_app.config, "GEOWORKS_TOLERANCE_PCT")
    view = works_view(
        svc.store, svc.catalogue, svc.totals, claim_id, tolerance, lang=current_language(), labels=_labels()
    )
    if view is None:
        return render_template("verify/works.html", missing=claim_id, claim=None), 404
    return render_template("verify/works.html", missing=None, **view)


def _form_defaults() -> dict:
    return {
        "year": "",
        "layers": "",
        "district": "",
        "value": "",
        "unit": "km",
        "qualifier": "exact",
        "source": "",
        "quote": "",
    }


@bp.route("/verify/claims/new", methods=["GET", "POST"])
@role_required(*CLAIM_WRITERS)
def new_claim() -> ResponseReturnValue:
    """A form to enter one claim, and a CSV import of many (officials and admins)."""
    svc = services()
    form, errors, saved = _form_defaults(), [], []
    if request.method == "POST" and (problem := csrf_problem()):
        errors.append(problem)
    elif request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is not None and upload.filename:
                limit = int(number(current_app.config, "GEOWORKS_MAX_CLAIMS_UPLOAD_MB") * 2**20)
                saved = import_claims(svc.store, svc.catalogue, upload.read(limit + 1), limit)
            else:
                form.update({k: (request.form.get(k) or "").strip() for k in form})
                form["layers"] = ",".join(request.form.getlist("layers")) or form["layers"]
                saved = enter_claim(svc.store, svc.catalogue, form)
        except ClaimError as exc:
            errors.append(str(exc))
        if saved and not errors:
            return redirect(url_for("verify.page", year=saved[0].year, saved=len(saved)), code=303)
    return render_template(
        "verify/claim.html", form=form, errors=errors, qualifiers=QUALIFIERS, qualifier_names=qualifier_labels()
    ), (400 if errors else 200)


def _extract_problem(problem: str) -> str:
    return {
        "not_allowed": _("Only officials can save claims: log in as an official."),
        "no_year": _("The text names no year: give the year of the figures."),
    }[problem]


def _extract_form() -> tuple[dict, int | None, list[str]]:
    """The pasted text, year and source of the form; errors for a bad year or no text."""
    form = {
        "text": request.form.get("text") or "",
        "year": (request.form.get("year") or "").strip(),
        "source": (request.form.get("source") or "").strip()[:500],
    }
    errors: list[str] = []
    year = _year(form["year"], errors)
    if not form["text"].strip():
        errors.append(_("Paste the text of a report first."))
    return form, year, errors


def _may_write() -> bool:
    user = current_user()
    return user is not None and user["role"] in CLAIM_WRITERS


@bp.route("/verify/extract", methods=["GET", "POST"])
def extract() -> ResponseReturnValue:
    """Paste a report: the figures found in it, which can then be saved as claims."""
    svc = services()
    form, found, errors = {"text": "", "year": "", "source": ""}, [], []
    if request.method == "POST" and (problem := csrf_problem()):
        errors.append(problem)
    elif request.method == "POST":
        form, year, errors = _extract_form()
        save = request.form.get("action") == "save"
        try:
            result = (
                None
                if errors
                else extract_report(
                    svc.store,
                    svc.catalogue,
                    form["text"],
                    year,
                    form["source"] or _("pasted report"),
                    save=save,
                    may_save=save and _may_write(),
                )
            )
        except ClaimError as exc:
            errors.append(str(exc))
            result = None
        if result is not None and result.saved:
            return redirect(url_for("verify.page", year=result.saved[0].year, saved=len(result.saved)), code=303)
        if result is not None:
            found = result.claims
            errors += [_extract_problem(result.problem)] if result.problem else []
    return render_template(
        "verify/extract.html",
        text=form["text"],
        year=form["year"],
        source=form["source"],
        rows=claim_rows(found, svc.catalogue, current_language(), _labels()),
        errors=errors,
        posted=request.method == "POST",
    ), (400 if errors else 200)
