"""Benchmark: import a generated directory CSV into a fresh database, then import it again.

    .venv/bin/python bench/import_directory.py --rows 1000000 --database postgres
    .venv/bin/python bench/import_directory.py --rows 1000000 --database sqlite

Goal: at least 20,000 rows/s on PostgreSQL for the first import (bench/README.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import SEED, chamber_101, directory_csv, fresh_database, machine, run_each_database

GOAL_ROWS_PER_SECOND = 20_000


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    if args.database == "both":
        rest = [
            a for a in argv if a not in {"--database", "both"} and not a.startswith("--database=")
        ]
        return run_each_database(__file__, rest)

    print("\n".join(machine()))
    with fresh_database(args.database, keep=args.keep):
        from meinekammer.chambers.directory import import_directory

        path = directory_csv(args.rows, args.seed)
        chamber = chamber_101()
        results = []
        for label in ("first import (all new)", "same file again (all unchanged)"):
            started = time.perf_counter()
            result = import_directory(chamber, path)
            seconds = time.perf_counter() - started
            rows = result.created + result.updated + result.unchanged + result.rejected
            results.append((label, seconds, rows / seconds, result.summary()))
        print(f"\n{args.database}, {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB):")
        for label, seconds, rate, summary in results:
            print(f"  {label:<32} {seconds:7.1f} s  {rate:>10,.0f} rows/s   {summary}")
        if args.database == "postgres" and results[0][2] < GOAL_ROWS_PER_SECOND:
            print(f"  GOAL MISSED: {GOAL_ROWS_PER_SECOND:,} rows/s")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
