from django.urls import path

from . import views

app_name = "companies"

urlpatterns = [
    path("neu/", views.register, name="register"),
    path("aktivieren/", views.activate, name="activate"),
    path("<int:company_id>/", views.administration, name="administration"),
    path("<int:company_id>/neues-passwort/", views.request_password, name="request_password"),
]
