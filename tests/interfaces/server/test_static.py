"""The vendored front-end files are the ones NOTICE.md names (digests), served locally."""

from __future__ import annotations

import hashlib
import re

from fastapi.testclient import TestClient

from soxtrail.interfaces.server.web import STATIC_DIR, TEMPLATES_DIR

NOTICE = STATIC_DIR / "vendor" / "NOTICE.md"


def test_vendored_files_match_their_recorded_digests() -> None:
    rows = re.findall(
        r"^\| `([^`]+)` \| `([^`]+)` \| ([^|]+) \| ([^|]+) \| `([0-9a-f]{64})` \|$",
        NOTICE.read_text(),
        re.M,
    )
    assert {r[0] for r in rows} == {"chart.umd.min.js", "htmx.min.js"}
    for name, _package, _version, _license, digest in rows:
        assert hashlib.sha256((STATIC_DIR / "vendor" / name).read_bytes()).hexdigest() == digest, (
            name
        )


def test_no_page_loads_anything_from_another_host() -> None:
    for template in TEMPLATES_DIR.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"""(src|href)=["']https?://""", text), template.name


def test_static_files_are_served(api: TestClient) -> None:
    response = api.get("/static/vendor/chart.umd.min.js")
    assert response.status_code == 200 and "Chart.js v4" in response.text[:200]
    assert api.get("/static/app.css").status_code == 200
