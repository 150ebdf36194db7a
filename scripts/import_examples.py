"""Turn the writers' messages into content and training data.

    python scripts/import_examples.py OUT_DIR TASKS_DIR

OUT_DIR holds JSON Lines written by people who saw neither the matcher nor its test sets:
`w*.jsonl` ({"key", "q", "style"}, the key naming a procedure of TASKS_DIR/w*.jsonl),
`covered.jsonl` and `negatives.jsonl` ({"q", "expect", "style"}). Writes
procedures_catalog/lexicon/examples/*.yaml (every message about a procedure, keyed by its
national codes or curated id: the matcher indexes them) and procedures_catalog/lexicon/non_requests.yaml (the
messages about no procedure: the matcher's nearest neighbours on the 'no' side).
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "procedures_catalog" / "lexicon" / "examples"
NEGATIVES = ROOT / "procedures_catalog" / "lexicon" / "non_requests.yaml"
NEG_HEADER = """\
# Messages that ask for no administrative procedure, though many reuse a procedure's words
# (a cake for a first birthday, wedding outfits, football transfers, complaints, advice).
# Written on 2026-12-04 by a writer who saw neither the matcher nor any evaluation set.
# The matcher compares a message with these as with examples/*.yaml: a message closer to
# one of these than to any question about a procedure is likely about none.
# Made by scripts/import_examples.py.
messages:
"""
HEADER = """\
# Messages as citizens write them, per procedure (national codes, or a curated id).
# Written on 2026-12-04 by writers who saw the national records and the list of curated ids, but
# neither the matcher nor any evaluation set; no template, each message by hand, in every style
# (story, no accents, teencode, regional, elderly, English, negation of a look-alike).
# The matcher indexes each message (bot/content/examples.py); made by scripts/import_examples.py.
"""


def _rows(path: Path) -> list[dict]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                print(f"{path}:{n}: skipped: {e}", file=sys.stderr)
    return out


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", " ".join(str(s).split()))


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def known_keys() -> set[str]:
    """Ids and national codes of the catalogue (read without the examples file)."""
    sys.path.insert(0, str(ROOT))
    from bot.content.catalog import check_catalog

    for old in EXAMPLES.glob("*.yaml"):
        old.unlink()
    catalog, _ = check_catalog(ROOT / "procedures_catalog")
    return {k for p in catalog for k in (p.id, *p.codes)}


def main(out_dir: Path, tasks_dir: Path) -> int:
    known = known_keys()
    codes_of: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for task in sorted(tasks_dir.glob("w*.jsonl")):
        for t in _rows(task):
            codes_of[t["key"]] = t["codes"]
            names[" ".join(t["codes"])] = t["name"]
    by_key: dict[str, list[str]] = defaultdict(list)
    negatives: list[dict] = []
    for path in sorted(out_dir.glob("*.jsonl")):
        for r in _rows(path):
            q = _nfc(r.get("q", ""))
            if not q:
                continue
            if "key" in r:
                if r["key"] not in codes_of:
                    print(f"{path}: unknown key {r['key']}", file=sys.stderr)
                    continue
                key = " ".join(codes_of[r["key"]])
            elif r.get("expect") in (["none"], ["other"]):
                negatives.append({"q": q, "style": r.get("style", "")})
                continue
            else:
                key = " ".join(r["expect"])
            held = [k for k in key.split() if k in known]
            if not held:
                print(f"{path}: no entry holds {key}: {q[:40]}", file=sys.stderr)
                continue
            key = " ".join(held)
            if q not in by_key[key]:
                by_key[key].append(q)
    shards: dict[str, list[str]] = defaultdict(lambda: [HEADER.rstrip("\n")])
    for key in sorted(by_key):
        note = f"  # {names[key]}" if key in names else ""
        shard = shards[key[:5] if key[0].isdigit() else "curated"]  # files under the size limit
        shard.append(f"{_quote(key)}:{note}")
        shard.extend(f"  - {_quote(q)}" for q in by_key[key])
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    for name, lines in shards.items():
        (EXAMPLES / f"{name}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    NEGATIVES.write_text(
        NEG_HEADER + "".join(f"  - {_quote(n['q'])}\n" for n in negatives), encoding="utf-8"
    )
    n_q = sum(len(v) for v in by_key.values())
    print(f"{len(by_key)} procedures, {n_q} messages; {len(negatives)} negatives")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
