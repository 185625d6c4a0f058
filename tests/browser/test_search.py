"""The search page in a real browser: Playwright driving Debian's Chromium against a real
`soxtrail serve` process over a store holding the CloudTrail corpus."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from soxtrail.services.ingest import ingest
from soxtrail.services.keys import load_signer
from soxtrail.sources.framing import InputSource
from soxtrail.sources.registry import get_adapter
from soxtrail.store.database import Database
from tests.browser.test_dashboard import ARGS, CHROMIUM, LAPTOP, SHOTS, shot
from tests.helpers import corpus
from tests.interfaces.server.processes import ServerProcess
from tests.interfaces.server.support import PASSWORD, PEOPLE, Store, build_store

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = build_store(tmp_path_factory.mktemp("browser-search") / "ws")
    db = Database(store.config.store_url)
    try:
        ingest(
            db,
            get_adapter("cloudtrail"),
            [InputSource(str(corpus("aws-cloudtrail/stratus-red-team")))],
            signer=load_signer(store.config.key_file, store.config.origin),
            origin=store.config.origin,
            clock=lambda: datetime(2026, 7, 15, tzinfo=UTC),
        )
    finally:
        db.dispose()
    return store


@pytest.fixture(scope="module")
def server(scenario: Store) -> Iterator[ServerProcess]:
    with ServerProcess(scenario.root / "soxtrail.toml") as process:
        yield process


@pytest.fixture(scope="module")
def page(server: ServerProcess) -> Iterator[object]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport=LAPTOP, base_url=server.url)
        page = context.new_page()
        page.goto("/")
        page.get_by_label("User name").fill(PEOPLE["auditor"])
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.url}/")
        yield page
        context.close()
        browser.close()


def test_search_a_person_on_a_day_and_open_a_hits_proof(page: object) -> None:
    p: Any = page
    p.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    p.wait_for_url("**/search")
    p.get_by_label("Actor").fill("christophe")
    p.get_by_label("Day").fill("2024-08-01")
    p.get_by_role("button", name="Search").click()
    p.wait_for_url("**/search?*")
    rows = p.locator("table.hits tbody tr")
    assert rows.count() == 9
    assert all("christophe" in rows.nth(i).inner_text() for i in range(rows.count()))
    assert p.get_by_role("heading", name="9 hits · 2024-08-01").is_visible()
    shot(p, "20-search")
    rows.first.get_by_role("link", name="raw document").click()
    assert p.get_by_role("heading", name="Inclusion proof").is_visible()
    entry = p.get_by_role("region", name="Ledger entry").locator("dl.kv").inner_text()
    assert '"type":"raw_document"' in entry.replace(" ", "")
    raw = p.get_by_role("region", name="The raw document")
    assert "cloudtrail" in raw.locator("dl.kv").inner_text()
    digest = p.url.rsplit("/", 1)[1]
    with p.expect_download() as download:
        raw.get_by_role("link", name="Download the stored document").click()
    stored = Path(download.value.path()).read_bytes()
    # The download is the very bytes the ledger entry names.
    assert hashlib.sha256(stored).hexdigest() == digest
    p.go_back()
    p.locator("table.hits tbody tr").first.get_by_role("link").first.click()
    assert p.get_by_role("heading", name="The record").is_visible()


def test_a_bad_day_is_explained_in_the_page(page: object) -> None:
    p: Any = page
    p.goto("/search")
    p.get_by_label("Actor").fill("christophe")
    p.get_by_label("Day").fill("2024-02-30")
    p.get_by_role("button", name="Search").click()
    assert "day is out of range for month" in p.get_by_role("alert").inner_text()
