"""Benchmark: single sign-on (OpenID Connect provider) over HTTP, against gunicorn.

    .venv/bin/python bench/sso.py                      # SQLite, PostgreSQL, then the peer
    .venv/bin/python bench/sso.py --database postgres --no-peer

Per database: a fresh database (SQLite file in a temp dir, or a PostgreSQL database created and
dropped here), migrated and filled through the ORM and `meinekammer register-app`; a signing key
from `meinekammer create-signing-key`; gunicorn with 2 sync workers on 127.0.0.1; the load from a
separate process (`bench/sso.py load`, threads and http.client) on loopback. Phases:

  login_post   POST /accounts/login/ (argon2id check, session), 4 connections; the hash alone is
               timed in the same run (`bench/sso.py hash`) for the ratio
  login_full   GET the form + POST it, 4 connections
  code         GET /o/authorize/ (logged-in session) + POST /o/token/ (code, PKCE S256), 16
  refresh      POST /o/token/ grant_type=refresh_token (rotation), 16 connections
  userinfo     GET /o/userinfo/ with a bearer token, 50 connections
  introspect   POST /o/introspect/ (client_secret_basic), 50 connections

Peak RSS per gunicorn worker: VmHWM of each worker at the end. The peer, node's
`oidc-provider` (bench/oidc-peer/, installed with `npm ci`), gets the same token, userinfo and
introspection phases. Goals: bench/README.md, "Single sign-on (issue 5)".
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import POSTGRES_URL, ROOT, machine, percentile

VENV = ROOT / ".venv" / "bin"
PEER_DIR = ROOT / "bench" / "oidc-peer"
CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret-" + "s" * 40
REDIRECT_URI = "http://127.0.0.1:9/callback"
PASSWORD = "ein langes Benchmarkkennwort 2026"
SCOPE = "openid profile email companies"
USERS = 64
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


# --- The load generator (runs in its own process: `bench/sso.py load ...`) -------------------


class Client:
    """One connection's worth of client: http.client, keep-alive where the server allows it,
    a cookie jar that ignores Path and Secure (loopback HTTP, one site)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}
        self.used = False

    def request(self, method, path, body=None, headers=None, cookies=True):
        headers = dict(headers or {})
        if cookies and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, dict):
            body = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.used = False
            reused = self.used
            try:
                self.conn.request(method, path, body, headers)
                self.used = True
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt or not reused:
                    raise
                continue
            if response.will_close:
                self.conn.close()
                self.conn = None
            for header in response.msg.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if not value or "max-age=0" in header.lower() or "1970" in header:
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
            return response.status, response.msg, data
        raise AssertionError("unreachable")


def basic_auth() -> str:
    return "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


