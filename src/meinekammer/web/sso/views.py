"""The authorization endpoint with meinekammer's access gate and consent, and the user's list
of granted applications."""

import json
import time
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import AuthorizationView as BaseAuthorizationView
from oauth2_provider.views import ConnectDiscoveryInfoView as BaseConnectDiscoveryInfoView
from oauth2_provider.views import IntrospectTokenView as BaseIntrospectTokenView
from oauth2_provider.views import JwksInfoView as BaseJwksInfoView
from oauth2_provider.views import RPInitiatedLogoutView as BaseRPInitiatedLogoutView
from oauth2_provider.views import TokenView as BaseTokenView
from oauthlib.common import Request as OauthlibRequest
from oauthlib.openid.connect.core.exceptions import InteractionRequired

from meinekammer.accounts.factors import has_factor
from meinekammer.applications.client_cache import get_client
from meinekammer.applications.grants import revoke_tokens
from meinekammer.applications.models import Application, OAuthClient
from meinekammer.applications.selectors import granted_clients
from meinekammer.applications.services.consents import (
    has_consent,
    record_consent,
    revoke_application_access,
)
from meinekammer.companies.models import CompanyState, RegistrationState
from meinekammer.companies.selectors import list_memberships, list_pending_registrations
from meinekammer.core.actor import Interface
from meinekammer.sso.authentication import ACR_MFA, ACR_VALUES, requested_acr
from meinekammer.sso.bearer import live_token
from meinekammer.sso.gate import has_access
from meinekammer.sso.tokens import jwks_entries
from meinekammer.sso.validator import session_user
from meinekammer.web.actors import actor_from, current_user
from meinekammer.web.decorators import account_required

from ..accounts.privacy_notice import must_accept
from ..accounts.required_factor import must_set_up
from .sessions import logged_in_at, session_sign_in

# RFC 6749 5.1 and 5.2: every token response, success or error, is JSON and never cached.
TOKEN_RESPONSE_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}


class TokenView(BaseTokenView):
    """DOT's token endpoint on the lean token path (docs/decisions/0006-lean-token-store.md):
    a refresh runs without a transaction (its rotation is one statement), a code exchange in
    one; no `app_authorized` signal; and errors raised after validation (a code sent twice at
    once) carry the JSON headers too (DOT answered those as text/html)."""

    @method_decorator(sensitive_post_parameters("password", "client_secret"))
    def authorization_flow_token_response(self, request, *args, **kwargs):
        if request.POST.get("grant_type") == "refresh_token":
            # A refresh is one compare-and-set (sso/refresh.py): no transaction around it.
            response = self.token_response(request)
        else:
            # A code exchange locks its grant and writes the family, the ID token and the
            # used code together.
            with transaction.atomic():
                response = self.token_response(request)
        for name, value in TOKEN_RESPONSE_HEADERS.items():
            response[name] = value
        return response

    def token_response(self, request: HttpRequest) -> HttpResponse:
        # DOT's answer without its `app_authorized` signal, which would load the new access
        # token from DOT's table (the lean token path stores none there; nothing here listens).
        _url, headers, body, status = self.create_token_response(request)
        response = HttpResponse(content=body, status=status)
        for name, value in headers.items():
            response[name] = value
        return response


class IntrospectTokenView(BaseIntrospectTokenView):
    """DOT's introspection endpoint (RFC 7662) that tells a token's content only to whom it
    concerns (`OAuthClient.may_introspect`: the token's own client and the resource servers of
    its connected application). Everyone else gets `{"active": false}`, as for an unknown token
    (RFC 7662 2.2), and learns nothing about it. Authentication is DOT's: the client's
    credentials (Basic or in the body, never in the URL), else 401 `invalid_client` (RFC 7662
    2.3, RFC 6749 5.2; DOT answered an empty 403)."""

    def authenticate_client(self, request):
        # DOT's check (OAuthLibCore.authenticate_client), keeping the client it authenticated;
        # DOT throws that away with its oauthlib request.
        core = self.get_oauthlib_core()
        oauthlib_request = OauthlibRequest(
            request.build_absolute_uri(request.path),
            request.method,
            urlencode(core.extract_body(request)),
            core.extract_headers(request),
        )
        if not core.server.request_validator.authenticate_client(oauthlib_request):
            return False
        request.mk_caller = oauthlib_request.client
        return True

    def verify_request(self, request):
        # DOT's other way in: an access token with the scope `introspection` (none is issued
        # here, the scope is not offered); its client is the caller.
        valid, oauthlib_request = super().verify_request(request)
        if valid:
            request.mk_caller = oauthlib_request.client
        return valid, oauthlib_request

    def unauthenticated_response(self, request, oauthlib_request=None):
        response = JsonResponse({"error": "invalid_client"}, status=401)
        response["WWW-Authenticate"] = 'Basic realm="meinekammer"'
        response["Cache-Control"] = "no-store"
        return response

    def get(self, request, *args, **kwargs):
        return self.answer(request, request.GET.get("token", None))

    def post(self, request, *args, **kwargs):
        return self.answer(request, request.POST.get("token", None))

    def answer(self, request: HttpRequest, token: str | None) -> HttpResponse:
        caller = getattr(request, "mk_caller", None)
        if token is None:
            return self.get_token_response(token)  # DOT's 400
        found = live_token(token)
        if found is None or caller is None:
            return JsonResponse({"active": False})
        claims, family = found
        token_client = get_client(str(claims.get("client_id", "")))
        if token_client is None or token_client.pk != family.client_id:
            return JsonResponse({"active": False})
        if not caller.may_introspect(token_client):
            return JsonResponse({"active": False})
        return JsonResponse(
            {
                "active": True,
                "scope": family.scope,
                "exp": int(claims["exp"]),
                "iat": int(claims["iat"]),
                "client_id": token_client.client_id,
                "username": family.username,
                "sub": claims["sub"],
                "token_type": "Bearer",
            }
        )


