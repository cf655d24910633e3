"""Comparing how long two paths of one page take (enumeration by response time).

Only for tests that the task says compare medians: the two paths run interleaved after a
warm-up, so that a loaded machine slows both alike, and the medians are compared with a
generous bound. A path that does less expensive work than the other (a password hash, the
rows of an account) shows as a ratio of 3 or more; noise stays well inside the bound.
"""

import statistics
import time
from collections.abc import Callable

WARM_UP = 3
ROUNDS = 15
LOWER, UPPER = 0.67, 1.5


def medians(first: Callable[[int], object], second: Callable[[int], object]) -> tuple[float, float]:
    """Run both paths interleaved (each gets its round number) and return their medians.

    The order alternates from round to round, so that whatever the first request of a pair
    pays (or saves) falls on both paths alike.
    """
    times: tuple[list[float], list[float]] = ([], [])
    for round_ in range(WARM_UP + ROUNDS):
        pair = [(first, times[0]), (second, times[1])]
        for path, measured in pair if round_ % 2 == 0 else reversed(pair):
            start = time.perf_counter()
            path(round_)
            elapsed = time.perf_counter() - start
            if round_ >= WARM_UP:
                measured.append(elapsed)
    return statistics.median(times[0]), statistics.median(times[1])


def assert_alike(first: Callable[[int], object], second: Callable[[int], object]) -> None:
    a, b = medians(first, second)
    ratio = a / b
    assert LOWER <= ratio <= UPPER, (
        f"medians {a * 1000:.1f} ms and {b * 1000:.1f} ms (ratio {ratio:.2f}) tell the paths apart"
    )
