"""Benchmark the quiz's recommendations on simulated visitors against random and fixed quizzes.

Run from the project root: python -m bench.quality [--smoke] [--users N] [--lines a,b]
"""

from __future__ import annotations

import os

# Each worker process must keep OpenBLAS to one thread: two processes each spinning two BLAS
# threads on small matrices ran the benchmark about six times slower on a 2-core machine.
# The variable only works if it is set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from bench.metrics import METRICS, PERCENT_BANDS  # noqa: E402
from bench.runs import (MAX_PAIRS, Environment, Line, Tally, build_environment,  # noqa: E402
                        paired_difference, play)
from catalog.models import QuizSettings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOG = ROOT / "catalog.json"
OUTPUT = Path(__file__).resolve().parent / "out"

CURVE_METHODS = ("quiz", "random+count", "fixed+count")
LINES = (
    Line("main", 1000, "structured", methods=CURVE_METHODS + ("random+bayes",)),
    Line("stop-rule", 1000, "structured",
         methods=("stop:0.4:6", "stop:0.3:6", "stop:0.5:6", "stop:0.3:10", "stop:0.4:10")),
    Line("T0.5", 1000, "structured", temperature=0.5),
    Line("T2", 1000, "structured", temperature=2.0),
    Line("isotropic", 1000, "isotropic"),
    Line("40-trips", 40, "structured"),
    Line("10k-trips", 10_000, "structured"),
    Line("100k-trips", 100_000, "structured"),
    Line("beach-no-prior", 1000, "beach", methods=("quiz", "random+count")),
    Line("beach-ski-prior", 1000, "beach", prior="ski", methods=("quiz", "random+count")),
    Line("ski-no-prior", 1000, "ski", methods=("quiz", "random+count")),
    Line("ski-ski-prior", 1000, "ski", prior="ski", methods=("quiz", "random+count")),
    Line("demo", 0, "demo"),
    # Gate lines: the main line's visitors, shown the plain top 3 instead of the MMR top 3, or
    # never answering « both » / « neither ». Their methods keep the main line's order, so each
    # method draws the same random numbers as in the main line.
    Line("mmr-off", 1000, "structured", methods=("quiz", "random+count"), ranking="top"),
    Line("no-ties", 1000, "structured", methods=("quiz", "random+count"), ties=False),
)
SMOKE_LINES = ("main", "stop-rule")
SHOWN_PAIRS = (0, 1, 2, 3, 4, 5, 6, 8, 10, 12)
# Each gate compares a line against the main line: label, line name, and the largest extra
# regret allowed for the main line's setting at GATE_PAIRS pairs. With the plain top 3 the quiz
# chooses the same pairs and receives the same answers, so only the shown trips differ.
# Without « both » / « neither » the answers differ from the first near tie on.
GATES = (("MMR", "mmr-off", 0.02), ("both/neither answers", "no-ties", 0.02))
GATE_PAIRS = 6

_environments: dict[tuple[str, int], Environment] = {}


def _run_chunk(task: tuple[Line, int, int, int, QuizSettings]) -> dict[str, Tally]:
    """Play visitors start..stop of a line in a worker process and sum their tallies."""
    line, user_count, start, stop, settings = task
    key = (line.name, user_count)
    if key not in _environments:
        _environments[key] = build_environment(line, user_count, settings, DEMO_CATALOG)
    env = _environments[key]

    totals = {method: Tally() for method in line.methods}
    for index in range(start, stop):
        for method, tally in play(env, line, index).items():
            totals[method].merge(tally)
    return totals


