from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("meinekammer.web.urls")),
    path("konto/", include("meinekammer.accounts.urls")),
    path("unternehmen/", include("meinekammer.companies.urls")),
    path("kammer/", include("meinekammer.chambers.urls")),
    path("accounts/", include("allauth.urls")),
    path("dev/mailbox/", include("meinekammer.notifications.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler400 = "meinekammer.web.views.bad_request"
handler403 = "meinekammer.web.views.permission_denied"
handler404 = "meinekammer.web.views.page_not_found"
handler500 = "meinekammer.web.views.server_error"
