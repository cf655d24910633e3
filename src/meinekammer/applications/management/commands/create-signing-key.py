"""Create an RSA key for signing ID tokens (see docs/oidc.md for rotation)."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from meinekammer.settings.oidc_keys import new_private_key_pem


class Command(BaseCommand):
    help = "Create an RSA private key (PEM) for the OpenID Connect provider."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", required=True, help="file to write; must not exist")
        parser.add_argument("--bits", type=int, default=3072, choices=[2048, 3072, 4096])

    def handle(self, *args, **options) -> None:
        path = Path(options["out"])
        if path.exists():
            raise CommandError(f"{path} exists; refusing to overwrite a key.")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_private_key_pem(options["bits"]))
        self.stdout.write(f"Wrote {path} (mode 600). Publish it first, then sign with it.")
