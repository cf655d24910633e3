from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "meinekammer.web"
    label = "web"
    verbose_name = _("Web")

    def ready(self) -> None:
        from django.urls import register_converter

        from .accounts import receivers as account_receivers
        from .companies import receivers, tiles  # noqa: F401
        from .converters import IdConverter

        register_converter(IdConverter, "id")

        # Single sign-on: the login time for `max_age` in authorization requests.
        from django.contrib.auth.signals import user_logged_in

        from .sso.sessions import remember_login_time

        user_logged_in.connect(remember_login_time, dispatch_uid="mk_sso_login_time")

        # The audit of what allauth and django.contrib.auth do (login, logout, password …).
        account_receivers.connect()

        # The audit of second factors added, reset and removed (allauth.mfa).
        from .accounts import mfa_receivers

        mfa_receivers.connect()
