"""Load benchmark: N concurrent clinician sessions in real Chromium against one real server.

``python -m bench.load [--sessions 8] [--tokens 64] [--postgres URL] [--out bench/results/load]``

Starts ``streamlit run serve.py`` (the app with its sign-in cookie endpoint) on a fresh data
directory (SQLite by default, or an EMPTY PostgreSQL database with ``--postgres``), creates one
clinician account per session through :mod:`medgen.auth`, then drives every session at once in
its own Chromium browser context (one browser, like clinicians on separate machines):

1. ``open_app``: load the app in a new context until the sign-in form shows; ``sign_in``: type
   the username and password, click Sign in, until the Sign out button shows;
2. ``upload``: drop a real 3-slice CT series (pydicom's CT5N test series of 16x16 slices, the
   one the e2e tests upload; ``--files`` for others) on the Viewer, until the de-identified
   image is shown;
3. ``open_compare``: the sidebar link until the Compare page has settled; ``enhance``: Enhance
   (the current slice, default model) until the timing line shows;
4. ``open_report``: the sidebar link until the Draft report page has settled;
   ``findings_form``: the exam fields the header lacks, one nodule (kind, location, size) and
   the generation length, each field one Streamlit rerun;
5. ``draft``: Draft report with the test LM (``MEDGEN_LM``, default smollm2-135m) until the
   recorded draft shows; while waiting, the page's queue message ("N request(s) ahead of you")
   is polled and the largest N kept;
6. ``save``: sign the report (the template draft when the guard flagged the model's wording)
   until "Signed by ... (final)" shows.

An error is any step that does not finish (time-out, exception), a page that still shows an
error box or a traceback once a step has settled, or an ERROR line or traceback in the server's
log. Afterwards the database is read through :mod:`medgen.store` to check that every output is
stored exactly once: per user one password sign-in, one live browser session, one UPLOAD audit,
one enhancement output with one ENHANCE audit, one report (signed, final) with one GENERATE and
one SIGN audit, the finding typed in the form stored with that report, and no error audits; the
shared series itself is stored once (one study, one image: uploads are de-duplicated by
content). Results go to ``<out>.json`` and ``<out>.md`` with the machine's load average before
and after. The e2e test ``tests/e2e/test_load.py`` runs the same code with 3 sessions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import platform
import re
import shlex
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("bench.load")

#: The timed steps of one session, in order.
STEPS = ("open_app", "sign_in", "upload", "open_compare", "enhance", "open_report", "findings_form",
         "draft", "save")
#: pydicom's real 3-slice CT series (dicomdirtests/98892001/CT5N), as tests/e2e/test_jobs.py uploads.
CT_SERIES = ("2062", "2392", "2693")
#: Password of every benchmark account (meets the password policy).
PASSWORD = "load bench passphrase 42"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
#: What medgen.ui.text.queue_message shows a waiting user.
QUEUE_RE = re.compile(r"Waiting for the language model: (\d+) request\(s\) ahead of you")
_ERRORS_JS = ("() => [...document.querySelectorAll('[data-testid=\"stException\"],"
              " [data-testid=\"stAlertContentError\"]')].map(e => e.innerText.slice(0, 300))")
_IDLE_JS = ("() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"],"
            " [data-testid=\"stStatusWidgetRunningManIcon\"]')"
            " && !document.querySelector('[data-stale=\"true\"]')")


def ct_series() -> list[Path]:
    """Paths of the real CT series every session uploads."""
    from pydicom.data import get_testdata_file

    return [Path(str(get_testdata_file(n, download=False))) for n in CT_SERIES]


# ------------------------------------------------------------------------------ accounts ---
def create_clinicians(database_url: str, usernames: list[str]) -> dict[str, int]:
    """Create one clinician account per name through medgen.auth; ``{username: user id}``."""
    from medgen import auth
    from medgen.store.db import session_factory, unit_of_work
    from medgen.types import Role

    ids = {}
    with unit_of_work(session_factory(database_url)) as s:
        for name in usernames:
            info = auth.provision_user(s, name, f"Load {name}", Role.CLINICIAN, PASSWORD)
            ids[info.username] = info.id
    return ids


# ------------------------------------------------------------------------------ sessions ---
@dataclass
class SessionResult:
    """What one browser session did: seconds per finished step, errors, queue places seen."""

    username: str
    latency_s: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    ui_retries: int = 0  # a dropdown re-opened because a rerun closed it
    inputs_lost: list[str] = field(default_factory=list)  # fields typed again: a rerun emptied them
    max_ahead: int = 0  # most requests ahead of this user that the queue message showed
    report_id: int | None = None  # the "Draft #N" the page showed
    total_s: float = 0.0


async def _idle(page: Any, timeout_ms: int) -> None:
    await page.wait_for_timeout(300)  # let a just-triggered rerun start
    await page.wait_for_function(_IDLE_JS, timeout=timeout_ms)


async def _type(page: Any, label: str, value: str, timeout_ms: int) -> None:
    box = page.get_by_label(label, exact=True).first
    try:
        await box.fill(value)
    except Exception as exc:
        raise RuntimeError(f"typing {value!r} into {label!r}: {exc}") from exc
    await box.press("Enter")
    await _idle(page, timeout_ms)


async def _choose(page: Any, label: str, option: str, timeout_ms: int, res: SessionResult) -> None:
    """Pick ``option`` in the selectbox ``label``; a list closed by a rerun is opened again
    (up to 3 tries, counted in ``res.ui_retries``)."""
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True)).first
    combo = box.get_by_role("combobox")
    for attempt in range(1, 4):
        try:
            await combo.click(timeout=timeout_ms)
            await combo.fill(option)
            await page.get_by_role("option", name=option, exact=True).click(
                timeout=timeout_ms if attempt == 3 else 20_000)
            break
        except Exception:
            if attempt == 3:
                raise
            res.ui_retries += 1
            await page.keyboard.press("Escape")
            await _idle(page, timeout_ms)
    await _idle(page, timeout_ms)


async def _open(page: Any, title: str, timeout_ms: int) -> None:
    await page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()
    await page.get_by_role("heading", name=title).wait_for(timeout=timeout_ms)
    await _idle(page, timeout_ms)


async def _page_errors(page: Any) -> list[str]:
    return [str(t) for t in await page.evaluate(_ERRORS_JS)]


async def _settled_errors(page: Any, t_ms: int, grace_s: float = 30.0) -> list[str]:
    """Error boxes or tracebacks still shown after the page settled and ``grace_s`` passed.

    A form shows "Enter the contrast" between two fields being typed, and under load the rerun
    that clears it can start seconds after the keystroke; only what stays counts.
    """
    deadline = time.monotonic() + grace_s
    while True:
        await _idle(page, t_ms)
        shown = await _page_errors(page)
        if not shown or time.monotonic() > deadline:
            return shown
        await asyncio.sleep(1.0)


async def _until(page: Any, done: Any, t_ms: int, what: str,
                 res: SessionResult | None = None) -> None:
    """Wait until ``done`` shows; fail early when an error box stays for 3 s; while waiting,
    keep the largest queue place the page shows in ``res``."""
    deadline = time.monotonic() + t_ms / 1000
    error_since: float | None = None
    waiting = page.get_by_text(QUEUE_RE)
    while not await done.count():
        now = time.monotonic()
        shown = await _page_errors(page)
        if shown:
            error_since = error_since or now
            if now - error_since > 3.0:
                raise RuntimeError(f"{what}: the page shows an error: {' | '.join(shown)}")
        else:
            error_since = None
        if res is not None:
            for text in await waiting.all_inner_texts():
                m = QUEUE_RE.search(text)
                if m:
                    res.max_ahead = max(res.max_ahead, int(m.group(1)))
        if now > deadline:
            raise TimeoutError(f"{what}: not shown after {t_ms / 1000:.0f} s")
        await asyncio.sleep(0.2)


async def run_session(browser: Any, url: str, username: str, files: list[Path], *,
                      tokens: int, timeout_s: float, shots: Path | None = None) -> SessionResult:
    """One clinician's whole flow in a new browser context; never raises (errors are recorded)."""
    res = SessionResult(username)
    t_ms = int(timeout_s * 1000)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(t_ms)
    step = "sign_in"
    t_start = time.perf_counter()

    async def timed(name: str, coro: Any, record: bool = True) -> None:
        nonlocal step
        step = name
        t0 = time.perf_counter()
        await coro
        if record:
            res.latency_s[name] = round(time.perf_counter() - t0, 3)
        shown = await _settled_errors(page, t_ms)
        if shown:
            res.errors.append(f"{name}: the page shows an error: {' | '.join(shown)}")

    try:
        await timed("open_app", _open_app(page, url, t_ms))
        await timed("sign_in", _sign_in(page, username, t_ms))
        await timed("open_viewer", page.get_by_role("heading", name="Viewer").wait_for(), False)
        await timed("upload", _upload(page, files, t_ms))
        await timed("open_compare", _open(page, "Compare", t_ms))
        await timed("enhance", _enhance(page, t_ms))
        await timed("open_report", _open(page, "Draft report", t_ms))
        await timed("findings_form", _fill_findings(page, tokens, t_ms, res))
        await timed("draft", _draft(page, res, t_ms))
        await timed("use_template", _template_if_flagged(page, t_ms), False)
        await timed("save", _save(page, t_ms))
    except Exception as exc:  # noqa: BLE001 - every failure is counted, not raised
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        res.errors.append(f"{step}: {type(exc).__name__}: {first}")
        with contextlib.suppress(Exception):
            res.errors += [f"{step}: the page shows: {t}" for t in await _page_errors(page)]
            if shots is not None:
                await page.screenshot(path=str(shots / f"{username}-{step}.png"), full_page=True)
    finally:
        res.total_s = round(time.perf_counter() - t_start, 3)
        with contextlib.suppress(Exception):
            await context.close()
    return res


