"""Pages for officials: reported vs measured, a paste-a-report page, a claim form, exports, a printable page.

Routes parse the request, call geoworks.verify.claims / geoworks.verify.checks / geoworks.maps.verify and render.
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
from flask_babel import gettext as _

from geoworks import clock
from geoworks.config import number
from geoworks.catalogue import Catalogue
from geoworks.verify.claims import (
    QUALIFIERS,
    Claim,
    ClaimError,
    claim_years,
    extract_claims,
    load_claims,
    make_claim,
    read_claims_csv,
    save_claims,
)
from geoworks.web.i18n import current_language
from geoworks.maps.base import map_parts
from geoworks.maps.verify import overlaps_map
from geoworks.verify.checks import (
    Check,
    VerifyError,
    check_tolerance,
    checks_frame,
    empty_overlaps,
    overlaps_summary,
    overlaps_table,
    verify_claims,
    works_behind,
    year_totals,
)
from geoworks.io.exports import to_csv, to_xlsx
from geoworks.web import map_options, services
from geoworks.web.auth import current_user, role_required
from geoworks.web.security import csrf_problem

# Claims are written by officials (and admins); CSRF is checked on every form post.
CLAIM_WRITERS = ("official", "admin")


bp = Blueprint("verify", __name__)


def status_labels() -> dict[str, str]:
    return {"confirmed": _("confirmed"), "over_reported": _("over-reported"),
            "under_reported": _("under-reported"), "not_measurable": _("not measurable")}


def qualifier_labels() -> dict[str, str]:
    return {"exact": _("exactly"), "more_than": _("more than"), "about": _("about"), "up_to": _("up to")}


def layers_label(catalogue: Catalogue, layers, lang: str) -> str:
    """The claim's layers in ``lang``: a group's name when they form one, else the layer names."""
    for g in catalogue.groups.values():
        if set(g.layers) == set(layers) and len(layers) > 1:
            return g.names.get(lang)
    return ", ".join(catalogue.layers[lid].names.get(lang) if lid in catalogue.layers else lid for lid in layers)


def district_label(catalogue: Catalogue, slug: str | None, lang: str) -> str:
    if not slug or slug == "city":
        return _("whole city")
    d = catalogue.districts.get(slug)
    return d.names.get(lang) if d else slug


def _params(svc) -> tuple[dict, list[str]]:
    """year, tolerance, district from the query string; errors name bad values."""
    errors: list[str] = []
    years = claim_years(svc.store)
    year = years[0] if years else None
    raw = (request.args.get("year") or "").strip()
    if raw:
        if raw.isdigit() and 1900 <= int(raw) <= 2100:
            year = int(raw)
        else:
            errors.append(_("Year '%(value)s' is not a year.", value=raw))
    default_tol = number(current_app.config, "GEOWORKS_TOLERANCE_PCT")
    raw_tol = (request.args.get("tolerance") or "").strip().replace(",", ".")
    try:
        tolerance = check_tolerance(raw_tol if raw_tol else default_tol)
    except VerifyError:
        errors.append(_("Tolerance '%(value)s' must be a number of percent between 0 and 100.", value=raw_tol))
        tolerance = check_tolerance(default_tol)
    return {"year": year, "tolerance": tolerance, "years": years}, errors


def _rows(checks: list[Check], catalogue: Catalogue, lang: str) -> list[dict]:
    rows = []
    for ch in checks:
        row = ch.row()
        row.update(layers_text=layers_label(catalogue, ch.claim.layers, lang),
                   district_text=district_label(catalogue, ch.claim.district, lang),
                   status_text=status_labels()[ch.status], qualifier_text=qualifier_labels()[ch.claim.qualifier],
                   unit_text=_("km") if ch.claim.unit == "km" else _("count"), id=ch.claim.id)
        rows.append(row)
    return rows


def _notes(svc, params: dict) -> dict[str, str]:
    meta = svc.meta()
    return {"date": clock.now(current_app.config).strftime("%Y-%m-%d %H:%M UTC"),
            "year": str(params["year"]), "tolerance_pct": f"{params['tolerance']:g}",
            "data_source": str(meta.get("source") or svc.store.describe()),
            "measured": "network km (overlapping stretches counted once, geodesic WGS84) or count "
                        "of the works completed in the claim's year"}


def _verification(svc, params):
    claims = load_claims(svc.store, params["year"]) if params["year"] else []
    checks = verify_claims(svc.store, svc.catalogue, claims, params["tolerance"], svc.totals) if claims else []
    return claims, checks


def _overlaps(svc, year):
    if year is None:
        return empty_overlaps()
    return overlaps_table(year_totals(svc.store, svc.catalogue, year, svc.totals), svc.catalogue)


def _summary(overlaps, catalogue: Catalogue, lang: str) -> list[dict]:
    """Overlaps per layer (count, km), with the layer's name in ``lang``."""
    rows = overlaps_summary(overlaps).to_dict("records")
    for row in rows:
        row["name"] = layers_label(catalogue, [row["layer"]], lang)
    return rows