class ConnectDiscoveryInfoView(BaseConnectDiscoveryInfoView):
    """DOT's discovery document, advertising the one ID token signing algorithm in use and the
    authentication levels (`acr_values_supported`, sso/authentication.py).

    DOT lists HS256 besides RS256 whenever an RSA key is set (there is no setting for it); every
    client here signs with RS256 (`register-app`, the demo) and the installation has no other
    key."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        document = json.loads(response.content)
        document["id_token_signing_alg_values_supported"] = [OAuthClient.RS256_ALGORITHM]
        document["acr_values_supported"] = list(ACR_VALUES)
        # Back-Channel Logout 1.0 (applications/backchannel.py): by `sub`, without a session id.
        document["backchannel_logout_supported"] = True
        document["backchannel_logout_session_supported"] = False
        response.content = json.dumps(document).encode()
        return response


class JwksInfoView(BaseJwksInfoView):
    """DOT's JWKS (the ID-token keys) with the access-token keys (ES256) beside them."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        document = json.loads(response.content)
        known = {key.get("kid") for key in document.get("keys", [])}
        document["keys"].extend(e for e in jwks_entries() if e["kid"] not in known)
        response.content = json.dumps(document).encode()
        return response


class RPInitiatedLogoutView(BaseRPInitiatedLogoutView):
    """DOT's RP-initiated logout, ending the token families of the clients whose tokens DOT
    ends (its own tables hold none on the lean token path)."""

    def do_logout(
        self, application=None, post_logout_redirect_uri=None, state=None, token_user=None
    ):
        user = token_user or self.request.user
        if oauth2_settings.OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS and user.is_authenticated:
            revoke_tokens(
                user,
                clients=OAuthClient.objects.filter(
                    client_type__in=self.token_deletion_client_types,
                    authorization_grant_type__in=self.token_deletion_grant_types,
                ),
            )
        return super().do_logout(application, post_logout_redirect_uri, state, token_user)


def is_silent(request: HttpRequest) -> bool:
    return "none" in request.GET.get("prompt", "").split()


