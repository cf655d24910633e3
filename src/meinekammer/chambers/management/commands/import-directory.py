"""`meinekammer import-directory --chamber 101 verzeichnis.csv`: the chamber's company directory."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from tqdm import tqdm

from meinekammer.chambers.directory import DirectoryImportError, import_directory
from meinekammer.chambers.models import Chamber


def count_lines(path: Path) -> int:
    """Lines in the file, for the progress bar's total (a quick pass over the bytes)."""
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return lines


class Command(BaseCommand):
    help = (
        "Import the chamber's company directory from a CSV file (docs/directory-csv.md). "
        "Rows are matched by member number; bad rows are reported and skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chamber", required=True, help="the three-digit chamber number")
        parser.add_argument("file", type=Path, help="the CSV file (UTF-8, separated by ;)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    @no_translations  # the operator's output, and its reasons for rejected rows, in English
    def handle(self, *args: Any, **options: Any) -> None:
        number = options["chamber"].strip()
        chamber = Chamber.objects.filter(number=number).first()
        if chamber is None:
            raise CommandError(f"There is no chamber with the number {number!r}.")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"Cannot read {path}: no such file.")
        try:
            total = count_lines(path)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        with tqdm(
            total=max(total - 1, 0),
            unit=" rows",
            unit_scale=True,
            file=sys.stderr,
            # A bar in a log file is noise; it shows only to a person at a terminal.
            disable=options["quiet"] or not sys.stderr.isatty(),
            desc=f"{chamber.number} directory",
        ) as bar:
            try:
                result = import_directory(chamber, path, progress=bar.update)
            except DirectoryImportError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(f"{chamber}: {result.summary()}")
        for line, reason in result.rejections:
            self.stdout.write(f"line {line}: {reason}")
