"""Absolute links in mails and letters.

They are built from the configured SITE_URL, never from the Host header of a request: a mail
link must point at the portal, whatever a client sent (host-header injection).
"""

from django.conf import settings


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path
