"""The banner "Ab dem … ist für Ihr Konto ein zweiter Faktor erforderlich." (start page and
account page), shown while a requirement's date has not come and the account has no factor."""

from django import template
from django.utils import timezone

from meinekammer.web.accounts.required_factor import continue_url, pending_requirement, setup_url

register = template.Library()


@register.inclusion_tag("accounts/includes/factor_notice.html", takes_context=True)
def factor_notice(context) -> dict:
    request = context.get("request")
    requirement = pending_requirement(request) if request is not None else None
    upcoming = requirement is not None and requirement.applies_from > timezone.now()
    return {"requirement": requirement if upcoming else None, "setup_url": setup_url()}


@register.simple_tag(takes_context=True)
def factor_continue_url(context) -> str:
    """Where the guided set-up was entered from, once a factor exists (else "")."""
    request = context.get("request")
    return continue_url(request) if request is not None else ""
