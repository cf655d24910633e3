"""The load run (issue 15): `.venv/bin/python loadtest/run.py [--users 100] [--seconds 300] [--keep]`.

Sets up, on loopback, what an installation runs at scale (docs/operations.md, "Processes"):

- a fresh PostgreSQL database `meinekammer_load_<pid>` (BENCH_POSTGRES_URL, default
  postgres://postgres@127.0.0.1:5432), migrated, with the two signing keys
  (`meinekammer create-signing-key`, also `--access-tokens`), seeded by loadtest/seed.py;
  dropped at the end unless --keep;
- Redis db 12 (LOADTEST_REDIS_URL), flushed first: cache, sessions, rate limits;
- two app servers: gunicorn with deploy/gunicorn.conf.py, 2 sync workers each, own ports;
- two task workers (`meinekammer db_worker --no-reload`) and the scheduler
  (`meinekammer run-schedules --loop`);
- an SMTP sink (loadtest/smtp_sink.py, aiosmtpd) the workers really deliver to;
- nginx in the foreground with its own config in the run's temp dir: TLS on a free loopback
  port (a self-signed certificate made here), round-robin to the two app servers, passing
  X-Forwarded-For and X-Forwarded-Proto: https as docs/operations.md says.

Settings: loadtest.settings (production's, rate limits per source raised: all virtual users
are 127.0.0.1). Then locust (loadtest/locustfile.py) runs the users headless for --seconds, the
outbox is drained, every invariant of DESIGN.md is checked (tests/invariants.py) and the mails
are counted (outbox rows all sent, each Message-ID received once). Prints p50/p95/p99 per flow
and step, requests, failures, 5xx (from nginx's log), invariants, mails; exits non-zero on any
5xx, failure, broken invariant, lost or doubled mail.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from loadtest.plan import shares  # noqa: E402

VENV = ROOT / ".venv" / "bin"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/12")
NGINX = os.environ.get("NGINX", shutil.which("nginx") or "/usr/sbin/nginx")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing_services() -> list[str]:
    """What the run needs and this machine lacks (empty if it can run)."""
    from urllib.parse import urlparse

    missing = []
    if not Path(NGINX).exists():
        missing.append("nginx (apt-get install nginx-light)")
    for name, url, port in (("PostgreSQL", POSTGRES_URL, 5432), ("Redis", REDIS_URL, 6379)):
        parsed = urlparse(url)
        try:
            socket.create_connection(
                (parsed.hostname or "127.0.0.1", parsed.port or port), 2
            ).close()
        except OSError:
            missing.append(f"{name} at {url}")
    return missing


NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstream '$status $request_time $upstream_addr "$request"';
    access_log {tmp}/nginx-access.log upstream;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream meinekammer {{
        server 127.0.0.1:{app1};
        server 127.0.0.1:{app2};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {tmp}/tls.crt;
        ssl_certificate_key {tmp}/tls.key;
        client_max_body_size 2m;
        location / {{
            proxy_pass http://meinekammer;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host:$server_port;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
            proxy_next_upstream off;
        }}
    }}
}}
"""


class Processes:
    """The run's processes, each with its log in the temp dir; stopped in reverse order."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("w")
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
        self.running.append((name, process))
        return process

    def check_alive(self) -> None:
        for name, process in self.running:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} ended ({process.returncode}); see {self.tmp / name}.log"
                )

    def stop(self) -> None:
        for _name, process in reversed(self.running):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _name, process in reversed(self.running):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.running.clear()


def wait_for(
    port: int, path: str, *, processes: Processes, tls: bool = False, seconds: float = 60
) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        processes.check_alive()
        with contextlib.suppress(OSError):
            if tls:
                context = ssl._create_unverified_context()  # noqa: S323 - our own certificate
                conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                    "127.0.0.1", port, timeout=5, context=context
                )
            else:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers={"X-Forwarded-Proto": "https"})
            if conn.getresponse().status < 500:
                return
        time.sleep(0.3)
    raise RuntimeError(f"nothing answers on {port}{path}")


def wait_for_line(log: Path, text: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{log.name}: no {text!r} within {seconds} s")


def versions() -> dict[str, str]:
    import platform

    def out(command: list[str]) -> str:
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError:
            return "?"
        return (
            (done.stdout + done.stderr).strip().splitlines()[0]
            if (done.stdout + done.stderr).strip()
            else "?"
        )

    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    import psycopg

    with psycopg.connect(f"{POSTGRES_URL}/postgres") as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "memory": memory,
        "python": platform.python_version(),
        "postgresql": postgres,
        "nginx": out([NGINX, "-v"]).replace("nginx version: ", ""),
        "locust": out([str(VENV / "locust"), "--version"]).split(" from ")[0],
    }


def five_hundreds(access_log: Path) -> tuple[int, int, dict[str, int]]:
    """(requests, 5xx answers, requests per upstream) from nginx's access log."""
    total, errors, upstreams = 0, 0, {}
    for line in access_log.read_text(errors="replace").splitlines() if access_log.exists() else []:
        fields = line.split(" ", 3)
        total += 1
        if fields[0].startswith("5"):
            errors += 1
        upstreams[fields[2]] = upstreams.get(fields[2], 0) + 1
    return total, errors, upstreams


