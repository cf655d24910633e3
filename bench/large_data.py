"""Benchmark: the pages a company admin and a clerk use most, on a large installation.

Seeds a fresh database with `meinekammer seed-large` (default 1,000,000 accounts, 100,000
companies, one with 10,000 members, 50 applications; the seeding time is reported), then requests
each page through Django's whole middleware stack (the test client, in this process: no HTTP
server, no network) as the large company's admin and as a clerk of its chamber, in rounds (one
request of every page per round, so that the pages share the machine's state alike), after a
warm-up. It prints p50, p95 and the slowest request per page and the number of database queries
each page made (counted in a separate pass of five requests; a session's periodic writes
add a few on some requests). Goal:
p95 ≤ 50 ms for every page; the query counts are those of the small installation in
tests/demo/test_seed_large.py, which asserts that they do not grow with the size.

    .venv/bin/python bench/large_data.py --database postgres
    .venv/bin/python bench/large_data.py --database sqlite
    .venv/bin/python bench/large_data.py --database postgres --keep      # keep the database
    .venv/bin/python bench/large_data.py --reuse postgres://…/meinekammer_bench_123  # no seeding

On PostgreSQL the cache is Redis (`BENCH_REDIS_URL`, default redis://127.0.0.1:6379/14, flushed
first), as in production; on SQLite the database cache, as in the demo.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import fresh_database, machine, percentile, run_each_database

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def pages(seeded: dict, rng: random.Random) -> list[tuple[str, str, object, object]]:
    """(label, who, a function giving the next URL, a text the page must contain)."""
    from meinekammer.chambers.models import DirectoryEntry
    from meinekammer.companies.models import Company, Membership

    company = Company.objects.get(pk=seeded["company"])
    members = Membership.objects.filter(company=company).count()
    last_pages = max(1, members // 25)
    names = list(
        Membership.objects.filter(company=company)
        .order_by("?")
        .values_list("user__last_name", flat=True)[:200]
    )
    entries = list(
        DirectoryEntry.objects.filter(chamber=company.chamber)
        .order_by("?")
        .values_list("name", flat=True)[:200]
    )

    def word(names: list[str]) -> str:
        return rng.choice(rng.choice(names).split())

    base = f"/unternehmen/{company.pk}/"
    return [
        ("Startseite (Dashboard)", "admin", lambda: "/", company.name),
        ("Mitgliederliste, Seite 1", "admin", lambda: base, "Mitglieder"),
        (
            "Mitgliederliste, Seite n",
            "admin",
            lambda: f"{base}?page={rng.randint(2, last_pages)}",
            "Mitglieder",
        ),
        ("Mitgliederliste, Suche", "admin", lambda: f"{base}?q={word(names)}", "Mitglieder"),
        ("Offene Anfragen", "admin", lambda: "/unternehmen/anfragen/offen/", "Anfragen"),
        ("Kammer: Registrierungen", "clerk", lambda: "/kammer/registrierungen/", "Registrierung"),
        (
            "Kammer: Registrierungen in Prüfung, Suche",
            "clerk",
            lambda: f"/kammer/registrierungen/?q={word(entries)}",
            "Registrierung",
        ),
        (
            "Kammer: Registrierungen, alle, Suche",
            "clerk",
            lambda: f"/kammer/registrierungen/?state=&q={word(entries)}",
            "Registrierung",
        ),
        (
            "Kammer: Unternehmen, Suche",
            "clerk",
            lambda: f"/kammer/unternehmen/?q={word(entries)}",
            "Unternehmen",
        ),
        (
            "Kammer: Verzeichnis, Suche",
            "clerk",
            lambda: f"/kammer/verzeichnis/?q={word(entries)}",
            "Verzeichnis",
        ),
    ]


def measure(seeded: dict, rounds: int, warmup: int, seed: int) -> list[dict]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from meinekammer.accounts.models import User

    # The test client's host name. Not setup_test_environment(): it would make every template
    # render record a copy of its context for the test client (no production server does).
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rng = random.Random(seed)  # noqa: S311 - not for security
    clients = {}
    for who, email in (("admin", seeded["admin"]), ("clerk", seeded["clerk"])):
        client = Client(HTTP_ACCEPT_LANGUAGE="de")
        client.force_login(User.objects.get(email=email))
        clients[who] = client
    plan = pages(seeded, rng)

    def get(who: str, url: str, expected: str) -> None:
        response = clients[who].get(url)
        body = response.content.decode()
        if response.status_code != 200 or expected not in body:
            raise SystemExit(f"{url}: {response.status_code}, {expected!r} not in the page")

    queries: dict[str, set[int]] = {label: set() for label, *_ in plan}
    for _ in range(5):
        for label, who, url, expected in plan:
            with CaptureQueriesContext(connection) as captured:
                get(who, url(), expected)  # type: ignore[operator]
            queries[label].add(len(captured.captured_queries))
    for _ in range(warmup):
        for _label, who, url, expected in plan:
            get(who, url(), expected)  # type: ignore[operator]
    timings: dict[str, list[float]] = {label: [] for label, *_ in plan}
    for _ in range(rounds):
        for label, who, url, expected in plan:
            target = url()  # type: ignore[operator]
            started = time.perf_counter()
            get(who, target, expected)  # type: ignore[arg-type]
            timings[label].append((time.perf_counter() - started) * 1000)
    results = []
    for label, *_ in plan:
        values = sorted(timings[label])
        results.append(
            {
                "page": label,
                "p50": statistics.median(values),
                "p95": percentile(values, 0.95),
                "max": values[-1],
                "queries": sorted(queries[label]),
            }
        )
    return results


def seeded_from_database() -> dict:
    from meinekammer.accounts.models import User
    from meinekammer.chambers.models import ChamberStaff
    from meinekammer.companies.models import Membership

    admin = User.objects.filter(email__startswith="anna.admin.", email__endswith="@large.example")
    admin_user = admin.order_by("pk").first()
    if admin_user is None:
        raise SystemExit("no seeded installation in this database (meinekammer seed-large)")
    membership = Membership.objects.filter(user=admin_user).order_by("pk").first()
    assert membership is not None
    clerk = (
        ChamberStaff.objects.filter(chamber=membership.company.chamber)
        .order_by("pk")
        .select_related("user")
        .first()
    )
    assert clerk is not None
    return {"admin": admin_user.email, "clerk": clerk.user.email, "company": membership.company_id}


def seed(args) -> float:
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own command
        [
            str(Path(sys.executable).parent / "meinekammer"),
            "seed-large",
            f"--accounts={args.accounts}",
            f"--companies={args.companies}",
            f"--big-company-members={args.big_company_members}",
            f"--applications={args.applications}",
            *([] if sys.stderr.isatty() else ["--no-progress"]),
        ],
        check=True,
    )
    return time.perf_counter() - started


def report(kind: str, seconds: float | None, results: list[dict]) -> None:
    if seconds is not None:
        print(f"\nseeding ({kind}): {seconds:.0f} s")
    print(f"\n| page ({kind}) | p50 ms | p95 ms | max ms | queries |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for row in results:
        counts = "/".join(str(count) for count in row["queries"])
        print(
            f"| {row['page']} | {row['p50']:.1f} | {row['p95']:.1f} | {row['max']:.1f} | {counts} |"
        )
    slow = [row["page"] for row in results if row["p95"] > 50]
    print("\ngoal p95 ≤ 50 ms: " + ("met" if not slow else f"MISSED for {', '.join(slow)}"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument("--big-company-members", type=int, default=10_000)
    parser.add_argument("--applications", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="DATABASE_URL", help="an installation seeded before")
    args = parser.parse_args(argv)
    if args.database == "both" and not args.reuse:
        rest = [
            a for a in argv if a not in {"--database", "both"} and not a.startswith("--database=")
        ]
        return run_each_database(__file__, rest)

    print("\n".join(machine()))
    if args.reuse:
        kind = "postgresql" if args.reuse.startswith("postgres") else "sqlite"
        os.environ["DJANGO_SETTINGS_MODULE"] = "meinekammer.settings.test"
        os.environ["DATABASE_URL"] = args.reuse
        if kind == "postgresql":
            os.environ["REDIS_URL"] = REDIS_URL
        import django

        django.setup()
        flush_cache()
        report(kind, None, measure(seeded_from_database(), args.rounds, args.warmup, args.seed))
        return 0
    redis = REDIS_URL if args.database == "postgres" else None
    with fresh_database(args.database, keep=args.keep, redis_url=redis):
        flush_cache()
        seconds = seed(args)
        results = measure(seeded_from_database(), args.rounds, args.warmup, args.seed)
    report(args.database, seconds, results)
    return 0


def flush_cache() -> None:
    from django.core.cache import cache

    cache.clear()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
