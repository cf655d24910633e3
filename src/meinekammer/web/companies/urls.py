from django.urls import path

from . import bulk_views, deletion_views, factor_views, log_views, views
from . import member_views as members

app_name = "companies"

urlpatterns = [
    path("neu/", views.register, name="register"),
    path("aktivieren/", views.activate, name="activate"),
    path("<id:company_id>/", views.administration, name="administration"),
    path("<id:company_id>/neues-passwort/", views.request_password, name="request_password"),
    path("<id:company_id>/benutzer-hinzufuegen/", members.invite, name="invite"),
    path("<id:company_id>/mehrere-einladen/", bulk_views.bulk_invite, name="bulk_invite"),
    path(
        "<id:company_id>/mehrere-einladen/beispiel.csv",
        bulk_views.bulk_example,
        name="bulk_example",
    ),
    path(
        "<id:company_id>/mehrere-einladen/<id:batch_id>/",
        bulk_views.bulk_batch,
        name="bulk_batch",
    ),
    path(
        "<id:company_id>/mehrere-einladen/<id:batch_id>/versenden/",
        bulk_views.bulk_confirm,
        name="bulk_confirm",
    ),
    path(
        "<id:company_id>/mehrere-einladen/<id:batch_id>/stand/",
        bulk_views.bulk_status,
        name="bulk_status",
    ),
    path("<id:company_id>/daten/", members.company_data, name="company_data"),
    path("<id:company_id>/zwei-faktor/", factor_views.members_factor, name="members_factor"),
    path("<id:company_id>/protokoll/", log_views.log, name="log"),
    path("<id:company_id>/protokoll/export.csv", log_views.log_csv, name="log_csv"),
    path(
        "<id:company_id>/mitglieder/<id:membership_id>/",
        members.member_save,
        name="member_save",
    ),
    path(
        "<id:company_id>/mitglieder/<id:membership_id>/entfernen/",
        members.member_remove,
        name="member_remove",
    ),
    path(
        "<id:company_id>/einladungen/<id:invitation_id>/erneut-senden/",
        members.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "<id:company_id>/einladungen/<id:invitation_id>/zurueckziehen/",
        members.invitation_revoke,
        name="invitation_revoke",
    ),
    path("<id:company_id>/rolle-beantragen/", members.role_request, name="role_request"),
    path("<id:company_id>/verlassen/", members.leave, name="leave"),
    path("<id:company_id>/loeschen/", deletion_views.delete, name="delete"),
    path("<id:company_id>/loeschung-widerrufen/", deletion_views.revoke, name="revoke_deletion"),
    path("beitreten/", members.join, name="join"),
    path("einladung/<str:token>/", members.invitation, name="invitation"),
    path("anfragen/offen/", members.requests_open, name="requests_open"),
    path("anfragen/meine/", members.requests_mine, name="requests_mine"),
    path("anfragen/<id:request_id>/", members.request_detail, name="request_detail"),
    path("anfragen/<id:request_id>/zuweisen/", members.request_assign, name="request_assign"),
    path("anfragen/<id:request_id>/freigeben/", members.request_release, name="request_release"),
    path("anfragen/<id:request_id>/zurueckziehen/", members.withdraw, name="request_withdraw"),
]
