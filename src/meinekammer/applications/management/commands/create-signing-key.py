"""Create a key for signing ID tokens (RSA) or access tokens (EC P-256, `--access-tokens`); see
docs/oidc.md for rotation."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from meinekammer.settings.oidc_keys import new_ec_private_key_pem, new_private_key_pem


class Command(BaseCommand):
    help = (
        "Create a private key (PEM) for the OpenID Connect provider: RSA for ID tokens, or "
        "with --access-tokens EC P-256 for access tokens (ES256)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", required=True, help="file to write; must not exist")
        parser.add_argument("--bits", type=int, default=3072, choices=[2048, 3072, 4096])
        parser.add_argument(
            "--access-tokens",
            action="store_true",
            help="an EC P-256 key for OIDC_ACCESS_TOKEN_KEY_FILE instead of an RSA key",
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["out"])
        if path.exists():
            raise CommandError(f"{path} exists; refusing to overwrite a key.")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            if options["access_tokens"]:
                handle.write(new_ec_private_key_pem())
            else:
                handle.write(new_private_key_pem(options["bits"]))
        self.stdout.write(f"Wrote {path} (mode 600). Publish it first, then sign with it.")
