"""Load the matcher's dictionaries from `<catalog>/lexicon/`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.content.yamlio import LineDict, Problem, load_yaml
from bot.core.lexicon import Lexicon, stem
from bot.core.matcher import Topic
from bot.core.qualifiers import Qualifiers
from bot.core.ranker import Models
from bot.core.translation import Translation

MODEL_FILE = Path(__file__).resolve().parent.parent / "models" / "matcher.json"
TRANSLATION_FILE = MODEL_FILE.with_name("translation.npz")  # scripts/train_translation.py
PAIR_TRANSLATION_FILE = MODEL_FILE.with_name("translation_pairs.npz")  # ...the same script

TOPIC_KINDS = {"none", "other"}


def load_lexicon(catalog_dir: Path) -> tuple[Lexicon, list[Topic], list[Problem]]:
    """Abbreviations, stopwords and not-a-procedure topics; missing files mean empty tables."""
    folder = catalog_dir / "lexicon"
    problems: list[Problem] = []
    abbrev = _mapping(folder / "abbreviations.yaml", problems)
    stop = _mapping(folder / "stopwords.yaml", problems)
    words: dict[str, list[str]] = {"vi": [], "en": []}
    for key, value in stop.items():
        if key not in words or not isinstance(value, list):
            problems.append(
                Problem(
                    str(folder / "stopwords.yaml"),
                    stop.line_of(key),
                    f"'{key}' must be vi or en, a list",
                )
            )
        else:
            words[key].extend(str(w) for w in value)
    _check_abbrev(folder / "abbreviations.yaml", abbrev, problems)
    topics = _topics(folder / "not_procedures.yaml", problems)
    lexicon = Lexicon.from_data(abbrev, words["vi"], words["en"])
    lexicon = dataclasses.replace(
        lexicon,
        non_requests=_messages(folder / "non_requests.yaml", problems),
        qualifiers=_qualifiers(folder / "qualifiers.yaml", problems),
    )
    return lexicon, topics, problems


def _messages(path: Path, problems: list[Problem]) -> tuple[str, ...]:
    """Messages that ask for no procedure (`messages:` list): the matcher's nearest neighbours
    on the 'no' side, as lexicon/examples/ is on the 'yes' side."""
    data = _mapping(path, problems)
    value = data.get("messages", [])
    if set(data) - {"messages"} or not isinstance(value, list):
        problems.append(Problem(str(path), 1, "expected one key, messages: a list"))
        return ()
    return tuple(str(v).strip() for v in value if str(v).strip())


QUALIFIER_LISTS = ("name", "ask", "ask_en")
IN_NAME = ("lead", "tail", "anywhere")  # where a record's name states a qualifier


def _qualifiers(path: Path, problems: list[Problem]) -> Qualifiers:
    """`qualifier: {name: [...], ask: [...], ask_en: [...], in_name: lead|tail|anywhere}`: how
    record names state a qualifier and how messages ask for it (bot/core/qualifiers.py)."""
    data = _mapping(path, problems)
    good: dict[str, dict[str, object]] = {}
    for qualifier, spec in data.items():
        key, wrong = _qualifier_error(spec)
        if wrong:
            line = spec.line_of(key) if key and isinstance(spec, LineDict) else 0
            problems.append(
                Problem(str(path), line or data.line_of(qualifier), f"{qualifier}: {wrong}")
            )
        else:
            good[str(qualifier)] = spec
    return Qualifiers.from_data(good, stem)


def _qualifier_error(spec: object) -> tuple[str, str]:
    """(the key at fault, what is wrong), or ("", "") for a good entry."""
    if not isinstance(spec, dict):
        return "", "must map name, ask, ask_en to lists of phrases"
    for key, value in spec.items():
        if key == "in_name":
            if value not in IN_NAME:
                return key, f"'in_name' must be one of {', '.join(IN_NAME)}"
        elif key not in QUALIFIER_LISTS:
            return key, f"'{key}' is not one of name, ask, ask_en, in_name"
        elif not isinstance(value, list) or not all(isinstance(p, str) for p in value):
            return key, f"'{key}' must be a list of phrases"
    return "", ""


def _mapping(path: Path, problems: list[Problem]) -> LineDict:
    if not path.exists():
        return LineDict()
    data, probs = load_yaml(path)
    problems.extend(probs)
    if data is None:
        return LineDict()
    if not isinstance(data, LineDict):
        problems.append(Problem(str(path), 1, "must be a mapping"))
        return LineDict()
    return data


def _check_abbrev(path: Path, data: LineDict, problems: list[Problem]) -> None:
    for key in data:
        if key not in (
            "expand",
            "synonyms",
            "ambiguous",
            "concepts",
            "not_concepts",
            "object_markers",
            "en_synonyms",
            "request_markers",
            "negation_markers",
            "negation_ends",
        ):
            problems.append(Problem(str(path), data.line_of(key), f"unknown key '{key}'"))
    for key in ("expand", "synonyms"):
        if not isinstance(data.get(key) or {}, dict):
            problems.append(
                Problem(str(path), data.line_of(key), f"'{key}' must map words to their full form")
            )
    amb = data.get("ambiguous") or LineDict()
    if not isinstance(amb, dict):
        problems.append(
            Problem(str(path), data.line_of("ambiguous"), "'ambiguous' must be a mapping")
        )
        return
    for token, spec in amb.items():
        rules = spec.get("rules") if isinstance(spec, dict) else None
        if not isinstance(rules, list) or not all(
            isinstance(r, dict) and "expand" in r for r in rules
        ):
            line = amb.line_of(token) if isinstance(amb, LineDict) else data.line_of("ambiguous")
            problems.append(
                Problem(str(path), line, f"'{token}' needs a list of rules with 'expand'")
            )


def _topics(path: Path, problems: list[Problem]) -> list[Topic]:
    data = _mapping(path, problems)
    items = data.get("topics") or []
    topics: list[Topic] = []
    for i, item in enumerate(items):
        line = items.line_of(i) if hasattr(items, "line_of") else 0
        if (
            not isinstance(item, dict)
            or item.get("kind") not in TOPIC_KINDS
            or not item.get("phrases")
        ):
            problems.append(
                Problem(str(path), line, "a topic needs id, kind (none|other) and phrases")
            )
            continue
        courtesy = item.get("courtesy", False)
        if not isinstance(courtesy, bool):
            problems.append(Problem(str(path), line, "courtesy is true or false"))
            continue
        phrases = tuple(str(p) for p in item["phrases"])
        topics.append(Topic(str(item.get("id", "")), str(item["kind"]), phrases, courtesy))
    return topics


def load_models(path: Path = MODEL_FILE) -> Models | None:
    """The matcher's learned models (JSON coefficients, and the word translation models beside
    them when there are); None when the model file is absent."""
    import json

    if not path.exists():
        return None
    models = Models.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def beside(name: str) -> Translation | None:
        return load_translation(path.with_name(name)) if path.with_name(name).exists() else None

    return dataclasses.replace(
        models,
        translation=beside(TRANSLATION_FILE.name),
        pair_translation=beside(PAIR_TRANSLATION_FILE.name),
    )


def load_translation(path: Path) -> Translation:
    """The arrays scripts/train_translation.py wrote (no pickled objects are read)."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as z:
            return Translation.from_keys(
                z["keys"],
                z["units"].tolist(),
                z["indptr"],
                z["indices"],
                z["probs"],
            )
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{path}: {exc} (rerun scripts/train_translation.py)") from exc
