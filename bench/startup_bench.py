"""Start-up with the whole catalogue: cold and warm start, RSS per worker, `tthc-bot match`.

    python bench/startup_bench.py [--runs 3] [--catalog procedures_catalog]

Each measurement is a fresh process (a worker starting):
- cold: an empty cache folder — every YAML file parsed and checked, the matcher index built
  (ready to serve); the snapshot is then written in the background;
- warm: the snapshot of the cold run reused;
- match: `tthc-bot match "<question>"` end to end (interpreter start, imports, load, one answer),
  cold and warm.
Wall time depends on the machine's load (the load average is printed); CPU time is printed too.
Targets (issue 12): warm ≤ 1 s, cold ≤ 10 s, RSS ≤ 250 MB per worker.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, resource, sys, time
t0 = time.perf_counter(); c0 = time.process_time()
from pathlib import Path
from bot.content.bundle import load_catalog_dir, wait_for_cache
bundle = load_catalog_dir(Path(sys.argv[1]), cache_dir=Path(sys.argv[2]), progress=False)
wall = time.perf_counter() - t0; cpu = time.process_time() - c0
bundle.matcher.match("đăng ký khai sinh cho con", 3)
wait_for_cache()
print(json.dumps({"wall": wall, "cpu": cpu, "entries": len(bundle.catalog),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def probe(catalog: Path, cache: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(catalog), str(cache)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def match_cli(catalog: Path, cache_home: Path) -> float:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    t0 = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "match",
            "--catalog",
            str(catalog),
            "xin giấy phép xây nhà",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env=env,
    )
    return time.perf_counter() - t0


def summary(name: str, values: list[float], unit: str = "s") -> str:
    values = sorted(values)
    return f"{name}: p50 {statistics.median(values):.2f} {unit}, max {values[-1]:.2f} {unit} (n={len(values)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--catalog", default=str(ROOT / "procedures_catalog"))
    args = ap.parse_args()
    catalog = Path(args.catalog)
    print(f"catalogue {catalog}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    cold, warm, cold_cpu, warm_cpu, rss = [], [], [], [], []
    snap_mb = 0.0
    rss_cold: list[float] = []
    m_cold, m_warm = [], []
    entries = 0
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp) / "cache"
            first = probe(catalog, cache)
            snap_mb = sum(f.stat().st_size for f in cache.glob("*.snap")) / 1e6
            second = probe(catalog, cache)
            cold.append(first["wall"])
            cold_cpu.append(first["cpu"])
            warm.append(second["wall"])
            warm_cpu.append(second["cpu"])
            rss_cold.append(first["rss_mb"])
            rss.append(second["rss_mb"])
            entries = int(first["entries"])
            home = Path(tmp) / "home"
            m_cold.append(match_cli(catalog, home))
            m_warm.append(match_cli(catalog, home))
    print(f"entries: {entries}; snapshot {snap_mb:.1f} MB")
    print(summary("cold start (load + check + index), wall", cold))
    print(summary("cold start, CPU", cold_cpu))
    print(summary("warm start (snapshot), wall", warm))
    print(summary("warm start, CPU", warm_cpu))
    print(summary("peak RSS, cold worker", rss_cold, "MB"))
    print(summary("peak RSS, warm worker", rss, "MB"))
    print(summary("`tthc-bot match` end to end, cold", m_cold))
    print(summary("`tthc-bot match` end to end, warm", m_warm))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
