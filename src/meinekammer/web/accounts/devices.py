"""Signed-in devices as the account's owner sees them, and how a device is recognised.

Browser and system come from the user agent (ua-parser): "Chrome 130" on "Linux".

The address is shown and mailed shortened, data-protection-minded: the last octet of an IPv4
address and all but the first 48 bits (the provider's network) of an IPv6 address are masked.
That is enough to tell "my provider, my city" from "somewhere else", and it is not the full
address of a person (the full address stays in the audit log, as it did before).

A device is a browser profile: at login the portal sets a long-lived signed cookie
(`mk_devices`) that holds, for each account that logged in with that browser, a tag: an HMAC of
the account and of the browser family and system. A login is from a known device when the
cookie holds the account's tag for this browser and system; a cookie copied into another
browser or system does not count. The cookie holds no personal data in clear (only tags),
is HttpOnly, and holds at most MAX_ACCOUNTS tags (a shared computer). Deleting cookies makes
the browser new again: the next login sends the mail once more.
"""

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from ua_parser import parse

from meinekammer.accounts.sessions import notify_login_from_new_device
from meinekammer.web.actors import actor_from, client_ip

COOKIE_NAME = "mk_devices"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
MAX_ACCOUNTS = 10
_SALT = "meinekammer.web.accounts.devices"


@dataclass(frozen=True)
class Client:
    browser: str  # "Chrome 130", or "" when unknown
    system: str  # "Linux", "Windows 10", or "" when unknown

    @property
    def label(self) -> str:
        """ "Chrome 130 unter Linux" in the active language."""
        browser = self.browser or _("Unknown browser")
        if not self.system:
            return browser
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": self.system}


@lru_cache(maxsize=256)
def parse_user_agent(user_agent: str) -> Client:
    result = parse(user_agent[:500])
    browser = ""
    if result.user_agent is not None and result.user_agent.family != "Other":
        browser = result.user_agent.family
        if result.user_agent.major:
            browser = f"{browser} {result.user_agent.major}"
    system = ""
    if result.os is not None and result.os.family != "Other":
        system = result.os.family
        if result.os.major:
            system = f"{system} {result.os.major}"
    return Client(browser=browser, system=system)


def mask_ip(address: str | None) -> str:
    """203.0.113.17 → 203.0.113.x; 2001:db8:1:2::5 → 2001:db8:1::/48; "" when unknown."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return ".".join(str(ip).split(".")[:3]) + ".x"
    network = ipaddress.IPv6Network(f"{ip}/48", strict=False)
    return str(network)


def _family(user_agent: str) -> str:
    """The browser family and system without versions: an update is the same device."""
    result = parse(user_agent[:500])
    browser = result.user_agent.family if result.user_agent is not None else ""
    system = result.os.family if result.os is not None else ""
    return f"{browser}|{system}"


def _tag(user, user_agent: str) -> str:
    return salted_hmac(_SALT, f"{user.pk}|{user.subject}|{_family(user_agent)}").hexdigest()[:24]


def _tags(request: HttpRequest) -> list[str]:
    raw = request.COOKIES.get(COOKIE_NAME, "")
    if not raw or len(raw) > 4000:
        return []
    try:
        tags = signing.loads(raw, salt=_SALT, max_age=COOKIE_MAX_AGE)
    except signing.BadSignature:
        return []
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def is_known_device(request: HttpRequest, user) -> bool:
    return _tag(user, request.META.get("HTTP_USER_AGENT", "")) in _tags(request)


def remember_device(request: HttpRequest, response: HttpResponseBase, user) -> None:
    """Set (renew) the cookie with this account's tag first; the oldest tags fall out."""
    tag = _tag(user, request.META.get("HTTP_USER_AGENT", ""))
    tags = [tag] + [t for t in _tags(request) if t != tag]
    response.set_cookie(
        COOKIE_NAME,
        signing.dumps(tags[:MAX_ACCOUNTS], salt=_SALT),
        max_age=COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def mail_if_new_device(sender, request, response=None, user=None, **kwargs) -> None:
    """allauth's `user_logged_in` (after the 2nd factor, with the response that follows the
    login): mail the account if the browser is new to it, and remember the browser."""
    if request is None or response is None or user is None:
        return
    if not is_known_device(request, user):
        client = parse_user_agent(request.META.get("HTTP_USER_AGENT", ""))
        notify_login_from_new_device(
            actor_from(request).on_behalf(user),
            when=timezone.now(),
            browser=client.browser,
            system=client.system,
            address=mask_ip(client_ip(request)),
        )
    remember_device(request, response, user)
