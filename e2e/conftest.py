"""Browser tests against the real app, run as the demo runs it.

One session starts gunicorn and the task worker on a fresh SQLite file in a temporary folder
(after `meinekammer demo --setup-only`), and one headless Debian chromium; with pytest-xdist
(`make test` runs the suite in two workers, scripts/run-tests.py) each worker is such a session,
with an app and a database of its own. Every test gets its own browser context and registers its
own user, so the tests run in any order and in any worker. Nothing here touches the Django test
database: the tests only talk to the live server through the browser.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = E2E_DIR / "artifacts"
PACKAGE_DIR = ROOT / "src" / "meinekammer"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 60
# Playwright's waits: generous for a loaded 2-core machine, short enough to fail quickly.
DEFAULT_TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --- the app ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _compile_messages() -> None:
    """Compile stale catalogues, as `make messages` does: .mo files are build products."""
    for po in PACKAGE_DIR.glob("**/locale/*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        msgfmt = shutil.which("msgfmt")
        if msgfmt is None:
            pytest.exit(f"{mo} is missing or stale and msgfmt is not installed (gettext)", 2)
        result = subprocess.run(
            [msgfmt, "--check-format", "-o", str(mo), str(po)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            pytest.exit(f"msgfmt could not compile {po}:\n{result.stderr}", 2)


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class App:
    """The running app: its address and its processes (for a check that they are alive)."""

    def __init__(
        self,
        url: str,
        processes: dict[str, subprocess.Popen],
        logs: Path,
        env: dict[str, str] | None = None,
        sample_url: str = "",
    ) -> None:
        self.url = url
        # The sample connected application "Serviceportal Bildung" (examples/serviceportal/).
        self.sample_url = sample_url
        self.processes = processes
        self.logs = logs
        self.env = env or {}
        # Read-only look-ups of demo data a user would know from elsewhere (their own papers).
        self.database = logs / "e2e.sqlite3"

    def manage(self, *args: str) -> str:
        """Run a `meinekammer` command against the app's database, as an operator would."""
        result = subprocess.run(
            [sys.executable, "-m", "meinekammer", *args],
            env=self.env,
            cwd=self.logs,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"meinekammer {' '.join(args)} failed:\n{result.stderr}", pytrace=False)
        return result.stdout

    def assert_running(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                pytest.fail(
                    f"The {name} process ended with exit code {process.returncode}:\n"
                    f"{_tail(self.logs / f'{name}.log')}",
                    pytrace=False,
                )

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """gunicorn, the task worker and the sample application on a fresh SQLite file, as
    `meinekammer demo` runs them."""
    from meinekammer.demo.seed import (
        SERVICEPORTAL_CLIENT_ID,
        SERVICEPORTAL_CLIENT_SECRET,
        SERVICEPORTAL_EVENTS_SECRET,
    )

    _compile_messages()
    var_dir = tmp_path_factory.mktemp("meinekammer-e2e")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    sample_url = f"http://127.0.0.1:{_free_port()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "meinekammer.settings.dev",
        "MEINEKAMMER_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir}/e2e.sqlite3",
        "SITE_URL": url,
        "EMAIL_RETRY_BASE_SECONDS": "1",
        # Every story registers from 127.0.0.1: more than the default 30 an hour in all.
        "SIGNUP_RATE_LIMIT": "60/m/ip,600/h/ip",
        "PYTHONUNBUFFERED": "1",
        # The demo seeds the sample's client with redirect URIs for exactly this address.
        "SERVICEPORTAL_URL": sample_url,
        "MEINEKAMMER_ISSUER": url,
        "SERVICEPORTAL_CLIENT_ID": SERVICEPORTAL_CLIENT_ID,
        "SERVICEPORTAL_CLIENT_SECRET": SERVICEPORTAL_CLIENT_SECRET,
        # The sample receives the demo's change events (docs/integration.md).
        "SERVICEPORTAL_EVENTS_SECRET": SERVICEPORTAL_EVENTS_SECRET,
    }
    for name in ("REDIS_URL", "EMAIL_URL", "EMAIL_BACKEND", "DEV_MAILBOX", "TASKS_BACKEND"):
        env.pop(name, None)  # the demo's own choices: database cache and queue, mailbox on
    bin_dir = Path(sys.executable).parent
    meinekammer = shutil.which("meinekammer", path=str(bin_dir)) or "meinekammer"
    gunicorn = shutil.which("gunicorn", path=str(bin_dir)) or "gunicorn"

    setup = subprocess.run(
        [meinekammer, "demo", "--setup-only", "--port", str(port)],
        env=env,
        cwd=var_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if setup.returncode != 0:
        pytest.exit(f"meinekammer demo --setup-only failed:\n{setup.stdout}\n{setup.stderr}", 2)

    gunicorn_cmd = [
        gunicorn,
        "meinekammer.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "4",
        "--access-logfile",
        "-",
    ]
    help_text = subprocess.run(
        [gunicorn, "--help"], capture_output=True, text=True, check=False
    ).stdout
    if "--no-control-socket" in help_text:
        # gunicorn 24+: no shared control socket in ~/.gunicorn, which a running demo may hold.
        gunicorn_cmd.append("--no-control-socket")
    commands = {
        "gunicorn": gunicorn_cmd,
        "worker": [
            sys.executable,
            "-m",
            "meinekammer",
            "db_worker",
            "--no-reload",
            "--interval",
            "0.2",
        ],
        "serviceportal": [sys.executable, str(ROOT / "examples" / "serviceportal" / "app.py")],
    }
    processes: dict[str, subprocess.Popen] = {}
    for name, command in commands.items():
        log = (var_dir / f"{name}.log").open("wb")
        processes[name] = subprocess.Popen(
            command, env=env, cwd=var_dir, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
    running = App(url, processes, var_dir, env, sample_url)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        for address in (url, sample_url):
            while True:
                running.assert_running()
                try:
                    with urllib.request.urlopen(f"{address}/", timeout=2) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"The server did not answer on {address} within {SERVER_START_TIMEOUT} s"
                    )
                time.sleep(0.2)
        yield running
    finally:
        running.stop()
        print(f"\nserver logs: {var_dir}", file=sys.stderr)


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


ContextFactory = Callable[..., Page]


@pytest.fixture
def new_page(
    browser: Browser, app: App, request: pytest.FixtureRequest
) -> Iterator[ContextFactory]:
    """Open a page in a new browser context (its own cookies: another person or device).

    German is what a German browser asks for; pass locale="en-GB" and so on for others.
    On failure, every page opened is saved as a screenshot in e2e/artifacts/.
    """
    contexts: list[BrowserContext] = []

    def open_page(locale: str = "de-DE", **options) -> Page:
        context = browser.new_context(
            base_url=app.url,
            locale=locale,
            timezone_id="Europe/Berlin",
            viewport={"width": 1280, "height": 900},
            **options,
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS * 2)
        contexts.append(context)
        return context.new_page()

    yield open_page

    failed = any(
        getattr(request.node, f"rep_{when}", None) is not None
        and getattr(request.node, f"rep_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        for c, context in enumerate(contexts):
            for p, page in enumerate(context.pages):
                path = ARTIFACTS / f"{name}-{c}-{p}.png"
                try:
                    page.screenshot(path=str(path), full_page=True)
                    path.with_suffix(".html").write_text(page.content())
                    print(f"screenshot: {path} ({page.url})", file=sys.stderr)
                except Exception as error:  # a crashed page must not hide the test's failure
                    print(f"no screenshot of {page.url}: {error}", file=sys.stderr)
        for name, process in app.processes.items():
            if process.poll() is not None:
                print(f"the {name} process has ended: {app.logs / name}.log", file=sys.stderr)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: ContextFactory) -> Page:
    """A page in a fresh browser context of a German-speaking user."""
    return new_page()
