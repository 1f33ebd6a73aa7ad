"""One metric's result as `results.json` keeps it, and the readable table of all of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Metric:
    """A measurement against its baseline, both medians of `n` runs on the same data in one run."""

    name: str
    unit: str  # "seconds" or "bytes"
    value: float | None
    baseline: float | None
    n: int
    ratio_max: float
    what: str  # what was timed or weighed
    baseline_what: str
    extra: dict[str, Any] = field(default_factory=dict)  # sizes, samples, database time, ...
    skipped: str | None = None
    limits: dict[str, float] = field(default_factory=dict)  # bounds on extra seconds, e.g. database_seconds_max
    checks: dict[str, bool] = field(default_factory=dict)  # other conditions, e.g. every request answered 201

    @property
    def ratio(self) -> float | None:
        if self.skipped or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def passed(self) -> bool | None:
        if self.ratio is None:
            return None
        within = all(self.extra[key.removesuffix("_max")] < bound for key, bound in self.limits.items())
        return self.ratio <= self.ratio_max and within and all(self.checks.values())

    def as_json(self) -> dict[str, Any]:
        """Return the metric's object in results.json."""
        target = {"ratio_max": self.ratio_max, **self.limits, **({"checks": self.checks} if self.checks else {})}
        if self.skipped:
            return {"skipped": self.skipped, "target": target, "n": 0, "what": self.what}
        return {self.unit: self.value, "baseline": self.baseline, "ratio": self.ratio, "n": self.n,
                "target": target, "passed": self.passed, "what": self.what,
                "baseline_what": self.baseline_what, **self.extra}


def table(metrics: list[Metric]) -> str:
    """Return a Markdown table: metric, value, baseline, ratio, target, pass/fail."""
    lines = ["| metric | measured | baseline | ratio | target | result |",
             "| --- | ---: | ---: | ---: | --- | --- |"]
    for m in metrics:
        target = ", ".join([f"ratio ≤ {m.ratio_max:g}", *(
            f"{key.removesuffix('_seconds_max')} < {bound:g} s" for key, bound in m.limits.items()), *m.checks])
        if m.skipped:
            lines.append(f"| `{m.name}` | – | – | – | {target} | skipped: {m.skipped} |")
            continue
        database = m.extra.get("database_seconds")
        extra = f" (database {database:.3f} s)" if database is not None else ""
        lines.append(f"| `{m.name}` | {_shown(m.value, m.unit)}{extra} | {_shown(m.baseline, m.unit)} | "
                     f"{m.ratio:.2f} | {target} | {'pass' if m.passed else 'FAIL'} |")
    return "\n".join(lines)


def _shown(value: float, unit: str) -> str:
    """Return seconds to the millisecond, bytes in MB."""
    return f"{value / 1e6:.1f} MB" if unit == "bytes" else f"{value:.3f} s"