@bp.get("/verify")
def page():
    """Reported vs measured for one year, with overlaps per layer and their map."""
    svc = services()
    lang = current_language()
    if svc.store.is_empty():
        return render_template("verify.html", empty=True, errors=[], params={"years": []}), 200
    params, errors = _params(svc)
    claims, checks = _verification(svc, params)
    overlaps = _overlaps(svc, params["year"])
    m = overlaps_map(overlaps, svc.catalogue, svc.store.read_layer("districts"), options=map_options(),
                     labels={"districts": _("Districts"), "overlaps": _("Overlapping stretches"), "km": _("km")})
    summary = _summary(overlaps, svc.catalogue, lang)
    return render_template("verify.html", empty=False, errors=errors, params=params, rows=_rows(checks, svc.catalogue, lang),
                           summary=summary, overlaps=overlaps.drop(columns="geometry").head(500).to_dict("records"),
                           overlap_count=len(overlaps), map=map_parts(m), notes=_notes(svc, params),
                           statuses=status_labels()), (400 if errors else 200)


@bp.get("/verify/print")
def print_page():
    """The verification table for printing (A4; date, tolerance and data source on the page)."""
    svc = services()
    lang = current_language()
    if svc.store.is_empty():
        return render_template("verify.html", empty=True, errors=[], params={"years": []}), 200
    params, errors = _params(svc)
    _claims, checks = _verification(svc, params)
    summary = _summary(_overlaps(svc, params["year"]), svc.catalogue, lang)
    return render_template("verify_print.html", errors=errors, params=params, rows=_rows(checks, svc.catalogue, lang),
                           summary=summary, notes=_notes(svc, params)), (400 if errors else 200)


@bp.get("/verify/export.<fmt>")
def export(fmt: str):
    """The verification table as CSV, XLSX or JSON (same year/tolerance parameters as the page)."""
    svc = services()
    if fmt not in ("csv", "xlsx", "json"):
        return jsonify({"error": f"unknown format '{fmt}'; use csv, xlsx or json"}), 404
    if svc.store.is_empty():
        return jsonify({"error": "the store is empty"}), 404
    params, errors = _params(svc)
    if errors:
        return jsonify({"error": " ".join(errors)}), 400
    _claims, checks = _verification(svc, params)
    table = checks_frame(checks)
    notes = _notes(svc, params)
    stamp = clock.now(current_app.config).strftime("%Y%m%dT%H%MZ")
    name = f"geoworks_verification_{params['year']}_{stamp}.{fmt}"
    if fmt == "json":
        return jsonify({"notes": notes, "claims": table.astype(object).where(table.notna(), None).to_dict("records")})
    if fmt == "csv":
        body, mime = to_csv(table, notes), "text/csv; charset=utf-8"
    else:
        overlaps = _overlaps(svc, params["year"]).drop(columns="geometry")
        body = to_xlsx({"verification": table, "overlaps": overlaps}, notes)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/verify/claims/<claim_id>/works")
def works(claim_id: str):
    """The works behind one claim's measured figure: every feature (part) counted, with its length."""
    svc = services()
    lang = current_language()
    claim = next((c for c in load_claims(svc.store) if c.id == claim_id), None)
    if claim is None:
        return render_template("verify_works.html", missing=claim_id, claim=None), 404
    totals = year_totals(svc.store, svc.catalogue, int(claim.year or 0), svc.totals)
    groups = []
    for lid in claim.layers:
        if lid not in svc.catalogue.layers:
            continue
        behind = works_behind(totals, lid, claim.district)
        rows = behind.astype(object).where(behind.notna(), None).to_dict("records")
        groups.append({"layer": lid, "name": layers_label(svc.catalogue, [lid], lang), "rows": rows,
                       "km": float(behind["length_m"].sum()) / 1000.0, "count": len(rows)})
    check = verify_claims(svc.store, svc.catalogue, [claim], check_tolerance(
        number(current_app.config, "GEOWORKS_TOLERANCE_PCT")), svc.totals)[0]
    return render_template("verify_works.html", missing=None, claim=claim, groups=groups,
                           row=_rows([check], svc.catalogue, lang)[0])


