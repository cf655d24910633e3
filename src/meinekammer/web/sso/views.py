"""The authorization endpoint with meinekammer's access gate and consent, and the user's list
of granted applications."""

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.signals import app_authorized
from oauth2_provider.views import AuthorizationView as BaseAuthorizationView
from oauth2_provider.views import TokenView as BaseTokenView

from meinekammer.accounts.models import User
from meinekammer.applications.models import Application, Consent, OAuthClient
from meinekammer.applications.oidc import has_access, revoke_tokens
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.audit.services import record
from meinekammer.companies.selectors import list_memberships
from meinekammer.web.actors import current_user
from meinekammer.web.decorators import account_required

LOGIN_TIME = "mk_login_time"


# RFC 6749 5.1 and 5.2: every token response, success or error, is JSON and never cached.
TOKEN_RESPONSE_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}


class TokenView(BaseTokenView):
    """DOT's token endpoint, with two changes: the new access token is not loaded once more for
    the `app_authorized` signal when nothing listens to it (one query per token request;
    bench/README.md), and errors raised after validation (a code sent twice at once) carry the
    JSON headers too; DOT answered those as text/html."""

    @method_decorator(sensitive_post_parameters("password", "client_secret"))
    def authorization_flow_token_response(self, request, *args, **kwargs):
        if app_authorized.has_listeners():
            response = super().authorization_flow_token_response(request, *args, **kwargs)
        else:
            _url, headers, body, status = self.create_token_response(request)
            response = HttpResponse(content=body, status=status)
            for name, value in headers.items():
                response[name] = value
        for name, value in TOKEN_RESPONSE_HEADERS.items():
            response[name] = value
        return response


class AuthorizationView(BaseAuthorizationView):
    """DOT's view, with three additions: `max_age`, the access gate (no role, no code) and a
    remembered consent for third-party applications (first-party ones ask nothing)."""

    template_name = "applications/authorize.html"

    def get(self, request, *args, **kwargs):
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        max_age = request.GET.get("max_age", "")
        if max_age.isdigit() and "prompt" not in request.GET:
            logged_in_at = request.session.get(LOGIN_TIME)
            if logged_in_at is None or time.time() - logged_in_at > int(max_age):
                return self.handle_prompt_login()
        client = OAuthClient.objects.select_related("connected_application").get(
            client_id=credentials["client_id"]
        )
        if not has_access(request.user, client):
            return gate(request, client)
        consent = Consent.objects.filter(user=request.user, client=client).first()
        if not client.first_party and consent is not None and consent.covers(scopes):
            try:
                uri, _headers, _body, _status = self.create_authorization_response(
                    request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
                )
            except OAuthToolkitError as error:
                return self.error_response(error, client)
            return self.redirect(uri, client)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scope_labels"] = [SCOPE_LABELS.get(s, s) for s in context.get("scopes", [])]
        return context

    def form_valid(self, form):
        client = (
            OAuthClient.objects.select_related("connected_application")
            .filter(client_id=form.cleaned_data.get("client_id"))
            .first()
        )
        if client is not None and not has_access(self.request.user, client):
            return gate(self.request, client)
        response = super().form_valid(form)
        if client is not None and form.cleaned_data.get("allow"):
            Consent.objects.update_or_create(
                user=self.request.user,
                client=client,
                defaults={"scopes": form.cleaned_data.get("scope", "")},
            )
        return response

    def handle_prompt_login(self):
        logout(self.request)
        return super().handle_prompt_login()


SCOPE_LABELS = {
    "openid": gettext_lazy(
        "that you are logged in, with an identifier that only means something to this application"
    ),
    "profile": gettext_lazy("your name and your language"),
    "email": gettext_lazy("your e-mail address"),
    "companies": gettext_lazy("your companies and your roles in this application"),
}


def gate(request: HttpRequest, client: OAuthClient) -> HttpResponse:
    """No role for an application that requires one: no code, an explanation instead."""
    memberships = list_memberships(request.user)
    return render(
        request,
        "applications/gate.html",
        {"client": client, "application": client.connected_application, "memberships": memberships},
        status=403,
    )


@require_GET
def logo(request: HttpRequest, application_id: int) -> HttpResponseBase:
    """An application's logo (public, like the application's name)."""
    application = Application.objects.filter(pk=application_id, is_active=True).first()
    if application is None or not application.logo:
        raise Http404
    try:
        handle = application.logo.open("rb")
    except OSError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        content_type=_LOGO_TYPES.get(
            application.logo.name.rsplit(".", 1)[-1].lower(), "application/octet-stream"
        ),
    )
    response["Cache-Control"] = "public, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


_LOGO_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}


def granted_clients(user):
    """Applications with the user's consent or with a live session (refresh token)."""
    from oauth2_provider.models import get_refresh_token_model

    live = get_refresh_token_model().objects.filter(user=user, revoked__isnull=True)
    return (
        OAuthClient.objects.filter(pk__in=live.values("application_id"))
        .union(OAuthClient.objects.filter(consents__user=user))
        .order_by("name")
    )


@login_required
@require_GET
def granted(request: HttpRequest) -> HttpResponse:
    """ "Verbundene Anwendungen": what the user has granted access to, with revocation."""
    user = current_user(request)
    return render(request, "applications/granted.html", {"clients": granted_clients(user)})


@account_required
@require_POST
def revoke_grant(request: HttpRequest, client_id: int) -> HttpResponse:
    """ "Zugriff widerrufen": the application's tokens end and its consent is forgotten."""
    user = current_user(request)
    # One revocation at a time per account: a double click revokes and audits once.
    User.objects.select_for_update().filter(pk=user.pk).first()
    client = next((c for c in granted_clients(user) if c.pk == client_id), None)
    if client is None:
        already = AuditEvent.objects.filter(
            action=AuditAction.APP_ACCESS_REVOKED, subject_user=user, data__client=client_id
        ).first()
        if already is None:
            raise Http404  # never granted: an id from elsewhere
        messages.info(
            request,
            _("%(application)s no longer has access to your data.")
            % {"application": already.data.get("application", "")},
        )
        return redirect("applications:granted")
    revoke_tokens(user, clients=[client])
    Consent.objects.filter(user=user, client=client).delete()
    record(
        AuditAction.APP_ACCESS_REVOKED,
        request=request,
        subject_user=user,
        application=client.name,
        client=client.pk,
    )
    messages.success(
        request,
        _("%(application)s no longer has access to your data; it will ask again next time.")
        % {"application": client.name},
    )
    return redirect("applications:granted")
