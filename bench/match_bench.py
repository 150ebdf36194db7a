"""Matcher benchmark: start-up, memory and per-question latency at several catalogue sizes.

    python bench/match_bench.py [--quick]

Catalogues: curated only (~34), the default (curated + commune-level import), the whole
national set (2,642 records imported), and ~5,000 entries made by varying real imported
entries. Each is measured in a fresh process: cold start (no index cache), warm start
(cache present), RSS after loading, and p50/p99 per question over the dev question set (five runs
each), and the p99 of each question's own cost, the median of its runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
QUESTIONS = SHARED / "eval" / "questions.dev.jsonl"
PROVINCES = ["Hà Nội", "Huế", "Đà Nẵng", "Cần Thơ", "Hải Phòng", "Nghệ An", "Gia Lai", "An Giang"]

PROBE = r"""
import json, resource, statistics, sys, time
t0 = time.perf_counter()
from pathlib import Path
from bot.content.bundle import load_catalog_dir
bundle = load_catalog_dir(Path(sys.argv[1]), cache_dir=Path(sys.argv[2]), use_cache=sys.argv[3] == "1")
start = time.perf_counter() - t0
qs = [json.loads(l)["q"] for l in open(sys.argv[4], encoding="utf-8") if l.strip()]
m = bundle.matcher
for q in qs:
    m.match(q, 3)
per_q = [[] for _ in qs]
for _ in range(int(sys.argv[5])):
    for k, q in enumerate(qs):
        t = time.perf_counter(); m.match(q, 3); per_q[k].append((time.perf_counter() - t) * 1000)
times = sorted(t for ts in per_q for t in ts)
# each question's own cost: the median of its runs (a pause of the machine hits one run, not all)
own = sorted(statistics.median(ts) for ts in per_q)
print(json.dumps({"entries": len(bundle.catalog), "start_s": start,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "p50_ms": times[len(times) // 2], "p99_ms": times[int(len(times) * 0.99)],
                  "p99_own_ms": own[int(len(own) * 0.99)], "queries": len(times)}))
"""


def curated_copy(dest: Path) -> Path:
    shutil.copytree(ROOT / "procedures_catalog", dest, ignore=shutil.ignore_patterns("imported"))
    return dest


def national_copy(dest: Path) -> Path:
    from bot.importer.dvcqg import import_dvcqg

    curated_copy(dest)
    import_dvcqg(SHARED / "reference" / "dvcqg", dest / "imported", level="all", progress=False)
    return dest


def varied_copy(dest: Path, target: int) -> Path:
    """Grow the national set with variants of real entries (new id, regional name, same content)."""
    national_copy(dest)
    files = sorted((dest / "imported").rglob("*.yaml"))
    count = len(list(dest.rglob("*.yaml")))
    out = dest / "variants"
    out.mkdir()
    i = 0
    while count < target:
        src = files[i % len(files)]
        province = PROVINCES[(i // len(files)) % len(PROVINCES)]
        data = yaml.safe_load(src.read_text(encoding="utf-8"))
        data["id"] = f"{data['id']}-v{i // len(files) + 1}"
        data["name"] = f"{data['name']} tại {province}"
        data["aliases"] = [f"{a} ở {province}" for a in data.get("aliases", [])]
        (out / f"{data['id']}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
        )
        i += 1
        count += 1
    return dest


def probe(
    catalog: Path, cache: Path, warm: bool, reps: int, questions: str = str(QUESTIONS)
) -> dict[str, float]:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            str(catalog),
            str(cache),
            "1" if warm else "0",
            questions,
            str(reps),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the 5,000-entry catalogue")
    ap.add_argument(
        "--shipped", action="store_true", help="only the shipped catalogue (the whole national one)"
    )
    ap.add_argument("--questions", default=str(QUESTIONS), help="JSON Lines with a 'q' field")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tthc-bench-"))
    cache = work / "cache"
    sizes = [("shipped", ROOT / "procedures_catalog")]
    if not args.shipped:
        sizes = [
            ("curated", curated_copy(work / "curated")),
            ("default", ROOT / "procedures_catalog"),
            ("national", national_copy(work / "national")),
        ]
    if not args.quick and not args.shipped:
        sizes.append(("5000", varied_copy(work / "varied", 5000)))
    print(
        f"{'catalogue':<10} {'entries':>7} {'cold start':>10} {'warm start':>10} {'RSS MB':>7} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'p99 own':>7}"
    )
    for label, path in sizes:
        probe(path, cache, True, 1, args.questions)  # fill the cache
        cold = probe(path, work / "nocache", False, 1, args.questions)
        warm = probe(path, cache, True, 5, args.questions)
        print(
            f"{label:<10} {warm['entries']:>7} {cold['start_s']:>9.2f}s {warm['start_s']:>9.2f}s "
            f"{warm['rss_mb']:>7.0f} {warm['p50_ms']:>7.3f} {warm['p99_ms']:>7.3f} "
            f"{warm['p99_own_ms']:>7.3f}"
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
