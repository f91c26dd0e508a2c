"""The HTML evaluation report: every metric, the gate decision and the popularity plot."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import jinja2

TEMPLATE_PACKAGE = "clrec.evaluate"
TEMPLATE_NAME = "report.html"


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _table(columns: dict[str, dict], names: list[str]) -> dict:
    """Lay out metric dictionaries as rows (metric names) by columns (splits or models)."""
    rows = []
    for name in names:
        values = [_format(column.get(name, "")) for column in columns.values()]
        rows.append({"name": name, "cells": values})
    return {"columns": list(columns), "rows": rows}


def render_report(metrics: dict, gate: dict, plot_path: Path, model_dir: Path) -> str:
    """Render the report as one self-contained HTML page (the PNG is embedded)."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader(TEMPLATE_PACKAGE, "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template(TEMPLATE_NAME)

    full_columns = {split: values for split, values in metrics["full_corpus"].items()}
    bias_columns = {split: values for split, values in metrics["bias"].items()}
    production = metrics.get("production")
    if production:
        full_columns[f"production {production['version']} (test)"] = production["test"]
        bias_columns[f"production {production['version']} (test)"] = production["bias"]
    full_names = list(next(iter(metrics["full_corpus"].values())).keys())
    bias_names = list(next(iter(metrics["bias"].values())).keys())

    return template.render(
        model_dir=str(model_dir),
        generated_at=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        gate=gate,
        settings=metrics["settings"],
        full_corpus=_table(full_columns, full_names),
        sampled=metrics.get("sampled"),
        bias=_table(bias_columns, bias_names),
        buckets=metrics["popularity_buckets"],
        users=metrics["users"],
        plot_base64=base64.b64encode(plot_path.read_bytes()).decode("ascii"),
    )


def write_report(metrics: dict, gate: dict, plot_path: Path, model_dir: Path, path: Path) -> Path:
    """Write the HTML report to `path`."""
    path.write_text(render_report(metrics, gate, plot_path, model_dir), encoding="utf-8")
    return path
