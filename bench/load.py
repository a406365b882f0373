"""Load benchmark: people go from /start through the quiz to the cart, against an echo bot.

Run from the project root:
python -m bench.load [--smoke] [--people N] [--think MIN,MAX] [--bot-env NAME=VALUE] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from bench.harness import machine_summary, percentile, python_command
from bench.phases import SEED, PhaseResult, echo_people, quiz_people, run_phase
from bench.profiling import summarize

RATE_GOAL = 0.60
P95_GOAL_SECONDS = 0.050
STEPS = ("start", "menu", "answer", "trips", "cart")


def table(results: list[PhaseResult]) -> None:
    print(f"{'run':<42} {'updates':>7} {'s':>5} {'upd/s':>6} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'uploads':>7} {'calls/upd':>9} {'msgs/upd':>8} {'CPU bot s':>15} {'CPU here s':>10}")
    for result in results:
        cpu = (f"{result.bot_main_cpu_seconds:.1f}+{result.bot_thread_cpu_seconds:.1f}")
        print(f"{result.name:<42} {result.updates:>7} {result.seconds:>5.1f} "
              f"{result.rate:>6.1f} {result.p50 * 1000:>7.1f} {result.p95 * 1000:>7.1f} "
              f"{result.uploads:>7} {result.chat_calls / result.updates:>9.2f} "
              f"{result.messages / result.updates:>8.2f} {cpu:>15} "
              f"{result.driver_cpu_seconds:>10.1f}")
    print("calls/upd: Bot API calls with a chat_id per update; msgs/upd: those that post a "
          "message, which the flood limiter holds to 25/s; CPU bot: main thread + other "
          "threads (image rendering, aiosqlite); CPU here: the stand-in and the people")


def step_table(result: PhaseResult) -> None:
    by_step: dict[str, list[float]] = defaultdict(list)
    for step, latency in zip(result.steps, result.latencies):
        by_step[step].append(latency)
    print(f"latency by step, {result.name}:")
    for step in STEPS:
        values = by_step.get(step, [])
        print(f"  {step:<7} {len(values):>5} updates  p50 {percentile(values, 0.5) * 1000:7.1f} ms"
              f"  p95 {percentile(values, 0.95) * 1000:7.1f} ms"
              f"  max {max(values, default=float('nan')) * 1000:7.1f} ms")


def verdict(label: str, met: bool) -> str:
    return f"{label}: {'met' if met else 'missed'}"


async def run(people: int, think: tuple[float, float], smoke: bool, workdir: Path,
              env: dict[str, str]) -> None:
    """Run every phase, then print the tables and the figures against the goals."""
    no_pause = (0.0, 0.0)
    bot_waves = [quiz_people(people, no_pause, 0, "no pause, cold caches")]
    if not smoke:
        bot_waves += [quiz_people(people, no_pause, people, "no pause, warm caches"),
                      quiz_people(people, think, 2 * people,
                                  f"pause {think[0]:g}-{think[1]:g} s, warm")]
    bot = await run_phase("bot.py", python_command("bot.py"), bot_waves, workdir, env)
    counts = bot[0].updates_per_person
    echo = await run_phase("echo bot", python_command("-m", "bench.echo_bot"),
                           [echo_people(counts, "no pause")], workdir, env)
    results = bot + echo
    limited_echo: PhaseResult | None = None
    if not smoke:
        [limited_echo] = await run_phase("echo bot + flood limiter",
                                         python_command("-m", "bench.echo_bot"),
                                         [echo_people(counts, "no pause")], workdir,
                                         {**env, "ECHO_RATE_LIMITER": "1"})
        results.append(limited_echo)
        results += await run_phase("bot.py, rate limit off",
                                   python_command("-m", "bench.unthrottled_bot"),
                                   [quiz_people(people, no_pause, 0, "no pause, cold"),
                                    quiz_people(people, no_pause, people, "no pause, warm")],
                                   workdir, env)
    table(results)
    print()
    for result in results:
        if result.steps[0] != "echo":
            step_table(result)
    print()

    # Only waves without pauses are compared, because a paced wave's rate is set by its pauses.
    for result in results:
        if "no pause" not in result.name or result.steps[0] == "echo":
            continue
        ratio = result.rate / echo[0].rate
        line = f"{result.name}: {ratio:.0%} of the echo bot's rate"
        if limited_echo is not None:
            line += f", {result.rate / limited_echo.rate:.0%} of the echo bot + flood limiter's"
        if result in bot:
            print(verdict(f"{line} (goal >= {RATE_GOAL:.0%} of the echo bot's)",
                          ratio >= RATE_GOAL))
        else:
            print(line)
    for result in bot:
        print(verdict(f"{result.name}: p95 {result.p95 * 1000:.1f} ms "
                      f"(goal <= {P95_GOAL_SECONDS * 1000:.0f} ms)",
                      result.p95 <= P95_GOAL_SECONDS))
    for result in results:
        if result.problems:
            print(f"{result.name}: {len(result.problems)} warning or error lines in the log, "
                  f"first: {result.problems[0]}")


async def profile(people: int, workdir: Path, env: dict[str, str]) -> None:
    """Run bot.py under cProfile with a cold and a warm wave, and summarize where time goes."""
    output = workdir / "bot.prof"
    no_pause = (0.0, 0.0)
    results = await run_phase(
        "bot.py under cProfile", python_command("-m", "cProfile", "-o", str(output), "bot.py"),
        [quiz_people(people, no_pause, 0, "no pause, cold caches"),
         quiz_people(people, no_pause, people, "no pause, warm caches")], workdir, env)
    table(results)
    print("(the profile covers the whole process: start-up, both waves and shutdown)")
    print("\n".join(summarize(output)))


def parse_variable(value: str) -> tuple[str, str]:
    name, separator, setting = value.partition("=")
    if not separator or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {value!r}")
    return name, setting


def parse_think(value: str) -> tuple[float, float]:
    low, high = (float(part) for part in value.split(","))
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"expected MIN,MAX with 0 <= MIN <= MAX, got {value!r}")
    return low, high


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="3 people, one wave on bot.py and the echo bot only, for CI")
    parser.add_argument("--people", type=int, default=100, help="people per wave (100)")
    parser.add_argument("--think", type=parse_think, default=(5.0, 15.0),
                        help="pause before each action in the paced wave, MIN,MAX seconds "
                             "(5,15)")
    parser.add_argument("--bot-env", type=parse_variable, action="append", default=[],
                        metavar="NAME=VALUE",
                        help="environment variable for every bot process, e.g. "
                             "OPENBLAS_NUM_THREADS=1 (repeatable)")
    parser.add_argument("--profile", action="store_true",
                        help="only profile bot.py (cProfile) during a cold and a warm wave")
    arguments = parser.parse_args()
    people = 3 if arguments.smoke else arguments.people

    print(machine_summary())
    env = dict(arguments.bot_env)
    print(f"load: {people} people per wave, /start → quiz → « Oui » → cart, seed {SEED}, "
          f"bot environment {env or 'unchanged'}")
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        if arguments.profile:
            asyncio.run(profile(people, Path(folder), env))
        else:
            asyncio.run(run(people, arguments.think, arguments.smoke, Path(folder), env))
    return 0


if __name__ == "__main__":
    sys.exit(main())
