"""Write the validation report: a self-contained Data Docs page and a JSON summary.

The stock Data Docs pages of Great Expectations load Bootstrap, jQuery and
Font Awesome from CDNs, so they render unstyled or broken without network
access. This page reuses Great Expectations' renderers and section
templates for the per-frame detail, but its own page template embeds the
stylesheet and loads nothing from elsewhere.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clrec.validation.ge_runner import FrameRun, spec_index
from clrec.validation.result import ExpectationFailure, SkippedExpectation, ValidationResult

logger = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
REPORT_FILE = "report.html"
SUMMARY_FILE = "validation.json"

# <script src=...>, <link href=...> and <img src=...> that point off the page.
_EXTERNAL_ASSET = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script\s*>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>"
    r"|<img\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>",
    re.IGNORECASE,
)
# Links to the other pages of a Data Docs site, which this single page lacks.
_SITE_LINK = re.compile(r"<a\s+href=\"(?:\.\./)+[^\"]*\.html\"\s*>(.*?)</a>", re.DOTALL)
_EXTERNAL_URL = re.compile(r"(?:src|href)\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)", re.IGNORECASE)


@dataclass(frozen=True)
class ReportContext:
    """Page content besides the frame runs."""

    stage: str
    inputs: list[tuple[str, Path]]
    failures: list[ExpectationFailure]
    skipped: list[SkippedExpectation]
    evaluated: int
    success: bool


def external_asset_urls(html: str) -> list[str]:
    """Return the URLs of stylesheets, scripts and images that `html` loads from the network."""
    urls = []
    for match in _EXTERNAL_ASSET.finditer(html):
        found = _EXTERNAL_URL.search(match.group(0))
        if found:
            urls.append(found.group(1))
    return urls


def strip_external_assets(html: str) -> str:
    """Remove every stylesheet, script and image tag that loads from the network."""
    return _EXTERNAL_ASSET.sub("", html)


def _status(passed: bool | None) -> tuple[str, str]:
    if passed is None:
        return "not built", "failed"
    return ("passed", "passed") if passed else ("failed", "failed")


def _rendered_sections(run: FrameRun) -> tuple[list[dict[str, Any]], str | None]:
    """Render one frame's Great Expectations result into Data Docs sections."""
    from great_expectations.exceptions import GreatExpectationsError
    from great_expectations.render.renderer import ValidationResultsPageRenderer

    if run.result is None:
        return [], None
    try:
        document = ValidationResultsPageRenderer().render(run.result)
    except (GreatExpectationsError, TypeError, ValueError, KeyError) as error:
        logger.warning("could not render the Data Docs detail of %s: %s", run.name, error)
        return [], str(error)
    return document.to_json_dict()["sections"], None


def _expectation_rows(run: FrameRun) -> list[dict[str, Any]]:
    outcomes: dict[int, bool] = {}
    if run.result is not None:
        for result in run.result.results:
            outcomes[spec_index(result)] = bool(result.success)
    rows = []
    for index, spec in enumerate(run.specs):
        status, status_class = _status(outcomes.get(index) if run.unavailable is None else None)
        rows.append(
            {
                "status": status,
                "status_class": status_class,
                "expectation": spec.type,
                "column": spec.column,
                "guards": spec.guards,
            }
        )
    for skip in run.skipped:
        rows.append(
            {
                "status": "skipped",
                "status_class": "skipped",
                "expectation": skip.expectation,
                "column": skip.column,
                "guards": skip.reason,
            }
        )
    return rows


def _frame_view(run: FrameRun) -> dict[str, Any]:
    if run.unavailable is not None:
        status, status_class = _status(None)
    elif run.result is None:
        status, status_class = ("skipped", "skipped") if run.skipped else ("empty", "skipped")
    else:
        status, status_class = _status(bool(run.result.success))
    sections, render_error = _rendered_sections(run)
    return {
        "anchor": "frame-" + re.sub(r"[^a-z0-9]+", "-", run.name.lower()),
        "title": run.name,
        "description": run.description,
        "status": status,
        "status_class": status_class,
        "unavailable": run.unavailable,
        "expectations": _expectation_rows(run),
        "sections": sections,
        "render_error": render_error,
    }


def render_report(context: ReportContext, runs: list[FrameRun]) -> str:
    """Render the report page as one HTML string that needs no network."""
    from great_expectations import __version__ as gx_version
    from great_expectations.render.view import DefaultJinjaPageView

    view = DefaultJinjaPageView(custom_views_directory=str(TEMPLATES_DIR))
    template = view.env.get_template("report_page.html")
    html = template.render(
        stage=context.stage,
        success=context.success,
        evaluated=context.evaluated,
        failures=context.failures,
        skipped=context.skipped,
        inputs=[(name, str(path)) for name, path in context.inputs],
        generated_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        gx_version=gx_version,
        stylesheet=(TEMPLATES_DIR / "report.css").read_text(encoding="utf-8"),
        frames=[_frame_view(run) for run in runs],
        renderer_type="ValidationResultsPageRenderer",
    )
    html = _SITE_LINK.sub(r"\1", html)
    removed = external_asset_urls(html)
    if removed:
        # The section templates may gain CDN tags in a later Great Expectations release.
        logger.debug("removed %d external asset tags from the report", len(removed))
        html = strip_external_assets(html)
    return html


def write_report(report_dir: Path, context: ReportContext, runs: list[FrameRun]) -> ValidationResult:
    """Write report.html and validation.json to `report_dir` and return the result."""
    report_dir.mkdir(parents=True, exist_ok=True)
    report_path = report_dir / REPORT_FILE
    report_path.write_text(render_report(context, runs), encoding="utf-8")
    result = ValidationResult(
        stage=context.stage,
        success=context.success,
        failures=context.failures,
        report_html=report_path,
        skipped=context.skipped,
        evaluated=context.evaluated,
    )
    (report_dir / SUMMARY_FILE).write_text(
        json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8"
    )
    return result
