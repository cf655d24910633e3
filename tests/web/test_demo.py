import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from examples.serviceportal.app import Config

from meinekammer.demo.management.commands.demo import demo_addresses, demo_processes
from meinekammer.demo.seed import SERVICEPORTAL_CLIENT_ID, SERVICEPORTAL_CLIENT_SECRET


def run_demo(tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="meinekammer.settings.dev", MEINEKAMMER_VAR_DIR=str(tmp_path))
    return subprocess.run(
        [sys.executable, "-m", "meinekammer", "demo", "--setup-only", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def count_users(tmp_path):
    with sqlite3.connect(tmp_path / "meinekammer.sqlite3") as db:
        return db.execute("select count(*) from accounts_user").fetchone()[0]


def test_the_demo_sets_up_sqlite_under_var_and_prints_the_logins(tmp_path):
    result = run_demo(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "http://localhost:8000/" in result.stdout
    assert "/dev/mailbox/" in result.stdout
    assert "anna.admin@beispiel-gmbh.example" in result.stdout
    assert "Demo-Zugang-2026" in result.stdout
    assert count_users(tmp_path) == 7


def test_running_the_demo_again_keeps_the_data_and_reset_starts_afresh(tmp_path):
    run_demo(tmp_path)
    with sqlite3.connect(tmp_path / "meinekammer.sqlite3") as db:
        db.execute("update accounts_user set first_name = 'Geändert' where email like 'anna%'")
    run_demo(tmp_path)
    with sqlite3.connect(tmp_path / "meinekammer.sqlite3") as db:
        assert (
            db.execute("select first_name from accounts_user where email like 'anna%'").fetchone()[
                0
            ]
            == "Geändert"
        )
    result = run_demo(tmp_path, "--reset")
    assert "afresh" in result.stdout
    with sqlite3.connect(tmp_path / "meinekammer.sqlite3") as db:
        assert (
            db.execute("select first_name from accounts_user where email like 'anna%'").fetchone()[
                0
            ]
            == "Anna"
        )


DEMO_PORT = 8100


@pytest.fixture(scope="module")
def demo_on_another_port(tmp_path_factory):
    """The demo's set-up for --port 8100, once for the tests below."""
    var_dir = tmp_path_factory.mktemp("demo-8100")
    result = run_demo(var_dir, "--port", str(DEMO_PORT))
    assert result.returncode == 0, result.stderr
    return var_dir, result


def run_with_demo_settings(var_dir, env, code):
    """`code` in a fresh interpreter on the demo's settings, with `env` as its environment."""
    env = {k: v for k, v in env.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="meinekammer.settings.dev", MEINEKAMMER_VAR_DIR=str(var_dir))
    script = f"import django\ndjango.setup()\n{textwrap.dedent(code)}"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_demo_on_another_port_registers_the_sample_client_on_the_next_one(
    demo_on_another_port,
):
    var_dir, result = demo_on_another_port
    assert "Portal:               http://localhost:8100/" in result.stdout
    assert "http://localhost:8100/dev/mailbox/" in result.stdout
    assert "Sample application:   http://localhost:8101/" in result.stdout
    assert ":8000" not in result.stdout and ":8001" not in result.stdout
    with sqlite3.connect(var_dir / "meinekammer.sqlite3") as db:
        uris = db.execute(
            "select redirect_uris, post_logout_redirect_uris from applications_oauthclient"
            " where client_id = ?",
            (SERVICEPORTAL_CLIENT_ID,),
        ).fetchone()
    assert uris == ("http://localhost:8101/auth/callback", "http://localhost:8101/")


def test_every_demo_process_gets_the_address_of_the_port_it_runs_on(demo_on_another_port):
    var_dir, _result = demo_on_another_port
    environ = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "SERVICEPORTAL_URL"}}
    site_url, sample_url = demo_addresses("127.0.0.1", DEMO_PORT, environ)
    assert (site_url, sample_url) == ("http://localhost:8100", "http://localhost:8101")
    processes = {
        p.name: p
        for p in demo_processes(
            host="127.0.0.1",
            port=DEMO_PORT,
            site_url=site_url,
            sample_url=sample_url,
            environ=environ,
        )
    }
    assert set(processes) == {"web", "worker", "scheduler", "sample"}
    web = processes["web"].argv
    assert web[web.index("--bind") + 1] == "127.0.0.1:8100"
    for process in processes.values():
        assert process.env["SITE_URL"] == "http://localhost:8100"

    # What the portal's processes make of it: the issuer, the discovery document, mail links.
    out = run_with_demo_settings(
        var_dir,
        processes["worker"].env,
        """
        from django.conf import settings
        from django.test import Client
        from meinekammer.core.links import absolute_url
        print(settings.SITE_URL)
        print(settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"])
        print(absolute_url("/konto/"))
        response = Client(HTTP_HOST="localhost:8100").get("/.well-known/openid-configuration")
        print(response.json()["issuer"])
        """,
    )
    assert out.split() == [
        "http://localhost:8100",
        "http://localhost:8100",
        "http://localhost:8100/konto/",
        "http://localhost:8100",
    ]

    # The sample application: the issuer, and its own address, exactly as its client is registered.
    config = Config.from_environment(processes["sample"].env)
    assert config.issuer == "http://localhost:8100"
    assert config.url == "http://localhost:8101"
    assert config.redirect_uri == "http://localhost:8101/auth/callback"
    assert config.post_logout_redirect_uri == "http://localhost:8101/"
    assert config.client_id == SERVICEPORTAL_CLIENT_ID
    assert config.client_secret == SERVICEPORTAL_CLIENT_SECRET


def test_site_url_and_serviceportal_url_in_the_environment_win_over_the_port():
    environ = {"SITE_URL": "https://demo.example/", "SERVICEPORTAL_URL": "https://sp.example"}
    assert demo_addresses("127.0.0.1", DEMO_PORT, environ) == (
        "https://demo.example",
        "https://sp.example",
    )


def test_the_demo_logs_requests_without_query_strings():
    (web, *_others) = demo_processes(
        host="127.0.0.1", port=DEMO_PORT, site_url="x", sample_url="y", environ={}
    )
    log_format = web.argv[web.argv.index("--access-logformat") + 1]
    assert "%(U)s" in log_format
    for atom in ("%(r)s", "%(q)s", "%(f)s"):  # request line, query string, referrer
        assert atom not in log_format


def test_an_unknown_page_in_the_demo_is_the_portals_404_page_not_djangos_url_list(
    demo_on_another_port,
):
    var_dir, _result = demo_on_another_port
    out = run_with_demo_settings(
        var_dir,
        os.environ,
        """
        from django.conf import settings
        from django.test import Client
        client = Client(HTTP_HOST="127.0.0.1")
        response = client.get("/gibt-es-nicht/")
        print(response.status_code, settings.DEBUG)
        print(response.content.decode())
        print("MAILBOX", client.get("/dev/mailbox/").status_code)
        """,
    )
    status, page = out.split("\n", 1)
    assert status == "404 False"
    assert '<h1 class="kern-heading-large">Seite nicht gefunden</h1>' in page  # web/error.html
    assert "Using the URLconf" not in page and "meinekammer.urls" not in page
    assert "MAILBOX 200" in page


def test_the_demo_is_reached_as_localhost_because_webauthn_refuses_ip_addresses():
    """A passkey's relying party is the site's host name; Chromium refuses 127.0.0.1."""
    assert demo_addresses("127.0.0.1", 8000, {}) == (
        "http://localhost:8000",
        "http://localhost:8001",
    )
    assert demo_addresses("::1", 8000, {})[0] == "http://localhost:8000"
    assert demo_addresses("portal.example", 8000, {})[0] == "http://portal.example:8000"