async def _open_app(page: Any, url: str, t_ms: int) -> None:
    await page.goto(url)
    await page.get_by_label("Username").wait_for(timeout=t_ms)


async def _sign_in(page: Any, username: str, t_ms: int) -> None:
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await _until(page, page.get_by_role("button", name=re.compile(r"Sign out$")), t_ms, "sign-in")


async def _upload(page: Any, files: list[Path], t_ms: int) -> None:
    await page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [str(f) for f in files])
    await _until(page, page.locator('[data-testid="stImage"] img'), t_ms, "uploaded image")
    await page.locator('[data-testid="stImage"] img').first.wait_for(state="visible", timeout=t_ms)


async def _enhance(page: Any, t_ms: int) -> None:
    await page.get_by_role("button", name="Enhance", exact=True).click()
    await _until(page, page.get_by_text(re.compile(r"ms per slice")), t_ms, "enhanced image")


async def _fill_findings(page: Any, tokens: int, t_ms: int, res: SessionResult) -> None:
    """The exam fields the header leaves empty, one nodule, and a short generation length.

    Then every typed field is read back once the page settled: one that lost its value (a rerun
    under load redrew it empty) is typed again and counted in ``res.inputs_lost``.
    """
    typed: list[tuple[str, str]] = []
    for label, value in (("Modality", "CT"), ("Body part", "chest"), ("Contrast", "without contrast")):
        if not (await page.get_by_label(label, exact=True).first.input_value()).strip():
            await _type(page, label, value, t_ms)
            typed.append((label, value))
    await _choose(page, "Finding", TYPED_FINDING["kind"], t_ms, res)
    await _type(page, "Location", TYPED_FINDING["location"], t_ms)
    await _type(page, "Size", "5", t_ms)
    await _open_settings(page, t_ms, res)
    await _type(page, "Max new tokens", str(tokens), t_ms)
    typed += [("Location", TYPED_FINDING["location"]), ("Size", "5"), ("Max new tokens", str(tokens))]
    for _ in range(3):
        await _idle(page, t_ms)
        lost = [(label, value) for label, value in typed
                if not _same(await page.get_by_label(label, exact=True).first.input_value(), value)]
        if not lost:
            return
        for label, value in lost:
            res.inputs_lost.append(label)
            if label == "Max new tokens":
                await _open_settings(page, t_ms, res)
            await _type(page, label, value, t_ms)
    raise RuntimeError(f"findings form: typed values kept getting lost: {res.inputs_lost}")


