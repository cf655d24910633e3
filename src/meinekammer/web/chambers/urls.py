from django.urls import path

from . import (
    block_views,
    company_views,
    directory_views,
    log_views,
    service_account_views,
    views,
)

app_name = "chambers"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("registrierungen/", views.registrations, name="registrations"),
    path("registrierungen/<id:registration_id>/", views.registration, name="registration"),
    path(
        "registrierungen/<id:registration_id>/zuweisen/",
        views.registration_assign,
        name="registration_assign",
    ),
    path(
        "registrierungen/<id:registration_id>/zuweisung-aufheben/",
        views.registration_release,
        name="registration_release",
    ),
    path("briefe/", views.letters, name="letters"),
    path("briefe/pdf/", views.letters_pdf, name="letters_pdf"),
    path("briefe/versendet/", views.letters_sent, name="letters_sent"),
    path("passwortanfragen/", views.password_requests, name="password_requests"),
    path("loeschantraege/", views.deletions, name="deletions"),
    path("unternehmen/", views.companies, name="companies"),
    path("verzeichnis/", directory_views.directory, name="directory"),
    path("verzeichnis/hochladen/", directory_views.directory_upload, name="directory_upload"),
    path(
        "verzeichnis/importe/<id:import_id>/",
        directory_views.directory_import,
        name="directory_import",
    ),
    path(
        "verzeichnis/importe/<id:import_id>/stand/",
        directory_views.directory_import_status,
        name="directory_import_status",
    ),
    # Issue 16: the company page, unused letters and reminders, the chamber's log, deletions.
    path("unternehmen/<id:company_id>/", company_views.company, name="company"),
    path("unternehmen/<id:company_id>/erinnerung/", company_views.remind, name="remind"),
    path("briefe/nicht-verwendet/", company_views.unused_letters, name="unused_letters"),
    path(
        "loeschantraege/durchgefuehrt/",
        company_views.executed_deletions,
        name="executed_deletions",
    ),
    path("aktivierungssperren/", block_views.activation_blocks, name="activation_blocks"),
    path(
        "aktivierungssperren/<id:block_id>/aufheben/",
        block_views.lift_block,
        name="lift_activation_block",
    ),
    path(
        "aktivierungssperren/brief/<id:letter_id>/aufheben/",
        block_views.lift_letter,
        name="lift_letter_block",
    ),
    path("dienstkonten/", service_account_views.service_accounts, name="service_accounts"),
    path(
        "dienstkonten/<id:account_id>/geheimnis/",
        service_account_views.new_secret,
        name="service_account_secret",
    ),
    path(
        "dienstkonten/<id:account_id>/deaktivieren/",
        service_account_views.deactivate,
        name="service_account_deactivate",
    ),
    path("protokoll/", log_views.log, name="log"),
    path("protokoll/export.csv", log_views.log_csv, name="log_csv"),
]
