"""The HTML report: self-contained, with the failures and the Data Docs detail."""

from __future__ import annotations

import html
import re

import pytest

from clrec.config import load_config_text
from clrec.validation import validate_preprocessed
from clrec.validation.report import external_asset_urls, strip_external_assets
from tests.validation.fixtures import (
    NUM_ITEMS,
    USER_LENGTHS,
    events_from_lengths,
    tables_from_events,
    write_preprocess_output,
)

# Any stylesheet, script, image or CSS url() that would be fetched over the network.
NETWORK_ASSET = re.compile(
    r"<link\b[^>]*href=[\"']?(https?:)?//"
    r"|<script\b[^>]*src=[\"']?(https?:)?//"
    r"|<img\b[^>]*src=[\"']?(https?:)?//"
    r"|url\(\s*[\"']?(https?:)?//"
    r"|@import\s+[\"']?(https?:)?//",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def failed_report(tmp_path_factory):
    """One failed validation (a negative item id), shared by the tests of this module."""
    tables = tables_from_events(events_from_lengths(USER_LENGTHS), NUM_ITEMS)
    tables["events"].loc[0, "item_idx"] = -3
    directory = write_preprocess_output(tables, tmp_path_factory.mktemp("preprocessed"))
    report_dir = tmp_path_factory.mktemp("report")
    result = validate_preprocessed(load_config_text(""), directory, report_dir)
    return result, result.report_html.read_text(encoding="utf-8")


def test_report_loads_nothing_remote(failed_report):
    _, page = failed_report
    assert NETWORK_ASSET.search(page) is None


def test_report_embeds_stylesheet(failed_report):
    _, page = failed_report
    assert "<style>" in page
    assert ".clrec-header" in page


def test_report_lists_failures(failed_report):
    result, page = failed_report
    text = html.unescape(page)
    assert "Validation of the preprocessed data:" in text
    for failure in result.failures:
        assert failure.observed in text
        assert failure.threshold in text
        assert failure.guards in text


def test_report_has_data_docs_detail(failed_report):
    _, page = failed_report
    # Great Expectations' section template renders each frame's result.
    assert 'class="ge-section' in page
    assert "Expectation Suite:" in page


def test_report_links_stay_on_page(failed_report):
    _, page = failed_report
    links = re.findall(r"href=\"([^\"]+)\"", page)
    assert links
    assert all(link.startswith("#") for link in links)


def test_strip_removes_cdn_tags():
    page = (
        '<head><link rel="stylesheet" href="https://cdn.example/bootstrap.css">'
        '<script src="//cdn.example/jquery.js"></script><style>p {}</style></head>'
        '<body><img src="https://cdn.example/logo.png"><a href="https://example.org">x</a></body>'
    )
    assert external_asset_urls(page) == [
        "https://cdn.example/bootstrap.css",
        "//cdn.example/jquery.js",
        "https://cdn.example/logo.png",
    ]
    stripped = strip_external_assets(page)
    assert external_asset_urls(stripped) == []
    assert "<style>p {}</style>" in stripped
    # Plain links are not loaded by the browser, so they stay.
    assert '<a href="https://example.org">x</a>' in stripped
