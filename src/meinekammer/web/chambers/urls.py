from django.urls import path

from . import views

app_name = "chambers"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("registrierungen/", views.registrations, name="registrations"),
    path("registrierungen/<id:registration_id>/", views.registration, name="registration"),
    path("briefe/", views.letters, name="letters"),
    path("briefe/pdf/", views.letters_pdf, name="letters_pdf"),
    path("briefe/versendet/", views.letters_sent, name="letters_sent"),
    path("passwortanfragen/", views.password_requests, name="password_requests"),
    path("loeschantraege/", views.deletions, name="deletions"),
    path("unternehmen/", views.companies, name="companies"),
    path("verzeichnis/", views.directory, name="directory"),
]
