"""How fast this machine runs Python at the moment of a run. Its 2 cores are shared and
their speed drifts by a factor of two or three from day to day (a bare SpiffWorkflow step
took 351 us on one day and 1,745 us on another), so absolute figures of different runs
compare only beside this line; ratios measured within one run do not need it."""

from __future__ import annotations

import time

FASTEST_SEEN = 0.17  # seconds, on the fastest day so far (2026-12-06)


def speed_line() -> str:
    """One line for a benchmark's report: the seconds for 10^7 additions in a Python loop."""
    began = time.perf_counter()
    total = 0
    for number in range(10**7):
        total += number
    seconds = time.perf_counter() - began
    return (f"machine: 10^7 Python additions took {seconds:.2f} s "
            f"({seconds / FASTEST_SEEN:.1f} x the fastest day seen, {FASTEST_SEEN} s)")
