from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`meinekammer demo`: fictitious data and the processes of a one-machine installation."""

    name = "meinekammer.demo"
    label = "demo"
    verbose_name = "Demo"
