"""The dashboard in a real browser: Playwright driving Debian's Chromium against a real
`soxtrail serve` process over a scenario store. Screenshots of each page are saved under
`test-artifacts/screenshots/` (look at them when a page changes)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT
from tests.interfaces.server.processes import ServerProcess
from tests.interfaces.server.support import PASSWORD, PEOPLE, Store, build_store, free_port

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
LAPTOP = {"width": 1366, "height": 768}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return build_store(tmp_path_factory.mktemp("browser") / "ws")


@pytest.fixture(scope="module")
def server(scenario: Store) -> Iterator[ServerProcess]:
    with ServerProcess(scenario.root / "soxtrail.toml") as process:
        yield process


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page_for(browser: object, server: ServerProcess) -> Iterator[object]:
    contexts = []

    def open_as(role: str) -> object:
        context = browser.new_context(viewport=LAPTOP, base_url=server.url)  # type: ignore[attr-defined]
        contexts.append(context)
        page = context.new_page()
        page.goto("/")
        assert "/login" in page.url
        page.get_by_label("User name").fill(PEOPLE[role])
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def shot(page: object, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_sign_in_page(browser: object, server: ServerProcess) -> None:
    context = browser.new_context(viewport=LAPTOP, base_url=server.url)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto("/waivers")
    assert page.url.endswith("/login?next=%2Fwaivers")
    shot(page, "01-sign-in")
    page.get_by_label("User name").fill(PEOPLE["auditor"])
    page.get_by_label("Password").fill("not the password!")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong user name or password."
    context.close()


def test_overview_of_the_scenario(page_for: object) -> None:
    page = page_for("compliance")  # type: ignore[operator]
    assert page.get_by_role("heading", name="Posture per system").is_visible()
    billing = page.get_by_role("article", name="billing")
    assert billing.locator(".counts .r-fail").inner_text() != "0"
    assert page.evaluate("Chart.getChart('gate-chart') !== undefined"), "the chart is drawn"
    table = page.locator("#gate-h ~ table")
    assert table.get_by_text("deny").count() >= 1 and table.get_by_text("allow").count() >= 1
    assert "none yet" not in page.locator("#ledger-h ~ dl").inner_text()
    shot(page, "02-overview")


def test_keyboard_reaches_the_skip_link_first_with_a_visible_focus(page_for: object) -> None:
    page = page_for("auditor")  # type: ignore[operator]
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "A"


def test_drill_into_a_failing_control(page_for: object) -> None:
    page = page_for("auditor")  # type: ignore[operator]
    page.get_by_role("link", name="Controls for demo of billing").click()
    assert page.get_by_role("heading", name="billing · demo").is_visible()
    shot(page, "03-controls")
    page.get_by_role("link", name="CM-02", exact=True).click()
    assert page.get_by_role("heading", name="Failing subjects (1)").is_visible()
    row = page.get_by_role("row").filter(has_text="acme/billing#102")
    assert row.get_by_text("Fail").is_visible()
    assert "approval" in row.locator(".reasons").inner_text()
    shot(page, "04-control-drill-down")


def test_open_a_change_trace_and_its_proof(page_for: object) -> None:
    page = page_for("auditor")  # type: ignore[operator]
    page.get_by_role("link", name="Changes").click()
    page.get_by_role("link", name="acme/billing#101").click()
    assert page.get_by_role(
        "heading", name="acme/billing#101 · Post ledger entries in batches"
    ).is_visible()
    timeline = page.get_by_role("list", name="Trace from production back to the ticket")
    for kind in (
        "Deployment",
        "Verification of the merge commit",
        "Commits",
        "Reviews",
        "Pull request",
        "Ticket",
    ):
        assert timeline.get_by_text(kind, exact=False).first.is_visible()
    assert "FIN-101" in timeline.inner_text() and "carol@acme.example" in timeline.inner_text()
    shot(page, "05-change-trace")
    page.locator(".evidence-ref a").first.click()
    assert (
        page.get_by_role("heading", name="Inclusion proof").first.is_visible()
        or "Inclusion proof" in page.title()
    )
    assert "Signed checkpoint" in page.content()
    shot(page, "06-inclusion-proof")


def test_request_a_waiver_and_approve_it_as_another_person(page_for: object) -> None:
    engineer = page_for("engineer")  # type: ignore[operator]
    engineer.goto("/controls/CM-02?period=demo&system=billing")
    engineer.get_by_role("link", name="Request waiver for acme/billing#102").click()
    assert engineer.get_by_label("Subject").input_value() == "acme/billing#102"
    engineer.get_by_label("Reason").fill(
        "Emergency fix reviewed by two people after the merge (INC-7)."
    )
    engineer.get_by_label("Last day it applies").fill("2099-03-31")
    engineer.get_by_role("button", name="Request waiver").click()
    status = engineer.get_by_role("status").inner_text()
    assert "requested" in status
    waiver_id = status.split()[1]
    shot(engineer, "07-waiver-requested")
    approver = page_for("approver")  # type: ignore[operator]
    approver.goto("/waivers")
    card = approver.locator(f"#w-{waiver_id}")
    card.get_by_label("Decision note").fill("Compensating review is in INC-7.")
    shot(approver, "08-waiver-to-approve")
    card.get_by_role("button", name=f"Approve {waiver_id}").click()
    assert "recorded" in approver.get_by_role("status").inner_text()
    row = approver.locator(f"tr#w-{waiver_id}")
    assert "approved" in row.inner_text() and PEOPLE["approver"] in row.inner_text()
    shot(approver, "09-waiver-approved")


def test_nobody_approves_their_own_waiver(page_for: object) -> None:
    compliance = page_for("compliance")  # type: ignore[operator]
    compliance.goto("/waivers")
    compliance.get_by_label("Control", exact=True).select_option("CM-04")
    compliance.get_by_label("Subject").fill("acme/billing@deadbeef")
    compliance.get_by_label("Reason").fill("Tests re-run manually; see the attached report.")
    compliance.get_by_label("Last day it applies").fill("2099-01-31")
    compliance.get_by_role("button", name="Request waiver").click()
    waiver_id = compliance.get_by_role("status").inner_text().split()[1]
    card = compliance.locator(f"#w-{waiver_id}")
    assert "You requested this waiver" in card.inner_text()
    card.get_by_role("button", name=f"Approve {waiver_id}").click()
    alert = compliance.get_by_role("alert").inner_text()
    assert f"requested waiver {waiver_id} and cannot approve it" in alert
    assert "requested" in compliance.locator(f"#w-{waiver_id}").inner_text()
    shot(compliance, "10-self-approval-refused")


def test_an_auditor_writes_an_evidence_pack_and_opens_the_report(page_for: object) -> None:
    auditor = page_for("auditor")  # type: ignore[operator]
    auditor.get_by_role("link", name="Evidence packs").click()
    auditor.get_by_label("Period").select_option("demo")
    auditor.get_by_label("Sample seed").fill("bob-fy26")
    auditor.get_by_role("button", name="Write evidence pack").click()
    assert "being written" in auditor.get_by_role("status").inner_text()
    # The page refreshes itself every 3 s while the pack is written.
    report_link = auditor.get_by_role("link", name="report.html")
    report_link.wait_for(timeout=180_000)
    assert "is ready below" in auditor.get_by_role("status").inner_text()
    card = auditor.locator("article").first
    assert "done" in card.inner_text() and "bob-fy26" in card.inner_text()
    assert card.get_by_role("link", name="report.pdf").is_visible()
    shot(auditor, "12-evidence-packs")
    report_link.click()
    auditor.wait_for_url("**/files/report.html")
    assert auditor.get_by_role("heading", name="Evidence pack", exact=True).is_visible()
    shot(auditor, "13-evidence-pack-report")


def test_single_sign_on_in_the_browser(browser: object, scenario: Store) -> None:
    """OIDC code flow with PKCE against the fake provider, through a real browser."""
    from tests.interfaces.server.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOidcProvider

    port = free_port()
    with FakeOidcProvider() as provider:
        provider.next_user = {
            "sub": "okta|carol",
            "email": PEOPLE["approver"],
            "email_verified": True,
        }
        config = scenario.root / "soxtrail-sso.toml"
        config.write_text(
            (scenario.root / "soxtrail.toml").read_text()
            + "\n[server]\n"
            + f'public_url = "http://127.0.0.1:{port}"\n'
            + f'oidc_issuer = "{provider.issuer}"\n'
            + f'oidc_client_id = "{CLIENT_ID}"\n'
            + "password_login = false\n"
        )
        env = {"SOXTRAIL_OIDC_CLIENT_SECRET": CLIENT_SECRET}
        with ServerProcess(config, port=port, extra_env=env) as sso_server:
            context = browser.new_context(viewport=LAPTOP, base_url=sso_server.url)  # type: ignore[attr-defined]
            page = context.new_page()
            page.goto("/changes")
            assert page.get_by_label("Password").count() == 0, "password sign-in is off"
            shot(page, "11-sign-in-sso")
            page.get_by_role("link", name="Sign in with single sign-on").click()
            page.wait_for_url(f"{sso_server.url}/changes")
            assert page.get_by_role("heading", name="Changes").is_visible()
            assert PEOPLE["approver"] in page.locator("header").inner_text()
            assert provider.token_requests[-1]["code_verifier"]
            context.close()


def test_screenshots_exist() -> None:
    names = {p.name for p in SHOTS.glob("*.png")}
    assert {"02-overview.png", "04-control-drill-down.png", "05-change-trace.png"} <= names
    assert shutil.disk_usage(SHOTS).free > 0