def _form_defaults() -> dict:
    return {"year": "", "layers": "", "district": "", "value": "", "unit": "km", "qualifier": "exact",
            "source": "", "quote": ""}


@bp.route("/verify/claims/new", methods=["GET", "POST"])
@role_required(*CLAIM_WRITERS)
def new_claim():
    """A form to enter one claim, and a CSV import of many (officials and admins)."""
    svc = services()
    form, errors, saved = _form_defaults(), [], []
    if request.method == "POST" and (problem := csrf_problem()):
        errors.append(problem)
    elif request.method == "POST":
        if "file" in request.files and request.files["file"].filename:
            upload = request.files["file"]
            limit = int(number(current_app.config, "GEOWORKS_MAX_CLAIMS_UPLOAD_MB") * 2**20)
            data = upload.read(limit + 1)
            try:
                if len(data) > limit:
                    raise ClaimError(f"file: larger than {limit / 2**20:g} MB")
                claims = read_claims_csv(data, svc.catalogue)
                saved = save_claims(svc.store, claims)
            except ClaimError as exc:
                errors.append(str(exc))
        else:
            form.update({k: (request.form.get(k) or "").strip() for k in form})
            form["layers"] = ",".join(request.form.getlist("layers")) or form["layers"]
            try:
                claim = make_claim(form, svc.catalogue)
                saved = save_claims(svc.store, [claim])
            except ClaimError as exc:
                errors.append(str(exc))
        if saved and not errors:
            return redirect(url_for("verify.page", year=saved[0].year, saved=len(saved)), code=303)
    return render_template("verify_claim.html", form=form, errors=errors, qualifiers=QUALIFIERS,
                           qualifier_names=qualifier_labels()), (400 if errors else 200)


@bp.route("/verify/extract", methods=["GET", "POST"])
def extract():
    """Paste a report: the figures found in it, which can then be saved as claims."""
    svc = services()
    lang = current_language()
    text, year_raw, source = "", "", ""
    found: list[Claim] = []
    errors: list[str] = []
    saved = 0
    if request.method == "POST" and (problem := csrf_problem()):
        errors.append(problem)
    elif request.method == "POST":
        text = request.form.get("text") or ""
        year_raw = (request.form.get("year") or "").strip()
        source = (request.form.get("source") or "").strip()[:500]
        year = None
        if year_raw:
            if year_raw.isdigit() and 1900 <= int(year_raw) <= 2100:
                year = int(year_raw)
            else:
                errors.append(_("Year '%(value)s' is not a year.", value=year_raw))
        if not text.strip():
            errors.append(_("Paste the text of a report first."))
        if not errors:
            try:
                found = extract_claims(text, svc.catalogue, year=year, source=source or _("pasted report"))
            except ClaimError as exc:
                errors.append(str(exc))
        if found and request.form.get("action") == "save" and not errors:
            user = current_user()
            if user is None or user["role"] not in CLAIM_WRITERS:
                errors.append(_("Only officials can save claims: log in as an official."))
            elif any(c.year is None for c in found):
                errors.append(_("The text names no year: give the year of the figures."))
            else:
                saved = len(save_claims(svc.store, found))
                return redirect(url_for("verify.page", year=found[0].year, saved=saved), code=303)
    rows = [{"layers_text": layers_label(svc.catalogue, c.layers, lang), "layers": ",".join(c.layers),
             "value": c.value, "unit_text": _("km") if c.unit == "km" else _("count"),
             "qualifier_text": qualifier_labels()[c.qualifier],
             "district_text": district_label(svc.catalogue, c.district, lang), "year": c.year, "quote": c.quote}
            for c in found]
    return render_template("verify_extract.html", text=text, year=year_raw, source=source, rows=rows,
                           errors=errors, posted=request.method == "POST"), (400 if errors else 200)

