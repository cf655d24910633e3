from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("daten/", views.personal_data, name="personal_data"),
    path("sperren/", views.lock, name="lock"),
    path("gesperrt/", views.locked, name="locked"),
    path("entsperren/", views.unlock_request, name="unlock_request"),
    path("entsperren/<str:uidb36>/<str:token>/", views.unlock, name="unlock"),
    path("loeschen/", views.delete, name="delete"),
    path("bestaetigungslink/", views.resend_confirmation, name="resend_confirmation"),
]
