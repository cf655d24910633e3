import time

from django.core.management.base import BaseCommand

from meinekammer.ops.scheduling import enqueue_due_jobs


class Command(BaseCommand):
    help = "Enqueue the periodic jobs of meinekammer/schedules.py that are due."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="Keep running, checking every --interval seconds."
        )
        parser.add_argument("--interval", type=int, default=30)

    def handle(self, *args, loop: bool, interval: int, **options) -> None:
        while True:
            for name in enqueue_due_jobs():
                self.stdout.write(f"enqueued {name}")
            if not loop:
                return
            time.sleep(interval)
