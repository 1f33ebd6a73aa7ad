"""Timing: a warm-up, then repetitions of the measured call and its baseline, interleaved."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Timings:
    """The seconds of each repetition, measured and baseline, in the order they ran."""

    measured: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.measured)

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline)


def timed(call: Callable[[], object]) -> float:
    """Return the wall-clock seconds of one call, after collecting garbage so none is left to it."""
    gc.collect()
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def compare(measured: Callable[[], object], baseline: Callable[[], object], *, repeat: int,
            log: Callable[[str], None] = print, measured_warm: bool = False) -> Timings:
    """Warm both up once, then run them `repeat` times each, alternating which goes first.

    Alternating (ABBA) spreads the machine's drift and its neighbours' noise over both sides.
    `measured_warm` says the caller already ran the measured side once (to get its output).
    """
    if not measured_warm:
        measured()
    baseline()
    timings = Timings()
    for number in range(repeat):
        pair = [(timings.measured, measured), (timings.baseline, baseline)]
        for samples, call in (pair if number % 2 == 0 else reversed(pair)):
            samples.append(timed(call))
        log(f"  repetition {number + 1}/{repeat}: {timings.measured[-1]:.3f} s against {timings.baseline[-1]:.3f} s")
    return timings


def percentile(values: list[float], pct: float) -> float:
    """Return the `pct` percentile by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
