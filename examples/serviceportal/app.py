"""The sample "Serviceportal Bildung": a connected application that logs in with meinekammer.

A tiny WSGI application (standard library only) around a standard OpenID Connect client library
(Authlib, joserfc): discovery, authorization code with PKCE (S256), state and nonce, the code
exchanged with client_secret_basic, the ID token verified (signature via JWKS, iss, aud, exp,
nonce), userinfo, and RP-initiated logout. Change events from meinekammer (POST /events, signed
per Standard Webhooks) update or end the sessions they concern at once: a role taken away is
gone from the page at the next reload, a lost last role or a locked account ends the session. Users without a role of this application are refused,
even when they come back with a token. The page "/mfa" (Bereich mit Zwei-Faktor) asks meinekammer
for a second factor (`acr_values=urn:meinekammer:mfa`) and checks `acr` and `amr` in the ID token.

Run it with `python examples/serviceportal/app.py` (see README.md); `meinekammer demo` starts it.
It keeps its sessions in memory: a sample, not a template for production.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import secrets
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

TEMPLATES = Path(__file__).resolve().parent / "templates"
COOKIE = "serviceportal_session"  # not Django's "sessionid": cookies do not keep ports apart
SCOPE = "openid profile email companies"
# The level of authentication the "/mfa" page needs (meinekammer's acr_values_supported), and
# the amr values that mean a second factor was used (RFC 8176; see docs/oidc.md).
ACR_MFA = "urn:meinekammer:mfa"
SECOND_FACTOR_AMR = {"otp", "hwk", "mfa"}
AMR_NAMES = {
    "pwd": "Passwort",
    "otp": "Einmalcode (Authenticator-App oder Wiederherstellungscode)",
    "hwk": "Sicherheitsschlüssel oder Passkey",
    "mfa": "mehrere Faktoren",
}
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
SESSION_SECONDS = 8 * 3600
LOGIN_SECONDS = 10 * 60
HTTP_TIMEOUT = 10
# The application's own role catalogue, as registered at meinekammer (the claim sends keys).
ROLE_NAMES = {
    "ausbildungsadministrator": "Ausbildungsadministrator",
    "ausbildungsbeauftragter": "Ausbildungsbeauftragter",
    "ausbilder": "Ausbilder",
    "auszubildender": "Auszubildender",
}

StartResponse = Callable[..., Any]

# Values that must not reach a log: the authorization code, state, nonce, tokens, secrets.
_SECRET_PARAMETERS = re.compile(
    r"(?i)((?:^|[?&;\s])(?:code|state|session_state|nonce|[\w-]*token[\w-]*|[\w-]*secret[\w-]*"
    r"|code_verifier|password)=)[^&;,\s\"']*"
)


def redact(text: str) -> str:
    """`text` with the values of secret query parameters replaced by [redacted]."""
    return _SECRET_PARAMETERS.sub(r"\1[redacted]", text)


@dataclass(frozen=True)
class Config:
    issuer: str
    client_id: str
    client_secret: str
    url: str
    # Change events from meinekammer (Standard Webhooks), empty: none are accepted.
    events_secret: str = ""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Config:
        return cls(
            issuer=environ.get("MEINEKAMMER_ISSUER", "http://localhost:8000").rstrip("/"),
            client_id=environ.get("SERVICEPORTAL_CLIENT_ID", ""),
            client_secret=environ.get("SERVICEPORTAL_CLIENT_SECRET", ""),
            url=environ.get("SERVICEPORTAL_URL", "http://localhost:8001").rstrip("/"),
            events_secret=environ.get("SERVICEPORTAL_EVENTS_SECRET", ""),
        )

    @property
    def redirect_uri(self) -> str:
        return f"{self.url}/auth/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        return f"{self.url}/"


class LoginFailed(Exception):
    """A German message for the user; the details go to the log."""


def render(template: str, /, **values: str) -> str:
    return Template((TEMPLATES / f"{template}.html").read_text(encoding="utf-8")).substitute(values)


def page(title: str, content: str) -> bytes:
    return render("base", title=html.escape(title), content=content).encode()


class ServicePortal:
    """The WSGI application."""

    def __init__(self, config: Config, http: requests.Session | None = None) -> None:
        self.config = config
        self.http = http or requests.Session()
        self.sessions: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        # The change events received (newest first) and the ids seen (at least once delivery).
        self.events: list[dict[str, Any]] = []
        self.seen_events: set[str] = set()

    # --- OpenID Connect ------------------------------------------------------------------------

    def discover(self) -> dict[str, Any]:
        """The provider's metadata (OpenID Connect Discovery 1.0), fetched once."""
        if self._metadata is None:
            url = f"{self.config.issuer}/.well-known/openid-configuration"
            metadata = self.http.get(url, timeout=HTTP_TIMEOUT).json()
            if metadata.get("issuer") != self.config.issuer:
                raise LoginFailed("meinekammer hat sich mit einer unerwarteten Adresse gemeldet.")
            self._metadata = metadata
        return self._metadata

    def client(self, **kwargs: Any) -> OAuth2Session:
        return OAuth2Session(
            self.config.client_id,
            self.config.client_secret,
            scope=SCOPE,
            redirect_uri=self.config.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",
            **kwargs,
        )

    def authorization_url(self, pending: dict[str, Any]) -> str:
        extra = {"acr_values": ACR_MFA} if pending.get("mfa") else {}
        url, _state = self.client().create_authorization_url(
            self.discover()["authorization_endpoint"],
            state=pending["state"],
            code_verifier=pending["verifier"],
            nonce=pending["nonce"],
            **extra,
        )
        return url

    def verified_claims(self, token: str, **claims: dict[str, Any]) -> dict[str, Any]:
        """A JWT signed with one of meinekammer's keys (its JWKS), issued by it for this
        client and not expired, with `claims` checked besides (joserfc's registry)."""
        keys = KeySet.import_key_set(
            self.http.get(self.discover()["jwks_uri"], timeout=HTTP_TIMEOUT).json()
        )
        decoded = jwt.decode(token, keys, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.config.issuer},
            aud={"essential": True, "value": self.config.client_id},
            exp={"essential": True},
            sub={"essential": True},
            **claims,
        ).validate(decoded.claims)
        return dict(decoded.claims)

    def verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        claims = self.verified_claims(id_token, nonce={"essential": True, "value": nonce})
        audience = claims["aud"]
        several = isinstance(audience, list) and len(audience) > 1
        if several and claims.get("azp") != self.config.client_id:
            raise LoginFailed("Das Anmeldezeichen ist nicht für diese Anwendung bestimmt.")
        return claims

    def complete_login(self, query: dict[str, str], pending: dict[str, Any]) -> dict[str, Any]:
        """The redirect back from meinekammer: the code exchanged, the tokens checked."""
        if "error" in query:
            raise LoginFailed("meinekammer hat die Anmeldung abgebrochen oder abgelehnt.")
        if not secrets.compare_digest(query.get("state", ""), pending["state"]):
            raise LoginFailed("Die Anmeldung passt nicht zu dieser Sitzung.")
        if "iss" in query and query["iss"] != self.config.issuer:  # RFC 9207
            raise LoginFailed("Die Antwort kam nicht von meinekammer.")
        if not query.get("code"):
            raise LoginFailed("meinekammer hat keinen Anmeldecode geschickt.")
        metadata = self.discover()
        client = self.client(state=pending["state"])
        token = client.fetch_token(
            metadata["token_endpoint"],
            code=query["code"],
            state=pending["state"],
            code_verifier=pending["verifier"],
        )
        claims = self.verify_id_token(token["id_token"], pending["nonce"])
        response = client.get(metadata["userinfo_endpoint"], timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        userinfo = response.json()
        if userinfo.get("sub") != claims["sub"]:
            raise LoginFailed("Die Angaben von meinekammer passen nicht zusammen.")
        return {"claims": claims, "userinfo": userinfo, "id_token": token["id_token"]}

    # --- sessions ------------------------------------------------------------------------------

    def session(self, environ: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        if COOKIE not in cookie:
            return None, None
        sid = cookie[COOKIE].value
        now = time.time()
        with self.lock:
            for key in [k for k, s in self.sessions.items() if s["expires"] < now]:
                del self.sessions[key]
            return sid, self.sessions.get(sid)

    def new_session(self, data: dict[str, Any], seconds: int) -> tuple[str, str]:
        """A fresh session id (never a reused one), and its Set-Cookie header."""
        sid = secrets.token_urlsafe(32)
        with self.lock:
            self.sessions[sid] = {**data, "expires": time.time() + seconds}
        return sid, self.cookie(sid, seconds)

    def end_session(self, sid: str | None) -> None:
        if sid:
            with self.lock:
                self.sessions.pop(sid, None)

    def cookie(self, value: str, max_age: int) -> str:
        secure = "; Secure" if self.config.url.startswith("https://") else ""
        return f"{COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"

    # --- WSGI ----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        routes = {
            ("GET", "/"): self.start,
            ("GET", "/auth/login"): self.login,
            ("GET", "/mfa"): self.mfa_area,
            ("GET", "/auth/callback"): self.callback,
            ("POST", "/auth/logout"): self.logout,
            ("POST", "/events"): self.receive_event,
            ("GET", "/ereignisse"): self.event_list,
            ("POST", "/backchannel-logout"): self.backchannel_logout,
        }
        handler = routes.get((method, path))
        if handler is None:
            if any(p == path for _m, p in routes):
                return self.respond(start_response, "405 Method Not Allowed", b"", [])
            body = page(
                "Seite nicht gefunden",
                '<h1>Seite nicht gefunden</h1><p><a href="/">Zur Startseite</a></p>',
            )
            return self.respond(start_response, "404 Not Found", body)
        return handler(environ, start_response)

    def respond(
        self,
        start_response: StartResponse,
        status: str,
        body: bytes,
        headers: list[tuple[str, str]] | None = None,
    ) -> list[bytes]:
        base = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            (
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' "
                + self.config.issuer,
            ),
        ]
        start_response(status, base + (headers or []))
        return [body]

    def redirect(self, start_response: StartResponse, location: str, *headers: str) -> list[bytes]:
        extra = [("Location", location)] + [("Set-Cookie", h) for h in headers]
        return self.respond(start_response, "303 See Other", b"", extra)

    def start(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        _sid, session = self.session(environ)
        if session is None or "user" not in session:
            return self.respond(start_response, "200 OK", page("Startseite", render("start")))
        user = session["user"]
        companies = "".join(
            render(
                "company",
                name=html.escape(company.get("name", "")),
                member_number=html.escape(company.get("member_number") or "–"),
                roles="".join(
                    f"<li>{html.escape(ROLE_NAMES.get(key, key))} (<code>{html.escape(key)}</code>)</li>"
                    for key in company.get("roles", [])
                ),
            )
            for company in user["companies"]
        )
        content = render(
            "home",
            name=html.escape(user["name"]),
            amr=amr_list(user.get("amr") or []),
            email=html.escape(user["email"]),
            companies=companies,
            csrf=html.escape(session["csrf"]),
        )
        return self.respond(start_response, "200 OK", page("Ihre Übersicht", content))

    def mfa_area(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        """ "Bereich mit Zwei-Faktor": only with a login that used a second factor."""
        _sid, session = self.session(environ)
        if session is None or "user" not in session:
            return self.redirect(start_response, "/auth/login?next=mfa")
        user = session["user"]
        if not second_factor_used({"acr": user.get("acr"), "amr": user.get("amr")}):
            return self.redirect(start_response, "/auth/login?next=mfa")
        content = render(
            "mfa",
            name=html.escape(user["name"]),
            amr=amr_list(user["amr"]),
            acr=html.escape(user["acr"]),
        )
        return self.respond(start_response, "200 OK", page("Bereich mit Zwei-Faktor", content))

    def login(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        old_sid, _session = self.session(environ)
        self.end_session(old_sid)
        wanted = parse_qs(environ.get("QUERY_STRING", "")).get("next", [""])[0]
        pending = {
            "state": secrets.token_urlsafe(24),
            "nonce": secrets.token_urlsafe(24),
            "verifier": secrets.token_urlsafe(64),
            "mfa": wanted == "mfa",
        }
        try:
            url = self.authorization_url(pending)
        except (requests.RequestException, ValueError, LoginFailed) as error:
            print(redact(f"serviceportal: discovery failed: {error!r}"), file=sys.stderr)
            return self.error(
                start_response, "meinekammer ist gerade nicht erreichbar.", "502 Bad Gateway"
            )
        _sid, cookie = self.new_session({"pending": pending}, LOGIN_SECONDS)
        return self.redirect(start_response, url, cookie)

    def callback(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        sid, session = self.session(environ)
        self.end_session(sid)  # a pending login is used once
        if session is None or "pending" not in session:
            return self.error(
                start_response, "Ihre Anmeldung ist abgelaufen oder wurde schon verwendet."
            )
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            result = self.complete_login(query, session["pending"])
        except LoginFailed as error:
            return self.error(start_response, str(error))
        except Exception as error:  # the library's errors: token, signature, claims, network
            print(redact(f"serviceportal: login failed: {error!r}"), file=sys.stderr)
            return self.error(start_response, "meinekammer hat die Anmeldung nicht bestätigt.")
        if session["pending"].get("mfa") and not second_factor_used(result["claims"]):
            # acr_values is a request; the ID token says what happened. Without a second
            # factor in it, the area stays closed.
            return self.error(start_response, "meinekammer hat keinen zweiten Faktor bestätigt.")
        userinfo = result["userinfo"]
        companies = [c for c in userinfo.get("companies") or [] if c.get("roles")]
        if not companies:
            # A token, but no role of this application: no session here.
            body = page(
                "Kein Zugang",
                render("no_access", issuer=html.escape(self.config.issuer)),
            )
            return self.respond(
                start_response, "403 Forbidden", body, [("Set-Cookie", self.cookie("", 0))]
            )
        claims = result["claims"]
        user = {
            "sub": claims["sub"],
            "name": userinfo.get("name") or userinfo.get("email", ""),
            "email": userinfo.get("email", ""),
            "companies": companies,
            "acr": str(claims.get("acr") or ""),
            "amr": [str(v) for v in claims.get("amr") or [] if isinstance(v, str)],
        }
        _sid, cookie = self.new_session(
            {"user": user, "id_token": result["id_token"], "csrf": secrets.token_urlsafe(24)},
            SESSION_SECONDS,
        )
        target = "/mfa" if session["pending"].get("mfa") else "/"
        return self.redirect(start_response, target, cookie)

    def logout(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        sid, session = self.session(environ)
        form = parse_qs(request_body(environ, 10_000).decode(errors="replace"))
        if session is None or "user" not in session:
            return self.redirect(start_response, "/", self.cookie("", 0))
        if not secrets.compare_digest(form.get("csrf", [""])[0], session["csrf"]):
            return self.error(
                start_response, "Bitte versuchen Sie es noch einmal.", "400 Bad Request"
            )
        self.end_session(sid)
        try:
            end_session = self.discover()["end_session_endpoint"]
        except (requests.RequestException, ValueError, LoginFailed, KeyError):
            return self.redirect(start_response, "/", self.cookie("", 0))
        query = urlencode(
            {
                "id_token_hint": session["id_token"],
                "post_logout_redirect_uri": self.config.post_logout_redirect_uri,
                "client_id": self.config.client_id,
            }
        )
        return self.redirect(start_response, f"{end_session}?{query}", self.cookie("", 0))

    # --- change events ------------------------------------------------------------------------

    def receive_event(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        """A change event from meinekammer: verified, applied to the sessions once, listed."""
        body = request_body(environ, 100_001)
        if not self.config.events_secret or not 0 < len(body) <= 100_000:
            return self.respond(start_response, "400 Bad Request", b"", [])
        headers = {
            name: environ.get("HTTP_" + name.upper().replace("-", "_"), "")
            for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
        }
        try:
            event = Webhook(self.config.events_secret).verify(body, headers)
        except WebhookVerificationError:
            return self.respond(start_response, "401 Unauthorized", b"", [])
        with self.lock:
            if headers["webhook-id"] not in self.seen_events:  # a retry: applied already
                self.seen_events.add(headers["webhook-id"])
                self.events.insert(0, event)
                del self.events[50:]
                self._apply(event)
        return self.respond(start_response, "204 No Content", b"", [])

    def _apply(self, event: dict[str, Any]) -> None:
        """Bring the sessions of the account the event names up to date (lock held)."""
        data = event.get("data") or {}
        sub = (data.get("user") or {}).get("sub")
        company_id = str((data.get("company") or {}).get("id"))
        kind = event.get("type")
        for sid, session in list(self.sessions.items()):
            user = session.get("user")
            if not user or user.get("sub") != sub:
                continue
            if kind in ("account.locked", "account.erased"):
                del self.sessions[sid]
                continue
            for company in user["companies"]:
                if str(company.get("id")) != company_id:
                    continue
                if kind == "role.removed":
                    company["roles"] = [r for r in company["roles"] if r != data.get("role")]
                elif kind == "role.granted" and data.get("role") not in company["roles"]:
                    company["roles"].append(data.get("role"))
                elif kind == "membership.ended":
                    company["roles"] = []
            user["companies"] = [c for c in user["companies"] if c.get("roles")]
            if not user["companies"]:  # no role left here: no session here
                del self.sessions[sid]

    def backchannel_logout(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> list[bytes]:
        """OpenID Connect Back-Channel Logout 1.0: meinekammer ends the account's sessions here."""
        form = parse_qs(request_body(environ, 10_000).decode(errors="replace"))
        token = form.get("logout_token", [""])[0]
        try:
            claims = self.verify_logout_token(token)
        except Exception as error:  # the library's errors: signature, claims, network
            print(redact(f"serviceportal: logout token refused: {error!r}"), file=sys.stderr)
            return self.respond(start_response, "400 Bad Request", b"", [])
        with self.lock:
            for sid in [
                sid
                for sid, session in self.sessions.items()
                if (session.get("user") or {}).get("sub") == claims["sub"]
            ]:
                del self.sessions[sid]
            self.events.insert(0, {"type": "backchannel-logout", "timestamp": claims["iat"]})
        return self.respond(start_response, "200 OK", b"", [])

    def verify_logout_token(self, token: str) -> dict[str, Any]:
        """Back-Channel Logout 1.0, 2.6: signed by the provider, for us, with the event and a
        `sub`, and without a nonce."""
        claims = self.verified_claims(token, iat={"essential": True}, jti={"essential": True})
        if BACKCHANNEL_EVENT not in (claims.get("events") or {}) or "nonce" in claims:
            raise LoginFailed("Kein Logout-Token.")
        return claims

    def event_list(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        """ "Empfangene Ereignisse": what meinekammer has told this application."""
        with self.lock:
            events = list(self.events)
        rows = "".join(
            f"<li><code>{html.escape(str(e.get('type')))}</code> "
            f"{html.escape(str(e.get('timestamp')))}: "
            f"{html.escape(str((e.get('data') or {}).get('role') or ''))}</li>"
            for e in events
        )
        content = (
            "<h1>Empfangene Ereignisse</h1>"
            + (f"<ul>{rows}</ul>" if rows else "<p>Noch keine Ereignisse.</p>")
            + '<p><a href="/">Zur Startseite</a></p>'
        )
        return self.respond(start_response, "200 OK", page("Empfangene Ereignisse", content))

    def error(
        self, start_response: StartResponse, message: str, status: str = "400 Bad Request"
    ) -> list[bytes]:
        body = page("Anmeldung fehlgeschlagen", render("error", message=html.escape(message)))
        return self.respond(start_response, status, body, [("Set-Cookie", self.cookie("", 0))])


def request_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request's body, at most `limit` bytes (a missing or broken length: none)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(min(max(length, 0), limit))


def second_factor_used(claims: Mapping[str, Any]) -> bool:
    """The ID token says a second factor was used: acr, and an amr value that means one."""
    amr = claims.get("amr")
    return (
        claims.get("acr") == ACR_MFA
        and isinstance(amr, list)
        and any(value in SECOND_FACTOR_AMR for value in amr)
    )


def amr_list(amr: Iterable[str]) -> str:
    items = "".join(
        f"<li>{html.escape(AMR_NAMES.get(value, value))} (<code>{html.escape(value)}</code>)</li>"
        for value in amr
    )
    return f"<ul>{items}</ul>" if items else "<p>Keine Angabe</p>"


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class RequestHandler(WSGIRequestHandler):
    """wsgiref's handler; its access log without the callback's code and state."""

    def log_message(self, format: str, *args: Any) -> None:
        line = redact(format % args)
        sys.stderr.write(f"{self.address_string()} - - [{self.log_date_time_string()}] {line}\n")


def make_app_server(host: str, port: int, app: ServicePortal) -> WSGIServer:
    return make_server(
        host, port, app, server_class=ThreadingWSGIServer, handler_class=RequestHandler
    )


def main() -> None:
    config = Config.from_environment()
    if not config.client_id or not config.client_secret:
        sys.exit(
            "Set SERVICEPORTAL_CLIENT_ID and SERVICEPORTAL_CLIENT_SECRET (see "
            "examples/serviceportal/README.md)."
        )
    address = urlparse(config.url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    with make_app_server(host, port, ServicePortal(config)) as server:
        print(f"Serviceportal Bildung (sample): {config.url}/ (issuer {config.issuer})", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


if __name__ == "__main__":
    main()
