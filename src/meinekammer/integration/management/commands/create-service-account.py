"""Create a REST API service account for one chamber or one company; prints its credentials
once. With --new-secret, gives an existing account a new secret instead."""

from django.core.management.base import BaseCommand, CommandError

from meinekammer.chambers.models import Chamber
from meinekammer.companies.models import Company
from meinekammer.core.actor import Actor, Interface
from meinekammer.core.errors import DomainError, Refused
from meinekammer.integration.models import ApiScope, ServiceAccount
from meinekammer.integration.services import (
    change_service_account_secret,
    create_service_account,
)


class Command(BaseCommand):
    help = (
        "Create a service account of the REST API for one chamber (--chamber NUMBER) or one "
        "company (--company ID) with the given scopes; the secret is printed once. "
        f"Scopes: {', '.join(ApiScope.values)}."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", help="what the account is for, e.g. 'Kammer-Registersync'")
        parser.add_argument("--chamber", help="the chamber's number")
        parser.add_argument("--company", type=int, help="the company's id")
        parser.add_argument("--scope", action="append", default=[], dest="scopes")
        parser.add_argument(
            "--new-secret", metavar="CLIENT_ID", help="give this account a new secret"
        )

    def handle(self, *args, **options) -> None:
        actor = Actor.system(Interface.CLI)
        try:
            if options["new_secret"]:
                account = ServiceAccount.objects.filter(client_id=options["new_secret"]).first()
                if account is None:
                    raise CommandError(f"No service account {options['new_secret']!r}.")
                secret = change_service_account_secret(actor, account_id=account.pk)
            else:
                chamber = company = None
                if options["chamber"]:
                    chamber = Chamber.objects.filter(number=options["chamber"]).first()
                    if chamber is None:
                        raise CommandError(f"No chamber with the number {options['chamber']!r}.")
                if options["company"]:
                    company = Company.objects.filter(pk=options["company"]).first()
                    if company is None:
                        raise CommandError(f"No company with the id {options['company']}.")
                account, secret = create_service_account(
                    actor,
                    name=options["name"] or "",
                    scopes=options["scopes"],
                    chamber=chamber,
                    company=company,
                )
        except Refused as error:
            raise CommandError(error.message) from error
        except DomainError as error:
            raise CommandError("Not found.") from error
        self.stdout.write(f"client_id={account.client_id}")
        self.stdout.write(f"client_secret={secret}")
        self.stdout.write("Keep the secret now: it is stored only as a hash.")
