"""The benchmark harness runs end to end on tiny sizes and writes results of the agreed shape.

Shape only: timings on a shared machine are the benchmark's business, not a test's.
"""

from __future__ import annotations

import json

import pytest

from bench.run import METRICS, main


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> tuple[dict, object]:
    """Run `python -m bench.run --quick` once on SQLite into a folder of its own."""
    out = tmp_path_factory.mktemp("bench_out")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PLANROUND_BENCH_DATABASE_URL", raising=False)
        main(["--quick", "--out", str(out)])
    return json.loads((out / "results.json").read_text(encoding="utf-8")), out


def test_every_metric_has_an_object(quick_run):
    results, _ = quick_run
    assert list(results["metrics"]) == list(METRICS)
    assert results["run"]["quick"] is True and results["run"]["database"] == "sqlite"


@pytest.mark.parametrize("name", [m for m in METRICS if m != "submit_concurrent_p95"])
def test_a_measured_metric_has_positive_numbers_and_its_ratio(quick_run, name):
    metric = quick_run[0]["metrics"][name]
    value = metric["bytes"] if "memory" in name else metric["seconds"]
    assert value > 0 and metric["baseline"] > 0
    assert metric["ratio"] == pytest.approx(value / metric["baseline"])
    assert metric["n"] >= 1 and metric["target"]["ratio_max"] > 0
    assert isinstance(metric["passed"], bool)
    assert len(metric["samples"]) == len(metric["baseline_samples"]) == metric["n"]


def test_consolidation_reports_its_database_time(quick_run):
    metric = quick_run[0]["metrics"]["consolidate_university"]
    assert 0 < metric["database_seconds"] < metric["seconds"]
    assert metric["target"]["database_seconds_max"] == 1.0


def test_memory_is_measured_in_subprocesses_that_see_native_allocations(quick_run):
    metric = quick_run[0]["metrics"]["ingest_peak_memory_100k"]
    assert "subprocess" in metric["method"]


def test_concurrent_submissions_without_postgresql_are_skipped_not_invented(quick_run):
    metric = quick_run[0]["metrics"]["submit_concurrent_p95"]
    assert "PostgreSQL" in metric["skipped"]
    assert "ratio" not in metric and "seconds" not in metric


def test_the_readable_table_names_every_metric(quick_run):
    _, out = quick_run
    table = (out / "results.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in table for name in METRICS)


def test_only_measures_the_metric_named(tmp_path, monkeypatch):
    monkeypatch.delenv("PLANROUND_BENCH_DATABASE_URL", raising=False)
    results = main(["--quick", "--only", "generate_300", "--out", str(tmp_path)])
    assert list(results["metrics"]) == ["generate_300"]
