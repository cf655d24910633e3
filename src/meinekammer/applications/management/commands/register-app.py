"""Register a connected application as an OpenID Connect client; prints its credentials once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator
from django.db import transaction
from oauth2_provider.generators import generate_client_id, generate_client_secret

from meinekammer.applications.models import Application, OAuthClient


class Command(BaseCommand):
    help = (
        "Register an OpenID Connect client for a connected application. The client secret is "
        "printed once and stored only as a hash."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--application", required=True, help="name of the connected application"
        )
        parser.add_argument("--name", help="name of the client (default: the application's)")
        parser.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris")
        parser.add_argument("--post-logout-uri", action="append", default=[], dest="logout_uris")
        parser.add_argument(
            "--backchannel-logout-uri",
            default="",
            help="where the application is told that a user's session ends (Back-Channel Logout)",
        )
        parser.add_argument("--public", action="store_true", help="a public client (no secret)")
        parser.add_argument("--first-party", action="store_true", help="no consent page")
        parser.add_argument(
            "--resource-server",
            action="store_true",
            help="may introspect the access tokens of every client of the application",
        )
        parser.add_argument("--access-token-seconds", type=int)
        parser.add_argument("--refresh-token-seconds", type=int)
        parser.add_argument("--client-id", help="a given client id (default: generated)")
        parser.add_argument("--client-secret", help="a given secret (default: generated)")

    def handle(self, *args, **options) -> None:
        application = Application.objects.filter(name=options["application"]).first()
        if application is None:
            raise CommandError(f"No connected application named {options['application']!r}.")
        validate = URLValidator(schemes=["https", "http"])
        extra = [options["backchannel_logout_uri"]] if options["backchannel_logout_uri"] else []
        for uri in options["redirect_uris"] + options["logout_uris"] + extra:
            try:
                validate(uri)
            except Exception as error:
                raise CommandError(f"Not a valid URL: {uri}") from error
        if options["client_secret"] and len(options["client_secret"]) < 32:
            raise CommandError("A given client secret must have at least 32 characters.")
        public = options["public"]
        if public and options["resource_server"]:
            raise CommandError("A resource server authenticates: it cannot be a public client.")
        client_id = options["client_id"] or generate_client_id()
        secret = "" if public else (options["client_secret"] or generate_client_secret())
        with transaction.atomic():
            if OAuthClient.objects.filter(client_id=client_id).exists():
                raise CommandError(f"A client with the id {client_id} exists already.")
            client = OAuthClient(
                connected_application=application,
                name=options["name"] or application.name,
                client_id=client_id,
                client_secret=secret,
                client_type=OAuthClient.CLIENT_PUBLIC
                if public
                else OAuthClient.CLIENT_CONFIDENTIAL,
                authorization_grant_type=OAuthClient.GRANT_AUTHORIZATION_CODE,
                redirect_uris=" ".join(options["redirect_uris"]),
                post_logout_redirect_uris=" ".join(options["logout_uris"]),
                backchannel_logout_uri=options["backchannel_logout_uri"],
                algorithm=OAuthClient.RS256_ALGORITHM,
                first_party=options["first_party"],
                is_resource_server=options["resource_server"],
                access_token_seconds=options["access_token_seconds"],
                refresh_token_seconds=options["refresh_token_seconds"],
            )
            try:
                client.full_clean(exclude=["user", "client_secret"])
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
            client.save()
        self.stdout.write(f"client_id={client_id}")
        if secret:
            self.stdout.write(f"client_secret={secret}")
            self.stdout.write("Keep the secret now: it is stored only as a hash and shown once.")