class Target:
    """What differs between meinekammer and the peer: paths and how a user logs in."""

    def __init__(self, kind: str, port: int) -> None:
        self.kind, self.port = kind, port
        if kind == "meinekammer":
            self.authorize, self.token, self.userinfo = "/o/authorize/", "/o/token/", "/o/userinfo/"
            self.introspect = "/o/introspect/"
        else:
            self.authorize, self.token, self.userinfo = "/auth", "/token", "/me"
            self.introspect = "/token/introspection"

    def login_form(self, client: Client) -> str:
        status, _h, body = client.request("GET", "/accounts/login/")
        assert status == 200, status
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert match, "no CSRF token on the login form"
        return match.group(1).decode()

    def login_post(self, client: Client, email: str, csrf: str) -> None:
        status, _headers, body = client.request(
            "POST",
            "/accounts/login/",
            {"login": email, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
            {"Referer": f"http://127.0.0.1:{self.port}/accounts/login/"},
        )
        assert status == 302, (status, body[:300])

    def authorize_url(self, challenge: str) -> str:
        query = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": SCOPE,
            "state": secrets.token_urlsafe(12),
            "nonce": secrets.token_urlsafe(12),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.authorize}?{urlencode(query)}"

    def log_in(self, client: Client, email: str) -> None:
        """A logged-in browser session for `email`."""
        if self.kind == "meinekammer":
            self.login_post(client, email, self.login_form(client))
            return
        # oidc-provider's development interactions: the login form, consent skipped (first
        # party, see bench/oidc-peer/server.js), like meinekammer's first-party clients.
        _verifier, challenge = pkce()
        status, headers, _b = client.request("GET", self.authorize_url(challenge))
        for _step in range(6):
            location = headers["Location"]
            path = urlparse(location).path
            if location.startswith(REDIRECT_URI):
                return
            if path.startswith("/interaction/"):
                client.request("GET", path)
                status, headers, _b = client.request(
                    "POST", path, {"prompt": "login", "login": email, "password": PASSWORD}
                )
            else:
                status, headers, _b = client.request("GET", path)
        raise AssertionError(f"peer login did not end with a code ({status})")

    def mint_code(self, client: Client, timings) -> tuple[str, str]:
        verifier, challenge = pkce()
        started = time.perf_counter()
        status, headers, body = client.request("GET", self.authorize_url(challenge))
        timings.append(("authorize", time.perf_counter() - started, status in (302, 303)))
        location = headers.get("Location", "")
        code = parse_qs(urlparse(location).query).get("code", [""])[0]
        if not code:
            raise RuntimeError(f"authorize: {status} {location[:200]} {body[:200]!r}")
        return code, verifier

    def post_token(self, client: Client, form: dict, label: str, timings) -> dict:
        started = time.perf_counter()
        status, _h, body = client.request(
            "POST", self.token, form, {"Authorization": basic_auth()}, cookies=False
        )
        timings.append((label, time.perf_counter() - started, status == 200))
        if status != 200:
            raise RuntimeError(f"{label}: {status} {body[:300]!r}")
        return json.loads(body)


SERVER_PIDS: list[int] = []


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the given processes have used so far."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (stat fields 14, 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def run_phase(name, threads, warmup, duration, setup, step):
    """`threads` threads run `step(state, timings)` in a loop for warmup + duration seconds;
    only calls that end inside the measured window count. The server's CPU time (its worker
    processes, `--server-pids`) is read at the start and the end of that window."""
    records: list[tuple[float, str, float, bool]] = []
    lock = threading.Lock()
    errors: list[str] = []
    begin = time.perf_counter() + 0.5
    start_measure, end = begin + warmup, begin + warmup + duration

    def work(index: int) -> None:
        state = setup(index)
        local: list[tuple[float, str, float, bool]] = []
        while time.perf_counter() < begin:
            time.sleep(0.001)
        while (now := time.perf_counter()) < end:
            timings: list[tuple[str, float, bool]] = []
            try:
                step(state, timings)
            except Exception as error:
                with lock:
                    errors.append(f"{type(error).__name__}: {error}"[:300])
                timings.append(("error", 0.0, False))
            finished = time.perf_counter()
            local.extend((finished, label, seconds, ok) for label, seconds, ok in timings)
            del now
        with lock:
            records.extend(local)

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    cpu0 = time.process_time()
    for thread in pool:
        thread.start()
    time.sleep(max(0.0, start_measure - time.perf_counter()))
    server_cpu0 = cpu_seconds(SERVER_PIDS)
    time.sleep(max(0.0, end - time.perf_counter()))
    server_cpu = cpu_seconds(SERVER_PIDS) - server_cpu0
    for thread in pool:
        thread.join()
    client_cpu = (time.process_time() - cpu0) / (warmup + duration)
    measured = [r for r in records if start_measure <= r[0] < end]
    result = {"phase": name, "connections": threads, "seconds": duration, "labels": {}}
    for label in sorted({r[1] for r in measured}):
        values = sorted(r[2] * 1000 for r in measured if r[1] == label)
        failed = sum(1 for r in measured if r[1] == label and not r[3])
        result["labels"][label] = {
            "n": len(values),
            "per_s": len(values) / duration,
            # Operations per CPU-second of the server's workers: per core, whatever else
            # (the load generator, the database) used the machine's cores meanwhile.
            "per_server_cpu_s": len(values) / server_cpu if server_cpu else 0,
            "failed": failed,
            "p50": percentile(values, 0.50) if values else 0,
            "p99": percentile(values, 0.99) if values else 0,
            "max": values[-1] if values else 0,
        }
    result["client_cpu"] = client_cpu
    result["server_cpu"] = server_cpu / duration  # cores the server used on average
    # Other work on the machine shows here: 1-minute load average at the end of the phase.
    result["loadavg"] = float(Path("/proc/loadavg").read_text().split()[0])
    result["errors"] = errors[:3]
    result["error_count"] = len(errors)
    return result


