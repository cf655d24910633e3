"""`{% idle_warning %}`: the idle timeout's warning dialog and its script, for logged-in users
(web/base.html). Hidden until the script opens it; without JavaScript nothing shows."""

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("web/includes/idle_dialog.html", takes_context=True)
def idle_warning(context: template.Context) -> dict:
    timeout = int(getattr(settings, "SESSION_IDLE_TIMEOUT", 0) or 0)
    # At most the whole time but a few seconds (a very short timeout, e.g. in a browser test).
    warning = min(int(getattr(settings, "SESSION_IDLE_WARNING", 120)), max(timeout - 5, 0))
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "IDLE_ON": timeout > 0,
        "IDLE_TIMEOUT": timeout,
        "IDLE_WARNING": warning,
        "IDLE_WARNING_MINUTES": max(1, round(warning / 60)),
    }
