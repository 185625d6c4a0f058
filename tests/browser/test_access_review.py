"""An access review in a real browser: Playwright driving Debian's Chromium against a real
`soxtrail serve` over the access review workspace (identity snapshots ingested through the
real adapters; see tests/access_review_support.py). A reviewer signs in, opens the campaign
and decides an account assigned to them; accounts assigned to others offer no form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from soxtrail.services import access_review as service
from tests.access_review_support import (
    ALICE,
    BOB,
    PASSWORD,
    STARTED,
    add_users,
    build_workspace,
)
from tests.browser.test_dashboard import ARGS, CHROMIUM, LAPTOP, SHOTS, shot
from tests.interfaces.server.processes import ServerProcess
from tests.interfaces.server.support import SettableClock

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def campaign_and_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    root: Path = tmp_path_factory.mktemp("access-browser") / "ws"
    ws = build_workspace(root)
    clock = SettableClock(STARTED)
    add_users(ws, clock)
    campaign = service.start_campaign(
        ws.db,
        ws.config,
        period="2026-Q3",
        system_name="billing",
        actor="dave@acme.example",
        signer=ws.signer,
        clock=clock,
    )
    ws.close()
    with ServerProcess(root / "soxtrail.toml") as server:
        yield campaign.id, server.url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


def sign_in(browser: object, url: str, name: str) -> object:
    context = browser.new_context(viewport=LAPTOP, base_url=url)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto("/access-reviews")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/access-reviews")
    return page


def test_a_reviewer_decides_an_account_assigned_to_them(
    browser: object, campaign_and_server: tuple[str, str]
) -> None:
    campaign, url = campaign_and_server
    page = sign_in(browser, url, "carol@acme.example")
    assert page.get_by_role("link", name="Access reviews").get_attribute("aria-current") == "page"  # type: ignore[attr-defined]
    assert page.get_by_role("button", name="Start campaign").count() == 0  # type: ignore[attr-defined]
    page.get_by_role("link", name=campaign).click()  # type: ignore[attr-defined]
    assert page.get_by_role(
        "heading", name=f"Access review {campaign} · billing · 2026-Q3"
    ).is_visible()  # type: ignore[attr-defined]

    bob = page.get_by_role("article", name=BOB)  # type: ignore[attr-defined]
    assert bob.get_by_role("button", name="Record decision").count() == 0
    assert "Awaiting dave@acme.example" in bob.inner_text()

    alice = page.get_by_role("article", name=ALICE)  # type: ignore[attr-defined]
    alice.get_by_label("Revoke").check()
    alice.get_by_label("Reason").fill(
        "Moved to the payments team in June; no longer needs billing."
    )
    shot(page, "20-access-review-to-decide")
    alice.get_by_role("button", name="Record decision").click()

    assert f"Decision on {ALICE} recorded" in page.get_by_role("status").inner_text()  # type: ignore[attr-defined]
    alice = page.get_by_role("article", name=ALICE)  # type: ignore[attr-defined]
    text = alice.inner_text()
    assert "revoke by carol@acme.example" in text and "Moved to the payments team" in text
    assert "no identity snapshot since the decision yet" in text
    assert alice.locator(".evidence-ref a").count() == 1  # the decision's inclusion proof
    shot(page, "21-access-review-decided")


def test_closing_with_undecided_accounts_is_refused_on_the_page(
    browser: object, campaign_and_server: tuple[str, str]
) -> None:
    campaign, url = campaign_and_server
    page = sign_in(browser, url, "dave@acme.example")
    page.goto(f"/access-reviews/{campaign}")  # type: ignore[attr-defined]
    page.get_by_role("button", name=f"Close {campaign}").click()  # type: ignore[attr-defined]
    alert = page.get_by_role("alert").inner_text()  # type: ignore[attr-defined]
    assert f"campaign {campaign} cannot close" in alert and "undecided" in alert
    assert "open" in page.locator("dl.kv").first.inner_text()  # type: ignore[attr-defined]
