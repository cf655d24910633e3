from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.urls import include, path

from meinekammer.api.token import token as api_token
from meinekammer.api.v1 import api as api_v1
from meinekammer.web.accounts import registration as account_registration
from meinekammer.web.accounts import views as account_views
from meinekammer.web.accounts.mfa_views import remove_key
from meinekammer.web.sso.urls import oidc_patterns
from meinekammer.web.sso.views import ConnectDiscoveryInfoView

# The admin site's own login form knows only the password: no second factor, no throttling per
# account and source. Operators log in through the portal's login like everyone else.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", include("meinekammer.web.urls")),
    path("konto/", include("meinekammer.web.accounts.urls")),
    path("unternehmen/", include("meinekammer.web.companies.urls")),
    path("kammer/", include("meinekammer.web.chambers.urls")),
    path("konto/anwendungen/", include("meinekammer.web.sso.urls")),
    path("o/", include(oidc_patterns)),
    # The REST API for connected systems (api/, docs/integration.md).
    path("api/v1/token", api_token, name="api-token"),
    path("api/v1/", api_v1.urls),
    # Discovery at the issuer (SITE_URL), as OpenID Connect Discovery 1.0 requires.
    path(
        ".well-known/openid-configuration",
        transaction.non_atomic_requests(ConnectDiscoveryInfoView.as_view()),
        name="openid-configuration",
    ),
    # Removing a security key asks the MFA adapter first, as deactivating the app does.
    path(
        "accounts/2fa/webauthn/keys/<int:pk>/remove/",
        remove_key,
        name="mfa_remove_webauthn",
    ),
    # allauth's page, with the second factor asked again (web.decorators.recently_checked).
    path(
        "accounts/password/change/",
        account_views.password_change,
        name="account_change_password",
    ),
    # "Jetzt registrieren" in two steps (manual ch. 2): allauth's signup URL and name for step 1.
    path("accounts/signup/", account_registration.registration, name="account_signup"),
    path(
        "accounts/signup/informationspflichten/",
        account_registration.registration_consent,
        name="account_signup_consent",
    ),
    path("accounts/", include("allauth.urls")),
    path("dev/mailbox/", include("meinekammer.web.mailbox.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler400 = "meinekammer.web.views.bad_request"
handler403 = "meinekammer.web.views.permission_denied"
handler404 = "meinekammer.web.views.page_not_found"
handler500 = "meinekammer.web.views.server_error"