async def _open_settings(page: Any, t_ms: int, res: SessionResult) -> None:
    """Open "Generation settings" unless it is open; a click that a rerun undid is repeated
    (up to 3 tries, counted in ``res.ui_retries``)."""
    field = page.get_by_label("Max new tokens", exact=True).first
    for attempt in range(1, 4):
        if await field.is_visible():
            return
        if attempt > 1:
            res.ui_retries += 1
        await page.get_by_text("Generation settings", exact=True).click()
        await _idle(page, t_ms)
        with contextlib.suppress(Exception):
            await field.wait_for(state="visible", timeout=10_000)
    if not await field.is_visible():
        raise RuntimeError("Generation settings: the expander did not stay open")


def _same(shown: str, typed: str) -> bool:
    """A text field shows what was typed; a number field may show it as 5.00."""
    try:
        return float(shown) == float(typed)
    except ValueError:
        return shown.strip() == typed


async def _draft(page: Any, res: SessionResult, t_ms: int) -> None:
    await page.get_by_role("button", name="Draft report", exact=True).click()
    done = page.get_by_text(re.compile(r"Draft #\d+: DRAFT"))
    await _until(page, done, t_ms, "recorded draft", res)
    m = re.search(r"Draft #(\d+)", await done.first.inner_text())
    res.report_id = int(m.group(1)) if m else None


