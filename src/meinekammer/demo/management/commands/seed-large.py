import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from meinekammer.demo.large import Size, seed_large


class Command(BaseCommand):
    help = (
        "Fill the installation with a large, fictitious data set for benchmarks and load runs "
        "(default: 1,000,000 accounts, 100,000 companies, one with 10,000 members, "
        "50 applications). Never on a production database."
    )

    def add_arguments(self, parser):
        defaults = Size()
        parser.add_argument("--accounts", type=int, default=defaults.accounts)
        parser.add_argument("--companies", type=int, default=defaults.companies)
        parser.add_argument("--big-company-members", type=int, default=defaults.big_company_members)
        parser.add_argument("--applications", type=int, default=defaults.applications)
        parser.add_argument("--chambers", type=int, default=defaults.chambers)
        parser.add_argument(
            "--first-chamber",
            type=int,
            default=defaults.first_chamber,
            help="number of the first chamber; a second seed into the same database needs others",
        )
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, **options):
        size = Size(
            accounts=options["accounts"],
            companies=options["companies"],
            big_company_members=options["big_company_members"],
            applications=options["applications"],
            chambers=options["chambers"],
            first_chamber=options["first_chamber"],
            seed=options["seed"],
        )
        bars: list[tqdm] = []

        def progress(stage: str, total: int):
            if options["no_progress"]:
                return lambda _done: None
            bar = tqdm(total=total, desc=f"{stage:<20}", unit=" rows", unit_scale=True)
            bars.append(bar)

            def advance(done: int) -> None:
                bar.update(done)
                if bar.n >= bar.total:
                    bar.close()

            return advance

        started = time.perf_counter()
        try:
            seeded = seed_large(size, progress=progress)
        except ValueError as error:
            raise CommandError(str(error)) from error
        finally:
            for bar in bars:
                bar.close()
        seconds = time.perf_counter() - started
        rows = sum(seeded.rows.values())
        for name, count in seeded.rows.items():
            self.stdout.write(f"{name:>20}: {count:>10,}")
        self.stdout.write(
            self.style.SUCCESS(f"{rows:,} rows in {seconds:.0f} s ({rows / seconds:,.0f} rows/s)")
        )
        self.stdout.write(
            f"Every account's password: {seeded.password}\n"
            f"Company admin of the large company (id {seeded.big_company_id}): "
            f"{seeded.admin_email}\n"
            f"Clerk of chamber {seeded.chamber_numbers[0]}: {seeded.clerk_email}\n"
            f"Their authenticator app's key (TOTP): {seeded.totp_secret}"
        )
