"""Carry out the company deletions that are due now (what the scheduled job does)."""

from django.core.management.base import BaseCommand

from meinekammer.companies.services.deletion import execute_due_deletions
from meinekammer.core.actor import Actor, Interface


class Command(BaseCommand):
    help = "Delete the companies whose approved deletion date has come (idempotent)."

    def handle(self, *args, **options) -> None:
        count = execute_due_deletions(Actor.system(Interface.CLI))
        self.stdout.write(f"{count} companies deleted.")
