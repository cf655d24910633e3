from django.urls import path

from . import export_views, privacy_notice, required_factor, session_views, views

app_name = "accounts"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("zwei-faktor/einrichten/", required_factor.factor_setup, name="factor_setup"),
    # A new version of the Informationspflichten (privacy_notice.py).
    path("informationspflichten/", privacy_notice.privacy_notice, name="privacy_notice"),
    path("daten/", views.personal_data, name="personal_data"),
    path("sperren/", views.lock, name="lock"),
    path("gesperrt/", views.locked, name="locked"),
    path("entsperren/", views.unlock_request, name="unlock_request"),
    path("entsperren/<str:uidb36>/<str:token>/", views.unlock, name="unlock"),
    path("loeschen/", views.delete, name="delete"),
    path("bestaetigungslink/", views.resend_confirmation, name="resend_confirmation"),
    # Signed-in devices and the idle timeout (session_views.py).
    path("geraete/", session_views.sessions, name="sessions"),
    path("geraete/<id:session_id>/abmelden/", session_views.end_session, name="end_session"),
    path("geraete/andere-abmelden/", session_views.end_other_sessions, name="end_other_sessions"),
    path("sitzung/verlaengern/", session_views.stay_signed_in, name="stay_signed_in"),
    path("sitzung/status/", session_views.idle_status, name="idle_status"),
    # "Meine Daten herunterladen" (export_views.py).
    path("meine-daten/", export_views.data_export, name="data_export"),
    path("meine-daten/herunterladen/", export_views.data_export_json, name="data_export_json"),
    path("meine-daten/anzeigen/", export_views.data_export_page, name="data_export_page"),
]
