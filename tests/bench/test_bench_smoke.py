"""Each benchmark script's --smoke mode runs to the end and prints its figures."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def run_smoke(module: str, *extra: str) -> str:
    """Run `python -m module --smoke` from the project root; return its output."""
    completed = subprocess.run([sys.executable, "-m", module, "--smoke", *extra], cwd=ROOT,
                               capture_output=True, text=True, timeout=110)
    assert completed.returncode == 0, (
        f"{module} --smoke exited with {completed.returncode}:\n{completed.stderr[-3000:]}")
    return completed.stdout


@pytest.mark.parametrize(("module", "figures"), [
    ("bench.load", [r"bot\.py, no pause, cold caches +\d+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+",
                    r"echo bot, no pause +\d+",
                    r"\d+% of the echo bot's rate \(goal >= 60% of the echo bot's\)",
                    r"p95 [\d.]+ ms \(goal <= 50 ms\)"]),
    ("bench.memory", [r"resident after load vs demo: [+-][\d.]+ MiB",
                      r"load time \d+x the demo's"]),
    ("bench.burst", [r"/start soleil \(campaign link\) +\d+/\d+ +\d+ +\d+",
                     r"/start \(no campaign\) +\d+/\d+ +\d+ +\d+",
                     r"429 responses: \d+ \(goal 0\)"]),
])
def test_smoke_prints_figures(module: str, figures: list[str]) -> None:
    output = run_smoke(module)
    assert output.startswith("machine: ")
    for pattern in figures:
        assert re.search(pattern, output), f"{pattern!r} not in the output of {module}:\n{output}"


def test_uploads_smoke_uploads_nothing_twice() -> None:
    output = run_smoke("bench.uploads")
    first = re.search(r"pass 1, empty file_id cache +([\d,]+) +(\d+)", output)
    assert first is not None, output
    assert int(first.group(1).replace(",", "")) > 0
    assert re.search(r"pass 2, same MediaSender +0 +0 ", output), output
    assert re.search(r"pass 3, after a restart +0 +0 ", output), output


@pytest.mark.parametrize(("module", "extra"), [
    ("bench.quality", ["--no-plot"]),
    ("bench.speed_matching", []),
])
def test_other_benchmarks_smoke(module: str, extra: list[str]) -> None:
    output = run_smoke(module, *extra)
    assert output.strip(), f"{module} --smoke printed nothing"


def test_quality_gate_lines_print_differences() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.quality", "--users", "10", "--no-plot",
         "--lines", "main,mmr-off,no-ties"],
        cwd=ROOT, capture_output=True, text=True, timeout=110)
    assert completed.returncode == 0, completed.stderr[-3000:]
    output = completed.stdout
    sections = {section.split(":", 1)[0]: section for section in output.split("\n== ")[1:]}
    assert "plain top 3 (no MMR)" in sections["mmr-off"], output
    assert "both/neither answers 0.0%" in sections["no-ties"], output

    gates = output.split("\nGate: ")[1:]
    assert len(gates) == 2, output
    expected = (("MMR", "mmr-off"), ("both/neither answers", "no-ties"))
    for gate, (label, line) in zip(gates, expected):
        assert gate.startswith(f"{label}, main (as the bot runs) against {line}"), gate
        assert re.search(r"quiz +6 regret +[\d.]+ +[\d.]+ +[+-][\d.]+ ± [\d.]+", gate), gate
        assert re.search(rf"(met |MISS) {re.escape(label)}, extra regret at 6 pairs "
                         rf"\(main − {line}\): -?[\d.]+", output), output