async def _template_if_flagged(page: Any, t_ms: int) -> None:
    """Start from the template when the guard flagged the model's wording (as test_report does)."""
    # the editor comes after the button on the page: once it holds the draft, the button is drawn
    editor = page.get_by_label("Edit the report before signing")
    await editor.wait_for(timeout=t_ms)
    deadline = time.monotonic() + t_ms / 1000
    while not (await editor.input_value()).strip() and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await _idle(page, t_ms)
    button = page.get_by_role("button", name="Use the template draft")
    if await button.count():
        before = await editor.input_value()
        await button.click()
        while await editor.input_value() == before and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await _idle(page, t_ms)


async def _save(page: Any, t_ms: int) -> None:
    await page.get_by_role("button", name="Sign report").click()
    await _until(page, page.get_by_text(re.compile(r"Signed by .* \(final\)")), t_ms, "signature")


async def run_sessions(url: str, usernames: list[str], files: list[Path], *, tokens: int,
                       timeout_s: float, stagger_s: float = 0.0,
                       shots: Path | None = None) -> list[SessionResult]:
    """Run one session per username at once (``stagger_s`` apart) in one headless Chromium."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                          headless=True)
        try:
            async def one(i: int, name: str) -> SessionResult:
                await asyncio.sleep(i * stagger_s)
                return await run_session(browser, url, name, files, tokens=tokens,
                                         timeout_s=timeout_s, shots=shots)

            return list(await asyncio.gather(*(one(i, n) for i, n in enumerate(usernames))))
        finally:
            await browser.close()


# ------------------------------------------------------------------------ exactly once ---
@dataclass(frozen=True)
class StorageCheck:
    """Rows per user (``per_user``), shared rows (``shared``) and every mismatch found."""

    per_user: dict[str, dict[str, int]]
    shared: dict[str, int]
    problems: tuple[str, ...]


#: What each session must leave in the database, exactly.
EXPECTED_PER_USER = {
    "password_sign_ins": 1, "live_browser_sessions": 1, "upload_audits": 1,
    "enhancement_outputs": 1, "enhance_audits": 1, "enhance_audits_of_its_output": 1,
    "report_outputs": 1, "signed_final_reports": 1, "generate_audits_of_its_report": 1,
    "sign_audits_of_its_report": 1, "reports_with_every_typed_finding": 1, "error_audits": 0,
    "education_outputs": 0,
}
#: What :func:`_fill_findings` types, as the stored report's parameters must hold it.
TYPED_FINDING: dict[str, Any] = {"kind": "nodule", "location": "right upper lobe", "size": 5.0}


def _typed_finding_kept(params: dict[str, Any] | None) -> bool:
    items = ((params or {}).get("findings") or {}).get("findings") or []
    return len(items) == 1 and all(items[0].get(k) == v for k, v in TYPED_FINDING.items())


def check_storage(database_url: str, user_ids: dict[str, int], series: list[Path], *,
                  fresh: bool = True) -> StorageCheck:
    """Count, through medgen.store, what every user's session stored; list what is not exactly once.

    ``fresh``: the database held nothing before, so its totals are checked too (one image, one
    study, two outputs per user); otherwise only rows of these users and of ``series`` count.
    """
    from sqlalchemy import func, select

    from medgen.imaging import load_scans
    from medgen.store.db import session_factory, unit_of_work
    from medgen.store.models import AuditEvent, AuthSession, GeneratedOutput, Image, Study
    from medgen.types import AuditAction, AuditOutcome, OutputKind, ReportStatus

    content_hash = load_scans([(p.name, p.read_bytes()) for p in series]).content_hash
    per_user: dict[str, dict[str, int]] = {}
    problems: list[str] = []
    with unit_of_work(session_factory(database_url)) as s:
        def count(model: Any, *where: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)

        def audits(uid: int, action: AuditAction, *where: Any) -> int:
            return count(AuditEvent, AuditEvent.user_id == uid, AuditEvent.action == action.value,
                         *where)

        for name, uid in user_ids.items():
            outs = {k: list(s.scalars(select(GeneratedOutput.id).where(
                GeneratedOutput.created_by == uid, GeneratedOutput.kind == k.value)))
                for k in (OutputKind.ENHANCEMENT, OutputKind.REPORT, OutputKind.EDUCATION)}
            enh, rep = outs[OutputKind.ENHANCEMENT], outs[OutputKind.REPORT]
            row = {
                "password_sign_ins": sum(
                    1 for d in s.scalars(select(AuditEvent.detail).where(
                        AuditEvent.user_id == uid, AuditEvent.action == AuditAction.LOGIN.value,
                        AuditEvent.outcome == AuditOutcome.OK.value))
                    if (d or {}).get("method") == "password"),
                "live_browser_sessions": count(AuthSession, AuthSession.user_id == uid,
                                               AuthSession.revoked_at.is_(None)),
                "upload_audits": audits(uid, AuditAction.UPLOAD),
                "enhancement_outputs": len(enh),
                "enhance_audits": audits(uid, AuditAction.ENHANCE),
                "enhance_audits_of_its_output": audits(
                    uid, AuditAction.ENHANCE, AuditEvent.object_id.in_([str(i) for i in enh])),
                "report_outputs": len(rep),
                "signed_final_reports": count(
                    GeneratedOutput, GeneratedOutput.id.in_(rep), GeneratedOutput.signed_by == uid,
                    GeneratedOutput.status == ReportStatus.FINAL.value),
                "generate_audits_of_its_report": audits(
                    uid, AuditAction.GENERATE, AuditEvent.object_id.in_([str(i) for i in rep])),
                "sign_audits_of_its_report": audits(
                    uid, AuditAction.SIGN, AuditEvent.object_id.in_([str(i) for i in rep])),
                "reports_with_every_typed_finding": sum(
                    1 for params in s.scalars(select(GeneratedOutput.params).where(
                        GeneratedOutput.id.in_(rep))) if _typed_finding_kept(params)),
                "error_audits": count(AuditEvent, AuditEvent.user_id == uid,
                                      AuditEvent.outcome == AuditOutcome.ERROR.value),
                "education_outputs": len(outs[OutputKind.EDUCATION]),
            }
            per_user[name] = row
            problems += [f"{name}: {k} = {row[k]}, expected {v}"
                         for k, v in EXPECTED_PER_USER.items() if row[k] != v]
        series_studies = list(s.scalars(select(Image.study_id).where(
            Image.content_hash == content_hash)))
        uids = list(user_ids.values())
        mine = GeneratedOutput.created_by.in_(uids)
        shared = {
            "images_of_the_series": len(series_studies),
            "studies_of_the_series": len(set(series_studies)),
            "outputs_of_these_users": count(GeneratedOutput, mine),
            "outputs_of_these_users_on_the_series": count(
                GeneratedOutput, mine, GeneratedOutput.study_id.in_(series_studies)),
        }
        if fresh:  # nothing but these sessions wrote to the database
            shared |= {"images": count(Image), "studies": count(Study),
                       "outputs": count(GeneratedOutput)}
    n = len(user_ids)
    expected_shared = {"images_of_the_series": 1, "studies_of_the_series": 1,
                       "outputs_of_these_users": 2 * n, "outputs_of_these_users_on_the_series": 2 * n,
                       "images": 1, "studies": 1, "outputs": 2 * n}
    problems += [f"{k} = {v}, expected {expected_shared[k]}" for k, v in shared.items()
                 if v != expected_shared[k]]
    return StorageCheck(per_user, shared, tuple(problems))


# ------------------------------------------------------------------------------- summary ---
def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) with linear interpolation between order statistics."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def step_table(results: list[SessionResult]) -> dict[str, dict[str, float]]:
    """``{step: {n, p50_s, p95_s, max_s}}`` over the sessions that finished the step."""
    table = {}
    for step in (*STEPS, "total"):
        xs = [r.total_s if step == "total" else r.latency_s[step] for r in results
              if step == "total" or step in r.latency_s]
        table[step] = {"n": len(xs), "p50_s": round(percentile(xs, 0.5), 2),
                       "p95_s": round(percentile(xs, 0.95), 2),
                       "max_s": round(max(xs), 2) if xs else float("nan")}
    return table


def server_log_errors(log_path: Path, offset: int = 0) -> list[str]:
    """ERROR / CRITICAL lines and tracebacks the server logged after byte ``offset`` (an error
    no page showed counts too)."""
    if not log_path.exists():
        return []
    with log_path.open("rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", errors="replace")
    return [line.strip()[:300] for line in text.splitlines()
            if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")]


def redact(argv: list[str]) -> list[str]:
    """The command line with any database password hidden."""
    from sqlalchemy.engine import make_url

    out = []
    for arg in argv:
        if "://" in arg and "@" in arg:
            with contextlib.suppress(Exception):
                arg = make_url(arg).render_as_string(hide_password=True)
        out.append(arg)
    return out


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


@contextlib.contextmanager
def served(data_dir: Path, database_url: str | None, lm: str) -> Iterator[dict[str, str]]:
    """The app server of the e2e tests (``streamlit run serve.py``) on ``data_dir``."""
    from tests.e2e.conftest import serve_app

    with serve_app(data_dir, extra_env={"MEDGEN_LM": lm}, db_url=database_url) as server:
        yield server


def _in_thread(coro: Any) -> Any:
    """``asyncio.run(coro)`` in a new thread: safe even where a sync Playwright (pytest's e2e
    browser fixture) or another event loop already lives in the calling thread."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="bench.load")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def run_benchmark(server: dict[str, str], sessions: int, *, tokens: int, timeout_s: float,
                  stagger_s: float = 0.0, warmup: bool = True, prefix: str = "load",
                  files: list[Path] | None = None, shots: Path | None = None,
                  fresh: bool = True) -> dict[str, Any]:
    """Create the accounts, (warm the server with one session,) run ``sessions`` at once, check.

    Every session uploads ``files`` (default: :func:`ct_series`). ``fresh``: the server's
    database was empty (see :func:`check_storage`); usernames start with ``prefix``.
    """
    files = files or ct_series()
    log_path = Path(server["log"])
    log_offset = log_path.stat().st_size if log_path.exists() else 0
    names = [f"{prefix}-{i + 1:02d}" for i in range(sessions)]
    warm_names = [f"{prefix}-warmup"] if warmup else []
    ids = create_clinicians(server["database_url"], warm_names + names)
    warm: list[SessionResult] = []
    if warmup:  # loads the GAN and the LM once, as the first user of a day would
        warm = _in_thread(run_sessions(server["url"], warm_names, files, tokens=tokens,
                                        timeout_s=timeout_s, shots=shots))
    t0 = time.perf_counter()
    results = _in_thread(run_sessions(server["url"], names, files, tokens=tokens,
                                      timeout_s=timeout_s, stagger_s=stagger_s, shots=shots))
    wall = time.perf_counter() - t0
    check = check_storage(server["database_url"], ids, files, fresh=fresh)
    server_errors = server_log_errors(log_path, log_offset)
    return {
        "sessions": sessions,
        "files": [f.name for f in files],
        "wall_s": round(wall, 2),
        "steps": step_table(results),
        "errors": [e for r in results for e in r.errors] + [f"server log: {e}" for e in server_errors],
        "warmup_errors": [e for r in warm for e in r.errors],
        "max_queue_ahead": max((r.max_ahead for r in results), default=0),
        "ui_retries": sum(r.ui_retries for r in results),
        "inputs_lost": [f"{r.username}: {f}" for r in results for f in r.inputs_lost],
        "results": [asdict(r) for r in results],
        "warmup": [asdict(r) for r in warm],
        "storage": asdict(check),
    }


