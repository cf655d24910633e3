"""View decorators of the HTML interface."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from meinekammer.accounts.rules import may_act


def account_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`login_required`, and 404 for an account that may not act (locked or inactive)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_act(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