def run_line(line: Line, user_count: int, settings: QuizSettings,
             pool: multiprocessing.pool.Pool) -> dict[str, Tally]:
    chunk = max(5, user_count // 40)
    tasks = [(line, user_count, start, min(start + chunk, user_count), settings)
             for start in range(0, user_count, chunk)]
    totals = {method: Tally() for method in line.methods}
    for part in pool.imap_unordered(_run_chunk, tasks):
        for method, tally in part.items():
            totals[method].merge(tally)
    return totals


def print_line(line: Line, totals: dict[str, Tally], seconds: float) -> None:
    count = next(iter(totals.values())).count
    size = "demo catalog file" if line.trips == 0 else f"{line.trips:,} trips"
    setting = ""
    if line.ranking == "top":
        setting += ", plain top 3 (no MMR)"
    if not line.ties:
        setting += ", no both/neither answers"
    print(f"\n== {line.name}: {size}, {line.users} users, T={line.temperature}, "
          f"prior={line.prior}{setting}, {count} users, {seconds:.0f} s")

    stop_methods = [method for method in line.methods if method.startswith("stop:")]
    if stop_methods:
        print(f"{'stop rule (regret:max pairs)':30} {'pairs':>6} {'>6':>5} {'settled':>8} "
              + " ".join(f"{name:>8}" for name in METRICS) + "   (± 1 s.e.)")
        for method in stop_methods:
            tally = totals[method]
            mean, error = tally.mean()[0], tally.standard_error()[0]
            cells = " ".join(f"{m:8.3f}" for m in mean)
            print(f"{method:30} {tally.pairs_used / count:6.2f} {tally.past_six / count:5.2f} "
                  f"{tally.settled / count:8.2f} {cells}   ± {error.max():.3f}")
        return

    print(f"{'method':14} {'pairs':>5} " + " ".join(f"{name:>8}" for name in METRICS))
    for method in line.methods:
        tally = totals[method]
        mean = tally.mean()
        for pairs in SHOWN_PAIRS:
            cells = " ".join(f"{value:8.3f}" for value in mean[pairs])
            print(f"{method:14} {pairs:5d} {cells}")
        error = tally.standard_error()[6]
        ties = tally.ties / max(tally.answers, 1)
        print(f"{method:14} s.e. at 6 pairs: " + " ".join(f"{e:.3f}" for e in error)
              + f"; both/neither answers {ties:.1%}")


def print_calibration(line: Line, tally: Tally) -> None:
    print(f"\nMatch % calibration, {line.name}, quiz, top 3 after 6 pairs "
          f"(shown trips; mean probability; share that truly beats the average trip)")
    print(f"{'band':12} {'trips':>7} {'share':>6} {'mean p':>7} {'beats avg':>9}")
    total = tally.calibration[:, 0].sum()
    for (label, _, _), (shown, probability, beats) in zip(PERCENT_BANDS, tally.calibration):
        if shown == 0:
            print(f"{label:12} {0:7d}")
            continue
        print(f"{label:12} {int(shown):7d} {shown / total:6.1%} {probability / shown:7.3f} "
              f"{beats / shown:9.3f}")

    users_liked, liked, liked_right, users_disliked, disliked, disliked_right, explained, \
        shown_trips = tally.explanations
    print(f"hot/cold after 6 pairs: {users_liked / tally.count:.1%} of visitors get a liked "
          f"feature, {liked_right / max(liked, 1):.1%} of liked features have the true sign; "
          f"{users_disliked / tally.count:.1%} get a disliked one, "
          f"{disliked_right / max(disliked, 1):.1%} right; "
          f"{explained / max(shown_trips, 1):.1%} of shown trips get a reason")


def print_gates(results: dict[str, dict[str, Tally]]) -> None:
    """Print the main line against each gate line, visitor by visitor, at 3, 6 and 12 pairs."""
    for label, name, _ in GATES:
        if "main" not in results or name not in results:
            continue
        print(f"\nGate: {label}, main (as the bot runs) against {name}; difference main − "
              f"{name} over the same visitors, ± 1 s.e. of the paired difference")
        print(f"{'method':14} {'pairs':>5} {'metric':8} {'main':>8} {name:>8} "
              f"{'difference':>11}")
        for method in results[name]:
            if method not in results["main"]:
                continue
            main_tally, gate_tally = results["main"][method], results[name][method]
            difference, error, _ = paired_difference(main_tally, gate_tally)
            main_mean, gate_mean = main_tally.mean(), gate_tally.mean()
            for pairs in (3, 6, 12):
                for column, metric in enumerate(METRICS):
                    print(f"{method:14} {pairs:5d} {metric:8} {main_mean[pairs][column]:8.3f} "
                          f"{gate_mean[pairs][column]:8.3f} "
                          f"{difference[pairs][column]:+11.3f} ± {error[pairs][column]:.3f}")


def check_targets(results: dict[str, dict[str, Tally]]) -> None:
    """Print each target of the brief next to the measured value."""
    checks = []

    def value(line: str, method: str, pairs: int, metric: str) -> float | None:
        if line not in results or method not in results[line]:
            return None
        return float(results[line][method].mean()[pairs][METRICS.index(metric)])

    def add(label: str, measured: float | None, goal: float, higher: bool) -> None:
        if measured is None:
            return
        met = measured >= goal if higher else measured <= goal
        sign = ">=" if higher else "<="
        checks.append(f"{'met ' if met else 'MISS'} {label}: {measured:.3f} (goal {sign} {goal})")

    for pairs, hit, top, regret in ((6, 0.16, 0.40, 0.31), (3, 0.10, 0.31, 0.41)):
        add(f"1,000 trips, {pairs} pairs, hit@3", value("main", "quiz", pairs, "hit@3"), hit, True)
        add(f"1,000 trips, {pairs} pairs, top-1 %", value("main", "quiz", pairs, "top-1 %"),
            top, True)
        add(f"1,000 trips, {pairs} pairs, regret", value("main", "quiz", pairs, "regret"),
            regret, False)
    for label, line, pairs, metric, goal in (
        ("1,000 trips, 6 pairs, hit@3 vs random+count", "main", 6, "hit@3", 1.6),
        ("1,000 trips, 3 pairs, top-1 % vs random+count", "main", 3, "top-1 %", 1.5),
        ("100,000 trips, 6 pairs, top-1 % vs random+count", "100k-trips", 6, "top-1 %", 1.3),
    ):
        quiz, baseline = value(line, "quiz", pairs, metric), value(line, "random+count", pairs,
                                                                    metric)
        if quiz is not None and baseline:
            add(label + " (ratio)", quiz / baseline, goal, True)
    add("100,000 trips, 6 pairs, top-1 %", value("100k-trips", "quiz", 6, "top-1 %"), 0.48,
        True)
    add("100,000 trips, 6 pairs, regret", value("100k-trips", "quiz", 6, "regret"), 0.34,
        False)
    wrong = value("beach-ski-prior", "quiz", 6, "regret")
    right = value("beach-no-prior", "quiz", 6, "regret")
    if wrong is not None and right is not None:
        add("wrong ski prior on beach users, extra regret at 6 pairs", wrong - right, 0.10, False)
    for label, name, allowed in GATES:
        main_regret = value("main", "quiz", GATE_PAIRS, "regret")
        gate_regret = value(name, "quiz", GATE_PAIRS, "regret")
        if main_regret is not None and gate_regret is not None:
            add(f"{label}, extra regret at {GATE_PAIRS} pairs (main − {name})",
                main_regret - gate_regret, allowed, False)

    print("\nTargets (structured users, T=1)")
    for check in checks:
        print(check)


def plot(results: dict[str, dict[str, Tally]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    shown = [name for name in ("main", "100k-trips") if name in results]
    figure, axes = pyplot.subplots(len(shown), len(METRICS), figsize=(16, 4 * len(shown)),
                                   squeeze=False)
    pairs = np.arange(MAX_PAIRS + 1)
    for row, name in enumerate(shown):
        for column, metric in enumerate(METRICS):
            axis = axes[row][column]
            for method, tally in results[name].items():
                axis.plot(pairs, tally.mean()[:, column], marker="o", markersize=3, label=method)
            axis.set_title(f"{name}: {metric}")
            axis.set_xlabel("pairs answered")
            axis.grid(alpha=0.3)
        axes[row][0].legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    print(f"\nCurves written to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="30 visitors on the main and stop-rule lines, for CI")
    parser.add_argument("--users", type=int, default=5000, help="visitors per line")
    parser.add_argument("--lines", default="",
                        help="comma-separated line names, e.g. main,100k-trips (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--prior-sd", type=float, default=QuizSettings().prior_sd,
                        help="prior standard deviation of the model")
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG of the curves")
    arguments = parser.parse_args()

    settings = QuizSettings(prior_sd=arguments.prior_sd)
    user_count = 30 if arguments.smoke else arguments.users
    requested = SMOKE_LINES if arguments.smoke else tuple(
        name.strip() for name in arguments.lines.split(",") if name.strip())
    lines = [line for line in LINES if not requested or line.name in requested]
    unknown = set(requested) - {line.name for line in LINES}
    if unknown:
        parser.error(f"unknown line(s) {sorted(unknown)}; known: {[l.name for l in LINES]}")

    results: dict[str, dict[str, Tally]] = {}
    with multiprocessing.Pool(arguments.jobs) as pool:
        for line in lines:
            if line.trips == 0 and not DEMO_CATALOG.exists():
                print(f"\n== {line.name}: skipped, {DEMO_CATALOG.name} does not exist yet")
                continue
            started = time.perf_counter()
            results[line.name] = run_line(line, user_count, settings, pool)
            print_line(line, results[line.name], time.perf_counter() - started)
            if "quiz" in line.methods and line.name in ("main", "T0.5", "T2"):
                print_calibration(line, results[line.name]["quiz"])

    print_gates(results)
    check_targets(results)
    if not arguments.no_plot:
        plot(results, OUTPUT / "quality.png")


if __name__ == "__main__":
    main()
