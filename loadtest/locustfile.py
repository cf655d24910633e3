"""The flows of the load run (run.py starts locust with this file; LOADTEST_DATA names the
seed's JSON, LOADTEST_SPOOL the SMTP sink's directory, LOADTEST_USERS the number of users).

Each flow is one user class with a fixed count (plan.shares). Requests are named
"<flow>: <step>", and every finished pass through a flow is also reported as
"<flow>: whole flow" (request type FLOW), so that locust's statistics give p50/p95/p99 per step
and per flow. Every answer is checked: its status and a marker in its body; anything else,
a 5xx above all, is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import re
import secrets
import time
from email import message_from_bytes, policy
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

from locust import HttpUser, between, task
from locust.clients import HttpSession
from locust.exception import StopUser
from requests.cookies import RequestsCookieJar
from tests.totp import PERIOD, code_for_step

from loadtest.plan import CLIENT_ID, CLIENT_SECRET, PASSWORD, REDIRECT_URI, SCOPE, shares

DATA = (
    json.loads(Path(os.environ["LOADTEST_DATA"]).read_text())
    if "LOADTEST_DATA" in os.environ
    else None
)
SPOOL = Path(os.environ.get("LOADTEST_SPOOL", "."))
PLAN = shares(int(os.environ.get("LOADTEST_USERS", "100")))
MAIL_WAIT_SECONDS = 120
COUNTERS = {flow: itertools.count() for flow in PLAN}


class Unexpected(Exception):
    pass


# --- Forms -----------------------------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page: action, the values a browser would send unchanged, the buttons."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attr = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = {"action": attr.get("action", ""), "fields": [], "buttons": []}
            self.forms.append(self.current)
        elif self.current is None:
            return
        elif tag == "button" and attr.get("name"):
            self.current["buttons"].append(attr["name"])
        elif tag == "input" and attr.get("name"):
            kind = attr.get("type", "text").lower()
            if kind == "submit":
                self.current["buttons"].append(attr["name"])
            elif kind in ("radio", "checkbox"):
                if "checked" in attr:
                    self.current["fields"].append((attr["name"], attr.get("value", "on")))
            else:
                self.current["fields"].append((attr["name"], attr.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def forms_of(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise Unexpected("no CSRF token on the page")
    return match.group(1)


USED_STEPS: dict[str, int] = {}


def fresh_code(secret: str) -> str:
    """The app's current code, waiting for the next one if this account used it already
    (allauth refuses a code twice)."""
    step = int(time.time() // PERIOD)
    if USED_STEPS.get(secret, -1) >= step:
        time.sleep((step + 1) * PERIOD - time.time() + 0.05)
        step = int(time.time() // PERIOD)
    USED_STEPS[secret] = step
    return code_for_step(secret, step)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


# --- One browser -----------------------------------------------------------------------------


class Browser:
    """One person's browser: a cookie jar of its own on the virtual user's HTTP session,
    reporting to locust under the flow's names. (A flow with two people, the admin and the
    invitee, swaps the jars; the virtual user's requests are sequential.)"""

    def __init__(self, user: HttpUser, flow: str, *, own_cookies: bool = False) -> None:
        self.user, self.flow = user, flow
        self.session: HttpSession = user.client
        # nginx's certificate, made by run.py for 127.0.0.1: verified, as a browser would.
        self.session.verify = os.environ.get("LOADTEST_CA", True)
        self.jar = RequestsCookieJar() if own_cookies else self.session.cookies

    def call(self, method, path, step, *, status=200, marker=None, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        self.session.cookies = self.jar
        headers = kwargs.pop("headers", {})
        if method == "POST":
            headers.setdefault("Referer", self.user.host + path)
        with self.session.request(
            method,
            path,
            name=f"{self.flow}: {step}",
            headers=headers,
            catch_response=True,
            **kwargs,
        ) as response:
            expected = status if isinstance(status, tuple) else (status,)
            if response.status_code not in expected:
                location = response.headers.get("Location", "")
                why = f" {response.error}" if response.status_code == 0 else ""
                response.failure(
                    f"status {response.status_code}, expected {status} {location}{why}"[:500]
                )
                raise Unexpected(f"{step}: {response.status_code}")
            if marker is not None and marker not in response.text:
                response.failure(f"no {marker!r} in the answer")
                raise Unexpected(f"{step}: no {marker!r}")
            response.success()
            return response

    def post_form(self, path, step, fields, **kwargs):
        return self.call("POST", path, step, data=fields, **kwargs)

    def log_in(self, email: str, step: str = "login", secret: str | None = None) -> None:
        """The login form; with `secret`, then the code of the account's authenticator app
        (company admins and chamber staff must have a second factor)."""
        self.jar.clear()
        form = self.call("GET", "/accounts/login/", f"{step} form", marker="csrfmiddlewaretoken")
        answer = self.post_form(
            "/accounts/login/",
            f"{step} post",
            {"login": email, "password": PASSWORD, "csrfmiddlewaretoken": csrf_of(form.text)},
            status=302,
        )
        location = urlparse(answer.headers.get("Location", "")).path
        if secret is not None and location == "/accounts/2fa/authenticate/":
            page = self.call("GET", location, f"{step} code form", marker='name="code"')
            self.post_form(
                location,
                f"{step} code post",
                {"code": fresh_code(secret), "csrfmiddlewaretoken": csrf_of(page.text)},
                status=302,
            )
            return
        if location != "/":
            raise Unexpected(f"login went to {answer.headers.get('Location')}")

    def log_out(self) -> None:
        page = self.call("GET", "/", "dashboard", marker="Meine Unternehmen")
        self.post_form(
            "/accounts/logout/", "logout", {"csrfmiddlewaretoken": csrf_of(page.text)}, status=302
        )


class Flow(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    flow = ""

    def on_start(self) -> None:
        self.index = next(COUNTERS[self.flow])
        self.data = DATA["flows"][self.flow][self.index]  # type: ignore[index]
        self.browser = Browser(self, self.flow)
        self.prepare()
        self.setup()

    def prepare(self) -> None:
        """Once per virtual user (setup runs again after a failed pass)."""

    def setup(self) -> None:
        pass

    @task
    def one_pass(self) -> None:
        started = time.perf_counter()
        error: Exception | None = None
        try:
            self.one_flow()
        except Unexpected as exc:
            error = exc
        self.environment.events.request.fire(
            request_type="FLOW",
            name=f"{self.flow}: whole flow",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
        )
        if error is not None:  # start again from a clean session
            self.on_error()

    def on_error(self) -> None:
        with_retry(self.setup)

    def one_flow(self) -> None:
        raise NotImplementedError


def with_retry(action) -> None:
    for _ in range(3):
        try:
            action()
            return
        except Unexpected:
            time.sleep(1)


# --- The flows -----------------------------------------------------------------------------


class Login(Flow):
    """Login, the dashboard a few times, logout."""

    flow = "login"
    fixed_count = PLAN["login"]

    def one_flow(self) -> None:
        email, _membership, _name = self.data["members"][
            secrets.randbelow(len(self.data["members"]))
        ]
        self.browser.log_in(email)
        company = self.data["company_name"]
        for _ in range(2):
            self.browser.call("GET", "/", "dashboard", marker=company)
        self.browser.log_out()


class MemberList(Flow):
    """The company admin's member list: the first page, a search, the second page."""

    flow = "members"
    fixed_count = PLAN["members"]

    def setup(self) -> None:
        self.browser.log_in(self.data["admin"], secret=self.data["admin_secret"])

    def one_flow(self) -> None:
        base = f"/unternehmen/{self.data['company_id']}/"
        self.browser.call("GET", base, "list", marker="Mitglied00")
        _email, _pk, name = self.data["members"][secrets.randbelow(len(self.data["members"]))]
        self.browser.call("GET", f"{base}?{urlencode({'q': name})}", "search", marker=name)
        self.browser.call("GET", f"{base}?page=2", "page 2", marker="Mitglied")


def approve_latest(browser: Browser, marker: str) -> None:
    """The admin opens "Offene Anfragen", the newest request and approves it as it stands."""
    page = browser.call("GET", "/unternehmen/anfragen/offen/", "open requests", marker=marker)
    ids = [int(found) for found in re.findall(r'/unternehmen/anfragen/(\d+)/"', page.text)]
    if not ids:
        raise Unexpected("no open request")
    path = f"/unternehmen/anfragen/{max(ids)}/"
    detail = browser.call("GET", path, "request details", marker=marker)
    form = next((f for f in forms_of(detail.text) if "approve" in f["buttons"]), None)
    if form is None:
        raise Unexpected("no approve button")
    fields = dict(form["fields"])
    fields["approve"] = ""
    browser.post_form(path, "approve", fields, status=302)


class Invitation(Flow):
    """The admin invites a registered person; the mail arrives; the person logs in, follows
    the link and accepts; the admin confirms the join request."""

    flow = "invite"
    fixed_count = PLAN["invite"]

    def prepare(self) -> None:
        self.invitee = Browser(self, self.flow, own_cookies=True)
        self.pool = iter(self.data["invitees"])

    def setup(self) -> None:
        self.browser.log_in(self.data["admin"], secret=self.data["admin_secret"])

    def one_flow(self) -> None:
        email = next(self.pool, None)
        if email is None:
            raise StopUser
        base = f"/unternehmen/{self.data['company_id']}/benutzer-hinzufuegen/"
        form = self.browser.call("GET", base, "invite form", marker='name="email"')
        role = DATA["roles"][2]  # type: ignore[index]
        self.browser.post_form(
            base,
            "invite post",
            {"csrfmiddlewaretoken": csrf_of(form.text), "email": email, "roles": str(role)},
            status=302,
        )
        token = self.wait_for_link(email)
        self.invitee.log_in(email, "invitee login")
        link = f"/unternehmen/einladung/{token}/"
        page = self.invitee.call("GET", link, "link", marker=self.data["company_name"])
        self.invitee.post_form(
            link, "accept", {"csrfmiddlewaretoken": csrf_of(page.text)}, status=302
        )
        approve_latest(
            self.browser, email.split("@")[0].replace("i", "Einladung", 0) and "Einladung"
        )

    def wait_for_link(self, email: str) -> str:
        started = time.perf_counter()
        folder = SPOOL / email.lower()
        deadline = started + MAIL_WAIT_SECONDS
        token = None
        while time.perf_counter() < deadline and token is None:
            # The newest mail to the address (each address is invited once; the newest all
            # the same, should a pass have been repeated).
            mails = (
                sorted(folder.glob("*.eml"), key=lambda p: -int(p.stem)) if folder.exists() else []
            )
            for path in mails[:1]:
                message = message_from_bytes(path.read_bytes(), policy=policy.default)
                body = message.get_body(preferencelist=("plain",))
                text = body.get_content() if body is not None else ""
                found = re.search(r"/unternehmen/einladung/([^/\s\"<>]+)/", text)
                if found:
                    token = found.group(1)
            if token is None:
                time.sleep(0.2)
        self.environment.events.request.fire(
            request_type="MAIL",
            name=f"{self.flow}: mail delivered",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=None if token else Unexpected(f"no invitation mail for {email}"),
            context={},
        )
        if token is None:
            raise Unexpected(f"no invitation mail for {email}")
        return token


class Join(Flow):
    """A person asks to join ("Unternehmen beitreten"); the admin approves."""

    flow = "join"
    fixed_count = PLAN["join"]

    def prepare(self) -> None:
        self.person = Browser(self, self.flow, own_cookies=True)
        self.pool = iter(self.data["joiners"])

    def setup(self) -> None:
        self.browser.log_in(self.data["admin"], secret=self.data["admin_secret"])

    def one_flow(self) -> None:
        email = next(self.pool, None)
        if email is None:
            raise StopUser
        self.person.log_in(email, "person login")
        form = self.person.call(
            "GET", "/unternehmen/beitreten/", "join form", marker="member_number"
        )
        self.person.post_form(
            "/unternehmen/beitreten/",
            "join post",
            {
                "csrfmiddlewaretoken": csrf_of(form.text),
                "chamber_number": "101",
                "member_number": self.data["member_number"],
                "company_name": self.data["company_name"],
                "comment": "Bitte um Aufnahme (Lasttest).",
            },
            status=302,
        )
        approve_latest(self.browser, "Beitritt")


class RoleChange(Flow):
    """The admin opens a member's roles ("+"), switches "Ausbilder" and saves."""

    flow = "role"
    fixed_count = PLAN["role"]

    def setup(self) -> None:
        self.browser.log_in(self.data["admin"], secret=self.data["admin_secret"])

    def one_flow(self) -> None:
        _email, membership, name = self.data["members"][
            secrets.randbelow(len(self.data["members"]))
        ]
        base = f"/unternehmen/{self.data['company_id']}/"
        page = self.browser.call(
            "GET",
            f"{base}?{urlencode({'q': name, 'rollen': membership})}",
            "open roles",
            marker=name,
        )
        action = f"{base}mitglieder/{membership}/"
        form = next((f for f in forms_of(page.text) if f["action"].startswith(action)), None)
        if form is None:
            raise Unexpected("no role form for the member")
        fields = dict(form["fields"])
        key = f"m{membership}-role_{DATA['roles'][2]}"  # type: ignore[index]
        if key not in fields:
            raise Unexpected(f"no question {key}")
        fields[key] = "no" if fields[key] == "yes" else "yes"
        answer = self.browser.post_form(action, "save", fields, status=302)
        self.browser.call("GET", answer.headers["Location"], "list after", marker=name)


class SingleSignOn(Flow):
    """A logged-in member: authorize (PKCE) → code → token, three refreshes, userinfo."""

    flow = "sso"
    fixed_count = PLAN["sso"]

    def setup(self) -> None:
        self.email = self.data["members"][0][0]
        self.browser.log_in(self.email)

    def one_flow(self) -> None:
        verifier, challenge = pkce()
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
        answer = self.browser.call(
            "GET", f"/o/authorize/?{urlencode(query)}", "authorize", status=(302, 303)
        )
        location = answer.headers.get("Location", "")
        code = parse_qs(urlparse(location).query).get("code", [""])[0]
        if not location.startswith(REDIRECT_URI) or not code:
            raise Unexpected(f"authorize went to {location[:120]}")
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        auth = {"Authorization": f"Basic {basic}"}
        tokens = self.token(
            "token (code)",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
            },
            auth,
        )
        for _ in range(3):
            tokens = self.token(
                "token (refresh)",
                {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                auth,
            )
        info = self.browser.call(
            "GET",
            "/o/userinfo/",
            "userinfo",
            marker='"companies"',
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        if self.data["company_name"] not in info.text:
            raise Unexpected("userinfo without the company")

    def token(self, step: str, form: dict, auth: dict) -> dict:
        answer = self.browser.call(
            "POST", "/o/token/", step, marker="access_token", data=form, headers=dict(auth)
        )
        return answer.json()


class Chamber(Flow):
    """A chamber clerk: the queue, "Mir zuweisen", the registration, approve with the entry."""

    flow = "chamber"
    fixed_count = PLAN["chamber"]

    def prepare(self) -> None:
        self.queue = iter(self.data["registrations"])

    def setup(self) -> None:
        self.browser.log_in(self.data["clerk"], secret=self.data["clerk_secret"])

    def one_flow(self) -> None:
        found = next(self.queue, None)
        if found is None:
            raise StopUser
        registration, entry = found
        queue = self.browser.call("GET", "/kammer/registrierungen/", "queue", marker="Antragsfirma")
        path = f"/kammer/registrierungen/{registration}/"
        self.browser.post_form(
            f"{path}zuweisen/",
            "assign to me",
            {"csrfmiddlewaretoken": csrf_of(queue.text)},
            status=302,
        )
        page = self.browser.call("GET", path, "registration", marker=f'value="{entry}"')
        self.browser.post_form(
            path,
            "approve",
            {
                "csrfmiddlewaretoken": csrf_of(page.text),
                "directory_entry": str(entry),
                "approve": "",
            },
            status=302,
        )
