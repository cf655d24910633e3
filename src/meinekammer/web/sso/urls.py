"""The OpenID Connect endpoints (under /o/) and the user's granted applications."""

from django.db import transaction
from django.urls import path
from oauth2_provider import views as oauth2_views

from . import views

# The namespace django-oauth-toolkit reverses in its discovery document.
oidc_patterns = (
    [
        path("authorize/", views.AuthorizationView.as_view(), name="authorize"),
        # The token endpoint opens its own transaction for a code exchange, none for a refresh.
        path(
            "token/",
            transaction.non_atomic_requests(views.TokenView.as_view()),
            name="token",
        ),
        path("revoke_token/", oauth2_views.RevokeTokenView.as_view(), name="revoke-token"),
        # Read-only endpoints (here, JWKS and discovery): no request-wide transaction (on SQLite
        # that would take the write lock for every call; see bench/README.md).
        path(
            "introspect/",
            transaction.non_atomic_requests(views.IntrospectTokenView.as_view()),
            name="introspect",
        ),
        path(
            "userinfo/",
            transaction.non_atomic_requests(oauth2_views.UserInfoView.as_view()),
            name="user-info",
        ),
        path(
            "jwks/",
            transaction.non_atomic_requests(views.JwksInfoView.as_view()),
            name="jwks-info",
        ),
        path("logout/", views.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
        path(
            ".well-known/openid-configuration",
            transaction.non_atomic_requests(views.ConnectDiscoveryInfoView.as_view()),
            name="oidc-connect-discovery-info",
        ),
    ],
    "oauth2_provider",
)

app_name = "applications"

urlpatterns = [
    path("", views.granted, name="granted"),
    path("<id:client_id>/widerrufen/", views.revoke_grant, name="revoke_grant"),
    path("logo/<id:application_id>/", views.logo, name="logo"),
]
