from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.mailbox, name="mailbox"),
    path("<id:pk>/", views.mailbox_message, name="mailbox_message"),
    path("<id:pk>/html/", views.mailbox_message_html, name="mailbox_message_html"),
]