def print_stats(stats_csv: Path) -> tuple[int, int, dict[str, int]]:
    rows = list(csv.DictReader(stats_csv.open())) if stats_csv.exists() else []
    print(f"\n{'flow: step':<32} {'n':>7} {'fail':>5} {'p50':>7} {'p95':>7} {'p99':>7}  (ms)")
    requests = failures = 0
    passes: dict[str, int] = {}
    for row in sorted(
        rows, key=lambda r: (r["Name"].split(":")[0], r["Type"] != "FLOW", r["Name"])
    ):
        if row["Name"] == "Aggregated":
            continue
        n, failed = int(row["Request Count"]), int(row["Failure Count"])
        if row["Type"] not in ("FLOW", "MAIL"):
            requests += n
            failures += failed
        elif row["Type"] == "FLOW":
            failures += failed
            passes[row["Name"].split(":")[0]] = n - failed
        name = row["Name"] if row["Type"] != "FLOW" else row["Name"].upper()
        print(f"{name:<32} {n:>7} {failed:>5} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}")
    return requests, failures, passes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--app-workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--keep", action="store_true", help="keep the database and the temp dir")
    args = parser.parse_args(argv)
    missing = missing_services()
    if missing:
        print("the load run needs: " + ", ".join(missing), file=sys.stderr)
        return 2

    import psycopg
    import redis

    tmp = Path(tempfile.mkdtemp(prefix="mk-load-"))
    name = f"meinekammer_load_{os.getpid()}"
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(REDIS_URL).flushdb()
    processes = Processes(tmp)
    port, app_ports, smtp_port = free_port(), (free_port(), free_port()), free_port()
    spool = tmp / "spool"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "loadtest.settings",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "true",
        "SITE_URL": f"https://127.0.0.1:{port}",
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
        "DATABASE_URL": f"{POSTGRES_URL}/{name}",
        "REDIS_URL": REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "OIDC_REDIRECT_URI_SCHEMES": "https,http",
        "MEINEKAMMER_VAR_DIR": str(tmp / "var"),
        "STATIC_ROOT": str(tmp / "static"),
        "LOG_LEVEL": "WARNING",
        "ACCESS_LOG": "false",
        # The operator's settings for many registrations and invitations from one address.
        "SIGNUP_RATE_LIMIT": "1000000/m/ip",
        "INVITATIONS_PER_COMPANY_PER_HOUR": "1000000",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "LOADTEST_DATA": str(tmp / "data.json"),
        "LOADTEST_SPOOL": str(spool),
        "LOADTEST_USERS": str(args.users),
    }
    for key in ("OIDC_SIGNING_KEY", "OIDC_ACCESS_TOKEN_KEY", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(key, None)
    mk = str(VENV / "meinekammer")
    code = 1
    try:
        print(f"load run: {args.users} users for {args.seconds} s; temp dir {tmp}; database {name}")
        print(f"  flows: {shares(args.users)}", flush=True)
        subprocess.run(
            [mk, "create-signing-key", "--out", str(tmp / "id.pem")], env=env, check=True
        )
        subprocess.run(
            [mk, "create-signing-key", "--access-tokens", "--out", str(tmp / "at.pem")],
            env=env,
            check=True,
        )
        env["OIDC_SIGNING_KEY_FILE"] = str(tmp / "id.pem")
        env["OIDC_ACCESS_TOKEN_KEY_FILE"] = str(tmp / "at.pem")
        started = time.monotonic()
        subprocess.run([mk, "migrate", "--verbosity", "0"], env=env, check=True)
        subprocess.run([mk, "collectstatic", "--noinput", "--verbosity", "0"], env=env, check=True)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "loadtest" / "seed.py"),
                env["LOADTEST_DATA"],
                str(args.users),
                str(args.seconds),
            ],
            env=env,
            check=True,
        )
        print(f"  database migrated and seeded in {time.monotonic() - started:.0f} s", flush=True)
        subprocess.run(
            [
                shutil.which("openssl") or "/usr/bin/openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(tmp / "tls.key"),
                "-out",
                str(tmp / "tls.crt"),
            ],
            check=True,
            capture_output=True,
        )
        processes.start(
            "smtp",
            [sys.executable, str(ROOT / "loadtest" / "smtp_sink.py"), str(spool), str(smtp_port)],
            env,
        )
        wait_for_line(tmp / "smtp.log", "smtp sink on")
        for number, app_port in enumerate(app_ports, 1):
            processes.start(
                f"app{number}",
                [
                    str(VENV / "gunicorn"),
                    "-c",
                    str(ROOT / "deploy" / "gunicorn.conf.py"),
                    "meinekammer.wsgi",
                ],
                {
                    **env,
                    "GUNICORN_BIND": f"127.0.0.1:{app_port}",
                    "GUNICORN_WORKERS": str(args.app_workers),
                },
            )
        for number in (1, 2):
            processes.start(
                f"worker{number}", [mk, "db_worker", "--no-reload", "--interval", "0.2"], env
            )
        processes.start("scheduler", [mk, "run-schedules", "--loop"], env)
        (tmp / "nginx.conf").write_text(
            NGINX_CONF.format(tmp=tmp, port=port, app1=app_ports[0], app2=app_ports[1])
        )
        processes.start("nginx", [NGINX, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)], env)
        for app_port in app_ports:
            wait_for(app_port, "/accounts/login/", processes=processes)
        wait_for(port, "/accounts/login/", tls=True, processes=processes)
        time.sleep(2)
        processes.check_alive()
        # The seed's own mails (the registrations' confirmations) are delivered before the load.
        subprocess.run(
            [sys.executable, str(ROOT / "loadtest" / "verify.py"), "drain", "300"],
            env=env,
            check=True,
        )
        (tmp / "nginx-access.log").write_text("")  # count the load only
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "loadtest" / "verify.py"),
                "snapshot",
                str(tmp / "before.json"),
            ],
            env=env,
            check=True,
        )
        machine = versions()
        print(f"  {json.dumps(machine)}", flush=True)

        locust = subprocess.run(
            [
                str(VENV / "locust"),
                "-f",
                str(ROOT / "loadtest" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.seconds}s",
                "--host",
                f"https://127.0.0.1:{port}",
                "--csv",
                str(tmp / "locust"),
                "--only-summary",
                "--stop-timeout",
                "30",
                "--loglevel",
                "WARNING",
            ],
            # The clients verify nginx's certificate, made above for 127.0.0.1.
            env={**env, "LOADTEST_CA": str(tmp / "tls.crt")},
            cwd=ROOT,
            check=False,
        )
        processes.check_alive()
        drained = (
            subprocess.run(
                [sys.executable, str(ROOT / "loadtest" / "verify.py"), "drain", "120"],
                env=env,
                check=False,
            ).returncode
            == 0
        )
        time.sleep(1)
        total, errors, upstreams = five_hundreds(tmp / "nginx-access.log")
        processes.stop()
        checked = subprocess.run(
            [
                sys.executable,
                str(ROOT / "loadtest" / "verify.py"),
                "check",
                str(tmp / "before.json"),
                str(spool),
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        verdict = json.loads(checked.stdout)
        requests, failures, passes = print_stats(tmp / "locust_stats.csv")
        idle = [flow for flow in shares(args.users) if not passes.get(flow)]
        mails = verdict["mails"]
        print(
            f"\nrequests {requests} (nginx: {total}, per app server {upstreams}), failures {failures}, 5xx {errors}"
        )
        print(f"invariants: {verdict['invariants']}")
        print(f"mails: {json.dumps(mails)}{'' if drained else ' — the outbox did not drain'}")
        if idle:
            print(f"flows without one whole pass: {', '.join(idle)}")
        good = (
            not idle
            and errors == 0
            and failures == 0
            and locust.returncode == 0
            and verdict["invariants"] == "ok"
            and mails["lost"] == 0
            and mails["doubled"] == 0
            and mails["not_sent"] == 0
            and drained
        )
        result = {
            "machine": machine,
            "users": args.users,
            "seconds": args.seconds,
            "requests": requests,
            "failures": failures,
            "5xx": errors,
            **verdict,
        }
        (ROOT / "var").mkdir(exist_ok=True)
        (ROOT / "var" / "loadtest-last.json").write_text(json.dumps(result, indent=1))
        shutil.copy(tmp / "locust_stats.csv", ROOT / "var" / "loadtest-last-stats.csv")
        print("load run: " + ("ok" if good else "FAILED"))
        code = 0 if good else 1
    finally:
        processes.stop()
        if not args.keep:
            with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if code == 0:
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                print(f"logs kept in {tmp}")
    return code


if __name__ == "__main__":
    sys.exit(main())
