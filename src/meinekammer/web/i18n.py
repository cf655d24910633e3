from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


def language_for(request: HttpRequest) -> str:
    """German unless the user chose otherwise: on the account, else by the header's switch.

    The browser's Accept-Language is not consulted: the portal is German first, and the switch
    in the header is one click away on every page.
    """
    supported = dict(settings.LANGUAGES)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in supported:
        return user.language
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in supported else settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Replaces Django's LocaleMiddleware; must come after AuthenticationMiddleware.

    The language holds for this request only: afterwards the thread is back on the language
    it had, so work done later in the same thread (a task run by the worker, the next request
    of a test client) does not speak the previous visitor's language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response
