"""The text contract: every text key the code uses exists in every language, with the placeholders
the code fills; `tthc-bot check` refuses a missing English text or a misspelt placeholder."""

from __future__ import annotations

import ast
import shutil
import string
from pathlib import Path

import yaml
from chat import ROOT

from bot.content.flows import load_flows

TEXT_METHODS = {"t", "vi"}


def used_keys() -> list[tuple[str, str, set[str] | None]]:
    """(where, key, keyword names or None when **kwargs is passed) for every literal text lookup."""
    out = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in TEXT_METHODS or not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names = {k.arg for k in node.keywords if k.arg}
                spread = any(k.arg is None for k in node.keywords)
                out.append(
                    (
                        f"{path.relative_to(ROOT)}:{node.lineno}",
                        first.value,
                        None if spread else names,
                    )
                )
    return out


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_used_in_code_exists_with_its_placeholders() -> None:
    texts = yaml.safe_load((ROOT / "flows" / "texts.yaml").read_text(encoding="utf-8"))
    problems = []
    uses = used_keys()
    assert len(uses) > 50  # the scan finds the code's lookups
    for where, key, names in uses:
        for lang in ("vi", "en"):
            if key not in texts[lang]:
                problems.append(f"{where}: '{key}' missing in {lang}")
            elif names is not None and not fields(texts[lang][key]) <= names:
                problems.append(
                    f"{where}: '{key}' ({lang}) needs {sorted(fields(texts[lang][key]))}, code gives {sorted(names)}"
                )
    assert not problems, "\n".join(problems)


def test_check_refuses_missing_english_and_misspelt_placeholders(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    texts = flows / "texts.yaml"
    body = texts.read_text(encoding="utf-8")
    body = body.replace("  talk_ok: All right.\n", "").replace(
        "Who may file: {who}", "Who may file: {whoo}"
    )
    texts.write_text(body, encoding="utf-8")
    loaded, problems = load_flows(flows)
    assert loaded is None
    messages = [p.message for p in problems]
    assert any("'talk_ok' has no 'en' version" in m for m in messages)
    assert any("'ask_who' (en): placeholders ['whoo']" in m for m in messages)
    assert all(p.file == str(texts) and p.line > 0 for p in problems)
