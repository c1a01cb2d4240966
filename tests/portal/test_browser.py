"""End-to-end: headless Chromium (Debian's) driven by Playwright against the live server.

Set WALKRX_SCREENSHOTS=1 to save phone-width screenshots of each page to docs/.
Without /usr/bin/chromium these tests fail; WALKRX_SKIP_BROWSER=1 skips them locally.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from clinic.timezones import week_start
from patients.models import PainCheckIn
from patients.services import patient_today
from programs.models import TargetChange, WalkLog
from programs.services import program_set_target
from tests.factories import (
    DEFAULT_PASSWORD,
    LessonAssignmentFactory,
    LessonFactory,
    PainCheckInFactory,
    PatientFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 812}
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
DOCS = Path(__file__).resolve().parents[2] / "docs"
NETWORK_MESSAGE = "Couldn't reach WalkRx — check your connection and tap Save again."


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("WALKRX_SKIP_BROWSER") == "1":
            pytest.skip("WALKRX_SKIP_BROWSER=1 and no /usr/bin/chromium")
        pytest.fail("Browser tests need Debian's chromium (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the live server's ORM calls are still sync.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(10_000)
    # axe-core is injected through the browser's devtools, which the portal's
    # Content-Security-Policy (script-src 'self') rightly does not allow for inline scripts.
    context.add_init_script(script=AXE)
    page = context.new_page()
    csp_violations = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert csp_violations == [], csp_violations


def check_page(page, name: str, *, screenshot: bool = True) -> None:
    """No serious or critical axe-core violations; optionally save a screenshot."""
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"accessibility violations on {name}: {serious}"
    if screenshot and os.environ.get("WALKRX_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / f"portal-{name}.png"), full_page=True)


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/portal/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def choose(page, group: str, option: str) -> None:
    page.get_by_role("group", name=group).get_by_label(option, exact=True).check()


def add_history(patient) -> None:
    """Seven weeks before this one: a progression, most walks done, pain easing."""
    today = patient_today(patient=patient)
    monday = week_start(today)
    program = WalkingProgramFactory(
        patient=patient,
        sessions_per_day=2,
        minutes_per_session=10,
        start_date=monday - timedelta(weeks=7),
    )
    program_set_target(
        program=program,
        sessions_per_day=2,
        minutes_per_session=12,
        effective_on=monday - timedelta(weeks=3),
        reason=TargetChange.Reason.PROGRESSED,
    )
    tz = ZoneInfo(patient.timezone)
    for offset in range(7 * 7, 0, -1):
        day = monday - timedelta(days=offset)
        if offset % 7 in (2, 5) and offset > 21:
            continue  # a couple of missed days a week early on
        minutes = 10 if offset > 21 else 12
        for hour in (9, 17):
            started = datetime.combine(day, time(hour), tzinfo=tz)
            WalkLogFactory(
                patient=patient,
                program=program,
                started_at=started,
                local_date=day,
                duration_minutes=minutes,
                pain_before=3,
                pain_after=2,
            )
        if offset % 7 == 3:
            PainCheckInFactory(patient=patient, date=day, score=max(2, 6 - (49 - offset) // 10))


def test_it_takes_a_patient_through_the_portal(page, live_server):
    patient = PatientFactory(onboarded_at=None, timezone="Europe/London")
    add_history(patient)
    lesson = LessonFactory(title="Your flare-up plan", summary="What to do when your back flares.")
    LessonAssignmentFactory(patient=patient, lesson=lesson)

    page.goto(f"{live_server.url}/portal/")
    assert page.get_by_role("heading", name="Sign in").is_visible()
    check_page(page, "sign-in")
    sign_in(page, live_server, patient.user.username)

    # The first-time screen: warning signs, then the program explained.
    page.get_by_role("heading", name="Before you walk: warning signs").wait_for()
    check_page(page, "warning-signs")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="No warning signs").wait_for()
    check_page(page, "warning-signs-result", screenshot=False)
    page.get_by_role("link", name="Next: your walking program").click()
    page.get_by_role("heading", name="Your walking program").wait_for()
    check_page(page, "welcome")
    page.get_by_role("button", name="Start walking").click()

    # Today, then log a walk and see today's progress change.
    done = page.get_by_test_id("today-done")
    assert done.inner_text().startswith("0 of 2 walks done")
    check_page(page, "today-start", screenshot=False)
    page.get_by_role("link", name="Log a walk").click()
    assert page.get_by_label("How many minutes?").input_value() == "12"
    choose(page, "Where?", "Outdoor")
    choose(page, "While walking, you...", "Could answer a question but not talk the whole time")
    choose(page, "Pain before (0 = none, 10 = worst)", "3")
    choose(page, "Pain after (0 = none, 10 = worst)", "2")
    check_page(page, "log-walk")
    page.get_by_role("button", name="Save walk").click()
    page.get_by_text("Walk saved: 12 minutes").wait_for()
    assert done.inner_text().startswith("1 of 2 walks done · 12 minutes")
    check_page(page, "today")

    # Indoors is one tap away; a lost response is retried without a second walk.
    page.get_by_role("link", name="Bad weather? March in place indoors").click()
    assert page.get_by_label("Indoor marching in place").is_checked()
    page.get_by_label("How many minutes?").fill("9")
    choose(page, "Pain before (0 = none, 10 = worst)", "2")
    choose(page, "Pain after (0 = none, 10 = worst)", "2")

    def save_then_drop_the_response(route):
        route.fetch()  # the server saves the walk ...
        route.abort()  # ... but the phone never hears back

    page.route("**/portal/walks/new/", save_then_drop_the_response)
    page.get_by_role("button", name="Save walk").click()
    page.get_by_text(NETWORK_MESSAGE).wait_for()
    assert page.get_by_label("How many minutes?").input_value() == "9"
    page.unroute("**/portal/walks/new/")
    page.get_by_role("button", name="Save walk").click()
    page.get_by_text("already saved before").wait_for()
    assert done.inner_text().startswith("2 of 2 walks done · 21 minutes")
    assert (
        WalkLog.objects.filter(patient=patient, local_date=patient_today(patient=patient)).count()
        == 2
    )

    # A flare-up shows the plan.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pain").click()
    choose(page, "Your back pain right now (0 = none, 10 = worst)", "8")
    page.get_by_label("I am having a flare-up").check()
    page.get_by_label("Poor sleep").check()
    check_page(page, "pain-check-in")
    page.get_by_role("button", name="Save check-in").click()
    page.get_by_role("heading", name="Your flare-up plan").wait_for()
    assert page.get_by_role("heading", name="Pace yourself").is_visible()
    assert page.get_by_role("heading", name="When to call the clinic").is_visible()
    check_page(page, "flare-up")
    assert PainCheckIn.objects.get(patient=patient, flare_up=True).score == 8

    # Progress: both charts drawn by Chart.js, the weekly table below.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Progress").click()
    page.wait_for_function(
        "() => window.Chart && Chart.getChart('minutes-chart') && Chart.getChart('pain-chart')"
    )
    assert page.evaluate("Chart.getChart('minutes-chart').data.datasets[0].data.at(-1)") == 21
    assert re.search(r"21 / \d+", page.locator("table").inner_text())
    check_page(page, "progress")

    # Lessons, each marked complete.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Lessons").click()
    check_page(page, "lessons")
    page.get_by_role("button", name=re.compile(r"Mark as complete\W+Your flare-up plan")).click()
    page.get_by_text("Completed", exact=True).wait_for()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    page.goto(f"{live_server.url}/portal/progress/")
    assert "/portal/login/" in page.url


def test_it_shows_emergency_advice_first_on_a_cauda_equina_answer(page, live_server):
    patient = PatientFactory(onboarded_at=None)
    sign_in(page, live_server, patient.user.username)

    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    page.get_by_role("group", name=re.compile("bladder or bowel")).get_by_label("Yes").check()
    page.get_by_role("button", name="Continue").click()

    advice = page.get_by_role("alert").filter(has_text="Get emergency help now")
    advice.wait_for()
    assert "emergency department" in advice.inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Get emergency help now"
    check_page(page, "warning-signs-emergency")
    assert patient.alerts.get().severity == "urgent"


def test_it_shows_errors_next_to_fields_and_keeps_the_answers(page, live_server):
    patient = PatientFactory(onboarded_at=timezone.now())
    WalkingProgramFactory(patient=patient)
    sign_in(page, live_server, patient.user.username)
    page.get_by_role("link", name="Log a walk").click()

    page.get_by_label("How many minutes?").fill("0")
    choose(page, "While walking, you...", "Could not talk")
    choose(page, "Pain before (0 = none, 10 = worst)", "4")
    page.get_by_role("button", name="Save walk").click()

    page.locator("#error-summary").wait_for()
    # htmx moves the focus after it settles the swapped page, a moment after the swap.
    page.wait_for_function("document.activeElement.id === 'error-summary'", timeout=5000)
    assert page.locator("#id_duration_minutes-error").is_visible()
    assert page.locator("#id_pain_after-error").is_visible()
    assert page.get_by_label("How many minutes?").input_value() == "0"
    assert page.get_by_label("Could not talk").is_checked()
    check_page(page, "log-walk-errors", screenshot=False)
    assert not WalkLog.objects.filter(patient=patient).exists()


def test_it_stays_usable_at_200_percent_zoom(page, live_server):
    patient = PatientFactory(onboarded_at=timezone.now())
    WalkingProgramFactory(patient=patient)
    sign_in(page, live_server, patient.user.username)
    page.set_viewport_size({"width": PHONE["width"] // 2, "height": PHONE["height"] // 2})

    for path in ("/portal/", "/portal/walks/new/", "/portal/pain/", "/portal/progress/"):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways at 200% zoom"


def test_it_shows_a_second_patient_none_of_the_first_ones_data(page, live_server):
    first = PatientFactory(onboarded_at=timezone.now())
    WalkingProgramFactory(patient=first, sessions_per_day=3, minutes_per_session=25)
    WalkLogFactory(patient=first, duration_minutes=25)
    LessonAssignmentFactory(patient=first, lesson=LessonFactory(title="Only for the first"))
    second = PatientFactory(onboarded_at=timezone.now())
    WalkingProgramFactory(patient=second, sessions_per_day=2, minutes_per_session=10)

    sign_in(page, live_server, second.user.username)

    assert page.get_by_test_id("today-done").inner_text().startswith("0 of 2 walks done")
    page.goto(f"{live_server.url}/portal/progress/")
    assert "25" not in page.locator("table").inner_text()
    page.goto(f"{live_server.url}/portal/lessons/")
    assert page.get_by_text("Only for the first").count() == 0
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{live_server.url}/portal/lessons/{first.lesson_assignments.get().pk}/complete/",
        headers={"X-CSRFToken": csrf, "Referer": f"{live_server.url}/portal/lessons/"},
    )
    assert response.status == 404
    assert first.lesson_assignments.get().completed_at is None