def load(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("target", choices=["meinekammer", "peer"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--emails", required=True, help="file with one e-mail address a line")
    parser.add_argument("--server-pids", default="", help="the server's worker processes")
    args = parser.parse_args(argv)
    SERVER_PIDS.extend(int(pid) for pid in args.server_pids.split(",") if pid)
    target = Target(args.target, args.port)
    emails = Path(args.emails).read_text().split()
    results = []

    def emit(result):
        results.append(result)
        print(json.dumps(result), flush=True)

    if target.kind == "meinekammer":
        # login_post: the form once per connection, then only the POST (the CSRF cookie stays;
        # Django rotates it on login, so the new one is sent as the form's token).
        def login_setup(index):
            client = Client(args.port)
            return {"client": client, "csrf": target.login_form(client), "i": index}

        def login_post_step(state, timings):
            client = state["client"]
            client.cookies = {k: v for k, v in client.cookies.items() if "csrf" in k}
            email = emails[state["i"] % len(emails)]
            state["i"] += 4
            started = time.perf_counter()
            target.login_post(client, email, state["csrf"])
            timings.append(("login_post", time.perf_counter() - started, True))
            state["csrf"] = next(v for k, v in client.cookies.items() if "csrf" in k)

        emit(run_phase("login_post", 4, args.warmup, args.seconds, login_setup, login_post_step))

        def login_full_step(state, timings):
            client = Client(args.port)
            email = emails[state["i"] % len(emails)]
            state["i"] += 4
            started = time.perf_counter()
            target.login_post(client, email, target.login_form(client))
            timings.append(("login_full", time.perf_counter() - started, True))

        emit(run_phase("login_full", 4, args.warmup, args.seconds, login_setup, login_full_step))

    # Logged-in sessions, one per virtual user (connection), made once.
    code_connections = 16
    sessions = []
    for index in range(code_connections):
        client = Client(args.port)
        target.log_in(client, emails[index])
        sessions.append(client)
    issued: list[dict] = []
    issued_lock = threading.Lock()

    def code_step(client, timings):
        code, verifier = target.mint_code(client, timings)
        token = target.post_token(
            client,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
            },
            "token_code",
            timings,
        )
        assert token.get("id_token") and token.get("refresh_token"), token.keys()
        with issued_lock:
            issued.append(token)

    emit(
        run_phase(
            "code", code_connections, args.warmup, args.seconds, lambda i: sessions[i], code_step
        )
    )

    chains = issued[-code_connections:]
    spare = issued[:-code_connections][-200:]  # never refreshed: their access tokens stay valid

    def refresh_step(state, timings):
        token = target.post_token(
            state["client"],
            {"grant_type": "refresh_token", "refresh_token": state["token"]["refresh_token"]},
            "token_refresh",
            timings,
        )
        state["token"] = token

    refresh_states = [{"client": Client(args.port), "token": t} for t in chains]
    emit(
        run_phase(
            "refresh",
            len(refresh_states),
            args.warmup,
            args.seconds,
            lambda i: refresh_states[i],
            refresh_step,
        )
    )
    access_tokens = [s["token"]["access_token"] for s in refresh_states] + [
        t["access_token"] for t in spare
    ]

    def userinfo_step(state, timings):
        token = access_tokens[state["i"] % len(access_tokens)]
        state["i"] += 1
        started = time.perf_counter()
        status, _h, body = state["client"].request(
            "GET", target.userinfo, None, {"Authorization": f"Bearer {token}"}, cookies=False
        )
        timings.append(("userinfo", time.perf_counter() - started, status == 200))
        if status != 200:
            raise RuntimeError(f"userinfo {status} {body[:200]!r}")

    def introspect_step(state, timings):
        token = access_tokens[state["i"] % len(access_tokens)]
        state["i"] += 1
        started = time.perf_counter()
        status, _h, body = state["client"].request(
            "POST",
            target.introspect,
            {"token": token, "token_type_hint": "access_token"},
            {"Authorization": basic_auth()},
            cookies=False,
        )
        ok = status == 200 and json.loads(body).get("active") is True
        timings.append(("introspect", time.perf_counter() - started, ok))
        if not ok:
            raise RuntimeError(f"introspect {status} {body[:200]!r}")

    def resource_setup(index):
        return {"client": Client(args.port), "i": index * 7}

    emit(run_phase("userinfo", 50, args.warmup, args.seconds, resource_setup, userinfo_step))
    emit(run_phase("introspect", 50, args.warmup, args.seconds, resource_setup, introspect_step))

    # The floor: the discovery document needs no database and no key, so this is what any
    # request costs in the server itself (HTTP, framework, middleware) at 50 connections.
    def discovery_step(state, timings):
        started = time.perf_counter()
        status, _h, body = state["client"].request(
            "GET", "/.well-known/openid-configuration", cookies=False
        )
        timings.append(("discovery", time.perf_counter() - started, status == 200))
        if status != 200:
            raise RuntimeError(f"discovery {status} {body[:200]!r}")

    emit(run_phase("discovery", 50, args.warmup, args.seconds, resource_setup, discovery_step))
    return 0


# --- Preparing a database (runs with Django set up: `bench/sso.py prepare`) ---------------


def prepare(argv: list[str]) -> int:
    """Users, companies, role assignments and the client, through the ORM and the management
    commands; writes the users' e-mail addresses to argv[0]."""
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.core.management import call_command

    from meinekammer.accounts.models import PrivacyConsent, PrivacyNotice, User
    from meinekammer.applications.models import Application, AppRole, RoleAssignment
    from meinekammer.chambers.models import Chamber
    from meinekammer.companies.models import Company, CompanyState, Membership

    chamber = Chamber.objects.create(
        number="101",
        name="IHK Musterstadt",
        street="Kammerplatz 1",
        postal_code="12345",
        city="Musterstadt",
    )
    application = Application.objects.create(name="Serviceportal Bildung", requires_role=True)
    role = AppRole.objects.create(
        application=application, key="ausbilder", name_de="Ausbilder", name_en="Trainer"
    )
    probe = User(email="probe@bench.example")
    probe.set_password(PASSWORD)
    notice = PrivacyNotice.objects.current()
    emails = []
    for index in range(USERS):
        email = f"person{index}@firma{index}.example"
        user = User.objects.create(
            email=email,
            first_name="Erika",
            last_name=f"Muster{index}",
            password=probe.password,  # one argon2id hash of the same password, salted once
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        if notice:
            PrivacyConsent.objects.create(user=user, notice=notice)
        company = Company.objects.create(
            chamber=chamber,
            name=f"Firma {index} GmbH",
            street="Musterstraße 1",
            postal_code="12345",
            city="Musterstadt",
            member_number=f"{10100000 + index}",
            state=CompanyState.ACTIVE,
        )
        membership = Membership.objects.create(user=user, company=company)
        RoleAssignment.objects.create(membership=membership, role=role)
        emails.append(email)
    call_command(
        "register-app",
        application="Serviceportal Bildung",
        redirect_uris=[REDIRECT_URI],
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        first_party=True,
    )
    Path(argv[0]).write_text("\n".join(emails) + "\n")
    return 0


def hash_cost(argv: list[str]) -> int:
    """The password hash alone, in-process, one core: check_password of the users' hash."""
    import django

    django.setup()
    from django.contrib.auth.hashers import check_password, make_password

    encoded = make_password(PASSWORD)
    for _ in range(5):
        check_password(PASSWORD, encoded)
    times = []
    for _ in range(int(argv[0]) if argv else 100):
        started = time.perf_counter()
        assert check_password(PASSWORD, encoded)
        times.append(time.perf_counter() - started)
    print(
        json.dumps({"hash": encoded.split("$")[0:4], "median_ms": statistics.median(times) * 1000})
    )
    return 0


# --- The run -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, path: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        time.sleep(0.3)
    raise RuntimeError(f"nothing answers on {port}{path}")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_load(kind: str, port: int, emails: Path, seconds: float, pids: list[int]) -> list[dict]:
    command = [sys.executable, __file__, "load", kind, "--port", str(port)]
    command += ["--emails", str(emails), "--seconds", str(seconds)]
    command += ["--server-pids", ",".join(map(str, pids))]
    results = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:  # noqa: S603
        assert process.stdout is not None
        for line in process.stdout:
            result = json.loads(line)
            results.append(result)
            print_result(kind, result)
    if process.returncode:
        raise RuntimeError(f"load generator failed ({process.returncode})")
    return results


def print_result(kind: str, result: dict) -> None:
    for label, figures in result["labels"].items():
        print(
            f"  {kind:<11} {result['phase']:<10} {label:<13} c={result['connections']:<3}"
            f" {figures['per_s']:8.1f}/s  p50 {figures['p50']:7.1f} ms  p99 {figures['p99']:7.1f} ms"
            f"  max {figures['max']:7.1f} ms  n={figures['n']} failed={figures['failed']}"
            f"  server {result.get('server_cpu', 0):.2f} cores,"
            f" {figures.get('per_server_cpu_s', 0):.1f}/CPU-s"
            f"  (client CPU {result['client_cpu']:.0%}, load {result.get('loadavg', 0):.1f})",
            flush=True,
        )
    for error in result["errors"]:
        print(f"    error ({result['error_count']} in all): {error}")


@contextlib.contextmanager
def database(kind: str, workdir: Path):
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"meinekammer_sso_bench_{os.getpid()}"
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_URL}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


SERVERS = ("gunicorn-sync", "gunicorn-gthread", "granian")


def server_command(server: str, port: int) -> list[str]:
    """The app server with 2 worker processes (the machine's cores)."""
    if server == "granian":
        return [
            str(VENV / "granian"),
            "--interface",
            "wsgi",
            "--workers",
            "2",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "meinekammer.wsgi:application",
        ]
    command = [
        str(VENV / "gunicorn"),
        "meinekammer.wsgi",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
        "--log-level",
        "warning",
    ]
    if server == "gunicorn-gthread":
        command += ["--worker-class", "gthread", "--threads", "4"]
    return command


def bench_meinekammer(kind: str, seconds: float, server: str = "gunicorn-sync") -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="mk-sso-bench-"))
    port = free_port()
    try:
        with database(kind, workdir) as url:
            key = workdir / "signing-key.pem"
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "DJANGO_SETTINGS_MODULE": "bench.sso_settings",
                "SECRET_KEY": secrets.token_urlsafe(64),
                "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_SSL_REDIRECT": "false",
                "SITE_URL": f"http://127.0.0.1:{port}",
                "DATABASE_URL": url,
                "REDIS_URL": REDIS_URL,
                "OIDC_REDIRECT_URI_SCHEMES": "https,http",
                "MEINEKAMMER_VAR_DIR": str(workdir),
                "STATIC_ROOT": str(workdir / "static"),
            }
            env.pop("OIDC_SIGNING_KEY", None)
            mk = str(VENV / "meinekammer")
            subprocess.run([mk, "create-signing-key", "--out", str(key)], env=env, check=True)  # noqa: S603
            env["OIDC_SIGNING_KEY_FILE"] = str(key)
            # The access-token key (ES256), shared by the workers like the ID-token key.
            access_key = workdir / "access-token-key.pem"
            subprocess.run(  # noqa: S603
                [mk, "create-signing-key", "--access-tokens", "--out", str(access_key)],
                env=env,
                check=True,
            )
            env["OIDC_ACCESS_TOKEN_KEY_FILE"] = str(access_key)
            subprocess.run([mk, "migrate", "--verbosity", "0"], env=env, check=True)  # noqa: S603
            subprocess.run(  # noqa: S603
                [mk, "collectstatic", "--noinput", "--verbosity", "0"], env=env, check=True
            )
            emails = workdir / "emails.txt"
            subprocess.run([sys.executable, __file__, "prepare", str(emails)], env=env, check=True)  # noqa: S603
            hashed = subprocess.run(  # noqa: S603
                [sys.executable, __file__, "hash", "100"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            hash_ms = json.loads(hashed.stdout)["median_ms"]
            print(f"  {kind}: password hash alone (check_password, 1 core): {hash_ms:.1f} ms")
            gunicorn = subprocess.Popen(server_command(server, port), env=env)  # noqa: S603
            try:
                wait_for(port, "/accounts/login/")
                workers = children(gunicorn.pid)
                results = run_load("meinekammer", port, emails, seconds, workers)
                rss = [peak_rss_mb(pid) for pid in workers]
            finally:
                gunicorn.send_signal(signal.SIGTERM)
                gunicorn.wait(30)
            print(f"  {kind}: peak RSS per worker: {', '.join(f'{r:.0f} MB' for r in rss)}")
            login = next(r for r in results if r["phase"] == "login_post")["labels"]["login_post"]
            per_core = login["per_s"] / os.cpu_count()  # type: ignore[operator]
            print(
                f"  {kind}: logins per machine core {per_core:.1f}/s, ratio to the hash-bound"
                f" limit {per_core * hash_ms / 1000:.2f}; per worker CPU-second"
                f" {login['per_server_cpu_s']:.1f}, ratio {login['per_server_cpu_s'] * hash_ms / 1000:.2f}"
            )
            return {
                "database": kind,
                "server": server,
                "hash_ms": hash_ms,
                "results": results,
                "rss_mb": rss,
            }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def bench_peer(seconds: float) -> dict:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm not found")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=PEER_DIR, check=True)  # noqa: S603
    workdir = Path(tempfile.mkdtemp(prefix="mk-sso-peer-"))
    port = free_port()
    try:
        emails = workdir / "emails.txt"
        emails.write_text("\n".join(f"person{i}@firma{i}.example" for i in range(USERS)) + "\n")
        env = {
            **os.environ,
            "PORT": str(port),
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "REDIRECT_URI": REDIRECT_URI,
            "NODE_ENV": "production",
        }
        node = subprocess.Popen(["node", "server.js"], cwd=PEER_DIR, env=env)  # noqa: S607
        try:
            wait_for(port, "/.well-known/openid-configuration")
            results = run_load("peer", port, emails, seconds, [node.pid])
            rss = [peak_rss_mb(node.pid)]
        finally:
            node.send_signal(signal.SIGTERM)
            node.wait(30)
        print(f"  peer: peak RSS of the node process: {rss[0]:.0f} MB")
        return {"database": "memory", "results": results, "rss_mb": rss}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("load", "prepare", "hash"):
        return {"load": load, "prepare": prepare, "hash": hash_cost}[argv[0]](argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per phase")
    parser.add_argument("--no-peer", dest="peer", action="store_false")
    parser.add_argument("--only-peer", action="store_true")
    parser.add_argument("--json", type=Path, help="write all figures to this file")
    parser.add_argument(
        "--server",
        choices=[*SERVERS, "all"],
        default="gunicorn-sync",
        help="the app server (granian: pip install granian)",
    )
    args = parser.parse_args(argv)
    print("\n".join(machine()))
    runs = []
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    servers = list(SERVERS) if args.server == "all" else [args.server]
    for kind in [] if args.only_peer else kinds:
        for server in servers:
            print(f"  {kind} on {server}")
            runs.append(bench_meinekammer(kind, args.seconds, server))
    if args.peer:
        runs.append(bench_peer(args.seconds))
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
