"""Commands ``geoworks claims FILE`` (find claims in a report, or read a claims CSV) and ``geoworks verify``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pandas as pd

from geoworks.catalogue import default_catalogue
from geoworks.cli.output import fail, open_configured_store
from geoworks.config import load_config, number
from geoworks.storage import open_store


def _read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    p = Path(path)
    if not p.is_file():
        fail(f"{path}: no such file")
    data = p.read_bytes()
    for enc in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    fail(f"{path}: not a text file (UTF-8 or Windows-1251)")
    return ""


def _found_claims(file: str, year: int | None, source: str):
    """Claims in FILE: a claims CSV (*.csv) or report text."""
    from geoworks.verify.claims import ClaimError, extract_claims, read_claims_csv

    cat = default_catalogue()
    text = _read_text(file)
    try:
        if file.lower().endswith(".csv"):
            return read_claims_csv(text, cat, default_year=year)
        return extract_claims(text, cat, year=year, source=source)
    except ClaimError as exc:
        fail(f"{file}: {exc}")
        return []


def _echo_claims(found: list, fmt: str) -> None:
    from geoworks.verify.service import claim_record

    if fmt == "json":
        click.echo(json.dumps([claim_record(c) for c in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("(no claims found)")
        return
    df = pd.DataFrame(
        [
            {
                "year": c.year,
                "layers": ",".join(c.layers),
                "value": c.value,
                "unit": c.unit,
                "qualifier": c.qualifier,
                "district": c.district or "city",
                "quote": c.quote if len(c.quote) <= 60 else c.quote[:57] + "...",
            }
            for c in found
        ]
    )
    click.echo(df.to_string(index=False))


@click.command("claims")
@click.argument("file")
@click.option("--year", type=int, help="Year the figures are for (default: the year the text names most).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--source", default="", help="Source document to record with each claim (default: the file name).")
@click.option("--save", is_flag=True, help="Store the claims found in the claims table.")
def claims_command(file: str, year: int | None, fmt: str, source: str, save: bool) -> None:
    """Find reported figures in report text FILE (kk/ru/en; '-' for stdin), or read a claims CSV (*.csv)."""
    from geoworks.verify.claims import save_claims
    from geoworks.verify.service import save_problem

    found = _found_claims(file, year, source or (Path(file).name if file != "-" else "stdin"))
    if save:
        problem = save_problem(found)
        if problem == "no_claims":
            fail(f"{file}: no claims found, nothing saved")
        if problem == "no_year":
            fail("no year for the claims: give --year")
        found = save_claims(open_configured_store(), found)
    _echo_claims(found, fmt)
    if save and fmt != "json" and found:
        click.echo(f"\n{len(found)} claims saved")


def _echo_checks(checks: list, tol: float, fmt: str) -> None:
    from geoworks.verify.checks import checks_frame
    from geoworks.verify.service import checks_records

    table = checks_frame(checks)
    if fmt == "csv":
        click.echo(table.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(json.dumps({"tolerance_pct": tol, "claims": checks_records(table)}, ensure_ascii=False, indent=2))
    else:
        cols = [
            "year",
            "layers",
            "district",
            "qualifier",
            "claimed",
            "unit",
            "measured",
            "feature_km",
            "difference",
            "percent",
            "status",
            "overlaps",
            "overlap_km",
        ]
        click.echo(
            f"tolerance {tol:g} %; measured = network km (overlaps counted once) or count, "
            "of the works completed in the claim's year"
        )
        click.echo(table[cols].to_string(index=False))


@click.command("verify")
@click.option("--year", type=int, help="Year of the claims (default: every year with claims).")
@click.option("--district", help="Only claims on this district (slug or name); 'city' for whole-city claims.")
@click.option("--tolerance", default=None, help="Tolerance in percent (default: GEOWORKS_TOLERANCE_PCT, 2).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--overlaps", "show_overlaps", is_flag=True, help="Also list overlapping stretches per layer.")
def verify_command(
    year: int | None, district: str | None, tolerance: str | None, fmt: str, show_overlaps: bool
) -> None:
    """Reported vs measured: each stored claim with the measured value, the difference and a status."""
    from geoworks.verify.checks import VerifyError, check_tolerance, overlaps_summary, verify_claims
    from geoworks.verify.service import select_claims, year_overlaps

    cfg = load_config()
    cat = default_catalogue()
    try:
        tol = check_tolerance(number(cfg, "GEOWORKS_TOLERANCE_PCT") if tolerance is None else tolerance)
    except VerifyError as exc:
        fail(str(exc))
    store = open_store(cfg)
    if store.is_empty():
        fail(f"the store is empty ({store.describe()}); run 'geoworks demo' or import data first")
    slug = None
    if district:
        slug = "city" if district.casefold() == "city" else cat.district_slug(district)
        if slug is None:
            fail(f"unknown district '{district}'; known: city, {', '.join(cat.districts)}")
    claims = select_claims(store, year, slug)
    if not claims:
        fail("no claims" + (f" for {year}" if year else "") + "; add some with 'geoworks claims FILE --save'")
    _echo_checks(verify_claims(store, cat, claims, tol), tol, fmt)
    if show_overlaps and fmt == "table":
        for y in sorted({c.year for c in claims if c.year}):
            ov = year_overlaps(store, cat, y)
            click.echo(f"\noverlapping stretches of {y} (counted once in network km):")
            click.echo(overlaps_summary(ov).to_string(index=False) if len(ov) else "(none)")


def register(main: click.Group) -> None:
    """Add the verification commands to the geoworks CLI."""
    main.add_command(claims_command)
    main.add_command(verify_command)