def to_markdown(out: dict[str, Any]) -> str:
    """The results file's table and verdicts."""
    b = out["benchmark"]
    lines = [
        f"# Load benchmark: {b['sessions']} concurrent clinician sessions",
        "",
        f"Date {out['date']}; command `{out['command']}`; database {out['database']}; "
        f"LM {out['lm']} ({out['tokens']} new tokens max, MEDGEN_LM_THREADS {out['lm_threads']}); "
        f"every session uploads {', '.join(b['files'])}; {out['machine']}.",
        f"Load average (1, 5, 15 min) before {out['loadavg_before']}, after {out['loadavg_after']} "
        "(the machine is shared; server, Chromium and this script share its cores).",
        "",
        "| step | sessions done | p50 (s) | p95 (s) | max (s) |",
        "|---|---|---|---|---|",
    ]
    for step, row in b["steps"].items():
        lines.append(f"| {step} | {row['n']}/{b['sessions']} | {row['p50_s']} | {row['p95_s']} | "
                     f"{row['max_s']} |")
    st = b["storage"]
    lines += [
        "",
        f"- Wall time of the concurrent phase: {b['wall_s']} s; most requests ahead of a user in "
        f"the LM queue (as the page showed it): {b['max_queue_ahead']}; dropdowns re-opened "
        f"after a rerun closed them: {b['ui_retries']}; typed fields found empty after the page "
        f"settled and typed again: {len(b['inputs_lost'])}"
        + (f" {b['inputs_lost']}." if b["inputs_lost"] else "."),
        f"- Errors: {len(b['errors'])} (target 0: {'met' if not b['errors'] else 'MISSED'}).",
        f"- Stored exactly once: {'yes' if not st['problems'] else 'NO'} "
        f"({len(st['per_user'])} users checked; shared rows {st['shared']}).",
    ]
    lines += [f"  - error: {e}" for e in b["errors"]]
    lines += [f"  - storage: {p}" for p in st["problems"]]
    if b["warmup"]:
        w = b["warmup"][0]
        lines.append(f"- Warm-up session first (loads the models; not in the table): "
                     f"{w['latency_s']}, errors {w['errors'] or 'none'}.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=64, help="max new tokens of each draft")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per step at most")
    parser.add_argument("--stagger", type=float, default=0.0, help="seconds between session starts")
    parser.add_argument("--no-warmup", action="store_true", help="skip the warm-up session")
    parser.add_argument("--postgres", default=None, help="URL of an EMPTY PostgreSQL database")
    parser.add_argument("--files", nargs="+", type=Path, default=None,
                        help="what every session uploads (default: the 3-slice CT5N series)")
    parser.add_argument("--lm", default=os.environ.get("MEDGEN_LM", "smollm2-135m"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "load"),
                        help="results path without extension (.json and .md are written)")
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="medgen-load-"))
    # before medgen.config is read: keys, uploads and the database stay in the fresh directory
    os.environ["MEDGEN_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("MEDGEN_CACHE_DIR", str(ROOT / "data" / "cache"))
    os.environ["HF_HUB_OFFLINE"] = "1"
    before = _loadavg()
    with served(data_dir, args.postgres, args.lm) as server:
        bench = run_benchmark(server, args.sessions, tokens=args.tokens, timeout_s=args.timeout,
                              stagger_s=args.stagger, warmup=not args.no_warmup,
                              files=args.files, shots=data_dir)
    after = _loadavg()
    out = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m bench.load " + shlex.join(redact(sys.argv[1:] if argv is None else argv)),
        "database": "PostgreSQL" if args.postgres else "SQLite (WAL)",
        "lm": args.lm, "tokens": args.tokens,
        "lm_threads": os.environ.get("MEDGEN_LM_THREADS", "default"),
        "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}",
        "loadavg_before": before, "loadavg_after": after, "data_dir": str(data_dir),
        "benchmark": bench,
    }
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.with_suffix(".json").write_text(json.dumps(out, indent=2) + "\n")
    md = to_markdown(out)
    out_path.with_suffix(".md").write_text(md)
    sys.stdout.write(md)
    ok = not bench["errors"] and not bench["storage"]["problems"]
    if ok:
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        sys.stdout.write(f"Kept for inspection (database, server log, screenshots): {data_dir}\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