class AuthorizationView(BaseAuthorizationView):
    """DOT's view, with four additions: `max_age`, the step-up to a second factor
    (`acr_values=urn:meinekammer:mfa`), the access gate (no role, no code) and a remembered
    consent for third-party applications (first-party ones ask nothing). Every code carries
    how the session logged in (`create_authorization_response`, sso/authentication.py)."""

    template_name = "applications/authorize.html"

    def validate_authorization_request(self, request):
        # prompt=none asks whether the session's account may log in silently (sso.validator).
        with session_user(request.user if request.user.is_authenticated else None):
            return super().validate_authorization_request(request)

    def get(self, request, *args, **kwargs):
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        max_age = request.GET.get("max_age", "")
        if max_age.isdigit() and "prompt" not in request.GET:
            since = logged_in_at(request.session)
            if since is None or time.time() - since > int(max_age):
                return self.handle_prompt_login()
        client = OAuthClient.objects.select_related("connected_application").get(
            client_id=credentials["client_id"]
        )
        if not has_access(request.user, client):
            return gate(request, client)
        if is_silent(request) and (must_set_up(request) or must_accept(request)):
            # An account that must have a second factor and has none, or that has not accepted
            # the current Informationspflichten, cannot log in silently; the set-up and the
            # tick need the user (RequiredFactorMiddleware and PrivacyNoticeMiddleware lead
            # there without prompt=none).
            return self.interaction_required(credentials, client)
        if requested_acr(request.GET.get("acr_values")) == ACR_MFA:
            step_up = self.second_factor_step_up(request, client, credentials)
            if step_up is not None:
                return step_up
        if not client.first_party and has_consent(request.user, client, scopes):
            try:
                uri, _headers, _body, _status = self.create_authorization_response(
                    request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
                )
            except OAuthToolkitError as error:
                return self.error_response(error, client)
            return self.redirect(uri, client)
        return super().get(request, *args, **kwargs)

    def second_factor_step_up(
        self, request: HttpRequest, client: OAuthClient, credentials: dict
    ) -> HttpResponseBase | None:
        """The application asks for a second factor: None if this session used one; else the
        second factor is asked for now (back here afterwards), or, for an account without one,
        a page that says how to set one up. With prompt=none: `interaction_required`."""
        if session_sign_in(request).second_factor:
            return None
        if is_silent(request):
            return self.interaction_required(credentials, client)
        methods = [
            method
            for method in get_account_adapter(request).get_reauthentication_methods(request.user)
            if method["id"].startswith("mfa_reauthenticate")
        ]
        if not has_factor(request.user) or not methods:
            return render(
                request,
                "applications/second_factor_needed.html",
                {"client": client, "application": client.connected_application},
                status=403,
            )
        return redirect(f"{methods[0]['url']}?{urlencode({'next': request.get_full_path()})}")

    def interaction_required(self, credentials: dict, client: OAuthClient) -> HttpResponseBase:
        """prompt=none, but the user must do something first: the error, to the client's
        redirect URI that oauthlib has validated, and no code."""
        error = OAuthToolkitError(
            error=InteractionRequired(state=credentials.get("state")),
            redirect_uri=credentials["redirect_uri"],
        )
        return self.error_response(error, client)

    def create_authorization_response(self, request, scopes, credentials, allow):
        # Every path to a code (remembered consent, first party, the consent form) comes here:
        # the code keeps how this session logged in (the validator's save_authorization_code).
        credentials = {**credentials, "mk_sign_in": session_sign_in(request)}
        return super().create_authorization_response(request, scopes, credentials, allow)

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
            record_consent(
                actor_from(self.request, Interface.OIDC),
                client_id=client.client_id,
                scopes=form.cleaned_data.get("scope", ""),
            )
        return response

    def handle_prompt_login(self):
        logout(self.request)
        if "prompt" not in self.request.GET:
            # max_age exceeded: to the login, and back without max_age (a login takes more
            # than 0 seconds; DOT's version drops `prompt` for the same reason and fails
            # without it).
            query = self.request.GET.copy()
            query.pop("max_age", None)
            return redirect_to_login(
                f"{self.request.path}?{query.urlencode()}",
                resolve_url(self.get_login_url()),
                self.get_redirect_field_name(),
            )
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
    """No role for an application that requires one: no code, an explanation instead. A user
    whose own company registration is on its way (in review by the chamber, or approved and
    the activation letter waiting to be used) is told where it stands and how to go on, and
    every user gets the way back to the application (this authorization request again)."""
    memberships = list_memberships(request.user)
    registrations = [
        registration
        for registration in list_pending_registrations(request.user)
        if (registration.state, registration.company.state) in _REGISTRATION_ON_ITS_WAY
    ]
    application = client.connected_application
    return render(
        request,
        "applications/gate.html",
        {
            "client": client,
            "application": application,
            "memberships": memberships,
            "registrations": registrations,
            "back_url": _authorize_again(request) if request.method == "GET" else application.url,
        },
        status=403,
    )


def _authorize_again(request: HttpRequest) -> str:
    """This authorization request once more (not silently: the user follows a link)."""
    query = request.GET.copy()
    if is_silent(request):
        query.pop("prompt")
    return f"{request.path}?{query.urlencode()}"


# A registration of the user's on its way to an active company: in review, or approved and
# the activation letter waiting to be used.
_REGISTRATION_ON_ITS_WAY = {
    (RegistrationState.IN_REVIEW, CompanyState.PENDING_REVIEW),
    (RegistrationState.APPROVED, CompanyState.AWAITING_ACTIVATION),
}


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
    revoked = revoke_application_access(actor_from(request), client_id=client_id)
    if revoked.already:
        messages.info(
            request,
            _("%(application)s no longer has access to your data.")
            % {"application": revoked.application},
        )
    else:
        messages.success(
            request,
            _("%(application)s no longer has access to your data; it will ask again next time.")
            % {"application": revoked.application},
        )
    return redirect("applications:granted")
