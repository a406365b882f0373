"""Memory benchmark: resident memory and load time of a 100,000-trip catalog against the demo.

Run from the project root: python -m bench.memory [--smoke] [--trips N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.harness import CATALOG_PATH, ROOT, machine_summary

SEED = 31
TRIPS = 100_000
SMOKE_TRIPS = 2_000
GOAL_MEGABYTES = 100.0


def generate_catalog(folder: Path, trip_count: int) -> Path:
    """Write a catalog of trip_count trips derived from the demo into folder; return its path.

    Each trip copies a demo trip with a new id, title, duration, price and random weights on
    2 to 6 demo features. Its summary, in each language, is a random run of 20 to 40 words of
    the demo's texts, so that no two trips share their text and compression gains no more
    than it would on a real catalog. The demo images are copied too, because the loader
    rejects images outside the catalog's folder.
    """
    demo = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    feature_ids = [feature["id"] for feature in demo["features"]]
    words = {language: sorted({word for trip in demo["trips"]
                               for word in trip.get("summary", {}).get(language, "").split()})
             for language in ("fr", "en")}
    rng = random.Random(SEED)
    trips = []
    for number in range(trip_count):
        model = demo["trips"][number % len(demo["trips"])]
        chosen = rng.sample(feature_ids, rng.randint(2, 6))
        trips.append({
            **model,
            "id": f"trip-{number:06d}",
            "title": {language: f"{text} {number}" for language, text in model["title"].items()},
            "summary": {language: " ".join(rng.choices(vocabulary, k=rng.randint(20, 40)))[:300]
                        for language, vocabulary in words.items()},
            "duration_days": rng.randint(2, 28),
            "price": round(rng.uniform(300, 9000), 2),
            "features": {name: round(rng.uniform(0.1, 1.0), 2) for name in chosen},
        })
    catalog = {**demo, "version": f"bench-{trip_count}", "trips": trips}

    shutil.copytree(ROOT / "images", folder / "images")
    path = folder / "catalog.json"
    path.write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")
    return path


def status_kilobytes(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(f"{field} not found in /proc/self/status")


def measure_in_this_process(path: Path) -> dict[str, Any]:
    """Load the catalog here and return RSS before and after, peak RSS and load seconds.

    RSS is VmRSS and the peak VmHWM of /proc/self/status. The caller runs this in a fresh
    process for each catalog, so both start from the same imports.
    """
    from catalog.holder import CatalogHolder
    from catalog.loader import load_catalog

    gc.collect()
    before = status_kilobytes("VmRSS")
    started = time.perf_counter()
    catalog = load_catalog(path)
    seconds = time.perf_counter() - started
    gc.collect()
    after = status_kilobytes("VmRSS")
    peak = status_kilobytes("VmHWM")
    # Two reloads of the same file, as an admin's /reload does after an edit.
    holder = CatalogHolder(catalog, path)
    del catalog
    for _ in range(2):
        holder.reload()
    gc.collect()
    return {"trips": len(holder.current.trips), "rss_before_kb": before, "rss_after_kb": after,
            "peak_kb": peak, "rss_reloaded_kb": status_kilobytes("VmRSS"), "seconds": seconds}


def profile_in_this_process(path: Path) -> None:
    """Print the functions that take the most time, then the lines that keep the most memory."""
    from catalog.loader import load_catalog

    profiler = cProfile.Profile()
    profiler.enable()
    load_catalog(path)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(18)
    print("time, by cumulative seconds (cProfile):")
    print("\n".join(line for line in text.getvalue().splitlines()[6:] if line.strip()))

    gc.collect()
    tracemalloc.start()
    catalog = load_catalog(path)
    current, peak = tracemalloc.get_traced_memory()
    snapshot = tracemalloc.take_snapshot()
    tracemalloc.stop()
    print(f"\nmemory kept by the loaded catalog (tracemalloc): {current / 2**20:.1f} MiB, "
          f"peak during the load {peak / 2**20:.1f} MiB; largest sites:")
    for statistic in snapshot.statistics("lineno")[:10]:
        frame = statistic.traceback[0]
        print(f"  {statistic.size / 2**20:7.1f} MiB {statistic.count:>9} blocks  "
              f"{Path(frame.filename).name}:{frame.lineno}")
    del catalog


def measure_in_child(path: Path, mode: str = "--child") -> dict[str, Any]:
    completed = subprocess.run([sys.executable, "-m", "bench.memory", mode, str(path)],
                               cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def report(trip_count: int, profile: bool, folder: Path) -> None:
    started = time.perf_counter()
    large_path = generate_catalog(folder, trip_count)
    print(f"generated {trip_count:,} trips in {time.perf_counter() - started:.1f} s, "
          f"{large_path.stat().st_size / 2**20:.1f} MiB of JSON (seed {SEED})")

    demo = measure_in_child(CATALOG_PATH)
    large = measure_in_child(large_path)
    print(f"{'catalog':<16} {'trips':>8} {'RSS before':>11} {'RSS after':>10} {'peak RSS':>9} "
          f"{'load s':>7} {'RSS after 2 reloads':>20}")
    for label, figures in (("demo", demo), (f"{trip_count:,} trips", large)):
        print(f"{label:<16} {figures['trips']:>8,} {figures['rss_before_kb'] / 1024:>8.1f} MiB"
              f" {figures['rss_after_kb'] / 1024:>6.1f} MiB {figures['peak_kb'] / 1024:>5.1f} MiB"
              f" {figures['seconds']:>7.2f} {figures['rss_reloaded_kb'] / 1024:>16.1f} MiB")
    resident = (large["rss_after_kb"] - demo["rss_after_kb"]) / 1024
    peak = (large["peak_kb"] - demo["peak_kb"]) / 1024
    print(f"resident after load vs demo: {resident:+.1f} MiB, peak during load vs demo: "
          f"{peak:+.1f} MiB, load time {large['seconds'] / demo['seconds']:.0f}x the demo's")
    reloaded = (large["rss_reloaded_kb"] - demo["rss_reloaded_kb"]) / 1024
    print(f"resident after two reloads vs demo: {reloaded:+.1f} MiB")
    print(f"resident memory: {resident:+.1f} MiB, {reloaded:+.1f} MiB after two reloads (goal "
          f"<= +{GOAL_MEGABYTES:.0f} MiB): "
          f"{'met' if max(resident, reloaded) <= GOAL_MEGABYTES else 'missed'}")

    if profile:
        print()
        completed = subprocess.run([sys.executable, "-m", "bench.memory", "--child-profile",
                                    str(large_path)], cwd=ROOT, capture_output=True, text=True,
                                   check=True)
        print(completed.stdout.rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_TRIPS:,} trips, for CI")
    parser.add_argument("--trips", type=int, default=TRIPS, help=f"trips ({TRIPS:,})")
    parser.add_argument("--profile", action="store_true",
                        help="also list where the load's time and memory go")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-profile", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if arguments.child is not None:
        print(json.dumps(measure_in_this_process(arguments.child)))
        return 0
    if arguments.child_profile is not None:
        profile_in_this_process(arguments.child_profile)
        return 0

    print(machine_summary())
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        report(SMOKE_TRIPS if arguments.smoke else arguments.trips, arguments.profile,
               Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
