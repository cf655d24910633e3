"""Fictitious company directories for the demo, the tests and the benchmarks.

The rows are made up from Faker's German name and place lists with a fixed seed: the same
arguments give the same rows on every machine. The first rows of every chamber are fixed
companies the demo and its story refer to ("Beispiel GmbH", member number 1010001, in
chamber 101).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Iterator
from typing import IO

from faker import Faker

from .directory import COLUMNS, ImportResult, import_directory
from .models import Chamber

DEFAULT_SEED = 2026

# (legal form, register kind, weight): GmbH and UG in section B of the commercial register,
# partnerships and merchants in section A, GbR and sole traders in none.
_LEGAL_FORMS = [
    ("GmbH", "HRB", 40),
    ("UG (haftungsbeschränkt)", "HRB", 8),
    ("AG", "HRB", 2),
    ("GmbH & Co. KG", "HRA", 10),
    ("KG", "HRA", 4),
    ("OHG", "HRA", 3),
    ("e.K.", "HRA", 10),
    ("GbR", "", 8),
    ("", "", 15),  # a sole trader: no legal form in the name
]
_TRADES = [
    "Metallbau",
    "Elektrotechnik",
    "Bäckerei",
    "Gartenbau",
    "Softwareentwicklung",
    "Logistik",
    "Haustechnik",
    "Immobilien",
    "Druckerei",
    "Getränkehandel",
    "Autohaus",
    "Reisebüro",
    "Maschinenbau",
    "Textilhandel",
    "Gebäudereinigung",
    "Consulting",
    "Holzbau",
    "Feinkost",
    "Spedition",
    "Medientechnik",
]
_INACTIVE_SHARE = 0.05


def _fixed_rows(chamber_number: str) -> list[dict[str, str]]:
    """The companies the demo refers to by member number; chamber 101 has "Beispiel GmbH"."""
    if chamber_number == "101":
        city, court = "Musterstadt", "Amtsgericht Musterstadt"
        rows = [
            ("Beispiel GmbH", "GmbH", "Musterstraße 1", "12345", "HRB 1001", "active"),
            ("Musterfrau Bäckerei e.K.", "e.K.", "Hauptstraße 5", "12347", "HRA 502", "active"),
            ("Altbeispiel Druckerei OHG", "OHG", "Bahnhofstraße 3", "12349", "HRA 503", "inactive"),
        ]
    else:
        city, court = "Beispielstadt", "Amtsgericht Beispielstadt"
        rows = [
            ("Muster Handwerk GmbH", "GmbH", "Werkstattweg 2", "54321", "HRB 2001", "active"),
            ("Mustermann Elektro e.K.", "e.K.", "Ringstraße 7", "54323", "HRA 602", "active"),
            ("Alte Muster Schreinerei OHG", "OHG", "Holzweg 4", "54325", "HRA 603", "inactive"),
        ]
    return [
        {
            "member_number": f"{chamber_number}{index:04d}",
            "name": name,
            "legal_form": legal_form,
            "street": street,
            "postal_code": postal_code,
            "city": city,
            "register_court": court,
            "register_number": register_number,
            "status": status,
        }
        for index, (name, legal_form, street, postal_code, register_number, status) in enumerate(
            rows, start=1
        )
    ]


def generate_directory_rows(chamber_number: str, count: int, seed: int) -> Iterator[dict[str, str]]:
    """`count` fictitious directory rows (dicts keyed by the CSV columns) of one chamber.

    Member numbers are the chamber number and a running number of at least four digits. The
    companies sit in a pool of postal codes that grows with `count` (up to 500, as many as a
    large chamber district has), so a postal code holds many companies, as in a city.
    """
    fixed = _fixed_rows(chamber_number)
    yield from fixed[:count]
    if count <= len(fixed):
        return
    # Random from a string seed is the same on every machine and Python version.
    rng = random.Random(f"{seed}-{chamber_number}")  # noqa: S311 - not for security
    fake = Faker("de_DE")
    fake.seed_instance(f"{seed}-{chamber_number}")
    last_names = sorted({fake.last_name() for _ in range(3000)})
    first_names = sorted({fake.first_name() for _ in range(500)})
    streets = sorted({fake.street_name() for _ in range(2000)})
    pool_size = min(500, max(8, count // 2000))
    cities = sorted({fake.city() for _ in range(max(3, pool_size // 5))})
    courts = [f"Amtsgericht {city}" for city in cities[: min(4, len(cities))]]
    postal_codes: dict[str, tuple[str, str]] = {}  # postal code → (city, court)
    while len(postal_codes) < pool_size:
        postal_code = fake.postcode()
        if postal_code not in {"12345", "54321"}:
            postal_codes[postal_code] = (rng.choice(cities), rng.choice(courts))
    places = sorted(postal_codes.items())
    forms = [form for form, _kind, weight in _LEGAL_FORMS for _ in range(weight)]
    kinds = {form: kind for form, kind, _weight in _LEGAL_FORMS}
    # Register numbers run upwards per court and section, so none is given twice.
    next_number = {
        (court, kind): rng.randint(10_000, 30_000) if kind == "HRB" else rng.randint(1_000, 9_000)
        for court in courts
        for kind in ("HRA", "HRB")
    }
    for index in range(len(fixed) + 1, count + 1):
        postal_code, (city, court) = rng.choice(places)
        form = rng.choice(forms)
        last_name, trade = rng.choice(last_names), rng.choice(_TRADES)
        pattern = rng.random()
        if pattern < 0.45:
            base = f"{last_name} {trade}"
        elif pattern < 0.7:
            base = f"{trade} {last_name}"
        elif pattern < 0.85:
            base = f"{last_name} & {rng.choice(last_names)}"
        else:
            base = f"{rng.choice(first_names)} {last_name} {trade}"
        kind = kinds[form]
        register_number = ""
        if kind:
            number = next_number[court, kind]
            next_number[court, kind] = number + rng.randint(1, 4)
            register_number = f"{kind} {number}"
        yield {
            "member_number": f"{chamber_number}{index:04d}",
            "name": f"{base} {form}" if form else base,
            "legal_form": form or "Einzelunternehmen",
            "street": f"{rng.choice(streets)} {rng.randint(1, 180)}",
            "postal_code": postal_code,
            "city": city,
            "register_court": court if kind else "",
            "register_number": register_number,
            "status": "inactive" if rng.random() < _INACTIVE_SHARE else "active",
        }


def write_directory_csv(rows: Iterable[dict[str, str]], target: IO[str]) -> int:
    """Write rows in the documented format (`;`, header row); returns the number of rows."""
    writer = csv.DictWriter(target, fieldnames=COLUMNS, delimiter=";", lineterminator="\n")
    writer.writeheader()
    written = 0
    for row in rows:
        writer.writerow(row)
        written += 1
    return written


def seed_demo_directory(
    chamber: Chamber, count: int = 300, seed: int = DEFAULT_SEED
) -> ImportResult:
    """Fill the chamber's directory with fictitious companies through the real importer.

    Idempotent: the rows are the same every time, so a second run changes nothing.
    """
    buffer = io.StringIO()
    write_directory_csv(generate_directory_rows(chamber.number, count, seed), buffer)
    buffer.seek(0)
    return import_directory(chamber, buffer)
