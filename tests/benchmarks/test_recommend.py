"""The booking benchmark: real server, every answer checked, JSON summary."""

from __future__ import annotations

import json

from benchmarks.recommend import main


def test_a_short_run_on_metro_small_checks_every_answer(tmp_path):
    """Three bookings into metro-small: no failure, valid plans, top-1 never worse."""
    out = tmp_path / "recommend.json"
    args = ["--set", "metro-small", "--requests", "3", "--solve-time", "1", "--no-probe"]
    args += ["--json", str(out)]
    assert main(args) == 0
    document = json.loads(out.read_text())
    summary = document["summary"]
    assert (summary["requests"], summary["failures"], summary["invalid_plans"]) == (3, 0, 0)
    assert summary["top1_worse_than_single"] == 0
    for row in document["rows"]:
        if row["best_single_delta"] is not None:
            assert row["top1_delta"] <= row["best_single_delta"] + 0.01
