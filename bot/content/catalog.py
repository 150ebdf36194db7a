"""Load and validate the procedure catalogue (one YAML file per procedure or bundle)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bot.content.aliases import FILE as ALIASES_FILE
from bot.content.aliases import apply_aliases, load_aliases
from bot.content.checker import Checker
from bot.content.examples import apply_examples, load_examples
from bot.content.yamlio import ContentError, LineDict, LineList, Problem, load_yaml
from bot.core.model import (
    AnswerMap,
    Catalog,
    Document,
    Eligibility,
    Fact,
    FactSource,
    NotNeeded,
    Online,
    Option,
    Procedure,
    Question,
    Source,
)
from bot.core.normalize import fold

SKIP_DIRS = {"offices", "lexicon"}
KINDS = {"procedure", "bundle"}
LEVELS = {"xa", "tinh", "bo", "nganh-doc", "lien-thong", "trung-uong", "khac"}
ONLINE_MODES = {"toan-trinh", "mot-phan", "khong"}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CODE_RE = re.compile(r"^\d\.\d{6}$")

# key -> (checker name, required)
PROCEDURE_KEYS: dict[str, tuple[str, bool]] = {
    "id": ("id", True),
    "kind": ("kind", True),
    "ma_thu_tuc": ("codes", True),
    "name": ("str", True),
    "official_name": ("str", True),
    "field": ("str", True),
    "level": ("level", True),
    "aliases": ("strlist", True),
    "keywords": ("strlist", False),
    "english": ("strlist", False),
    "bundles": ("strlist", False),
    "who": ("str", False),
    "where": ("fact", True),
    "processing_time": ("fact", True),
    "fee": ("fact", True),
    "deadline": ("fact", False),
    "proxy": ("fact", False),
    "online": ("online", True),
    "result": ("fact", True),
    "questions": ("questions", False),
    "documents": ("documents", True),
    "not_needed": ("not_needed", False),
    "notes": ("strlist", False),
    "legal_basis": ("strlist", True),
    "sources": ("sources", True),
    "last_reviewed": ("date", True),
    "verify": ("bool", False),
    "verify_note": ("str", False),
    "members": ("strlist", False),
    "eligibility": ("eligibility", False),
    "replaces": ("strlist", False),
    "produces": ("strlist", False),
    "answers": ("answers", False),
    "imported": ("bool", False),
    "imported_on": ("date", False),
}
FACT_KEYS = {
    "text": True,
    "verify": False,
    "note": False,
    "exemptions": False,
    "source": False,
    "valid_until": False,
}
ONLINE_KEYS = {
    "mode": True,
    "text": True,
    "url": False,
    "verify": False,
    "note": False,
    "source": False,
}
QUESTION_KEYS = {"id": True, "text": True, "options": False, "default": False, "rare": False}
DOCUMENT_KEYS = {
    "key": True,
    "name": True,
    "note": False,
    "when": False,
    "verify": False,
    "source": False,
    "alternatives": False,
    "verify_note": False,
}
FACT_SOURCE_KEYS = {"record": False, "field": False, "hash": False, "law": False}
ANSWER_KEYS = {"question": True, "value": False, "from": False, "values": False}
# detail fields of a dvcqg-api record a fact may cite (../shared/reference/dvcqg-api/SOURCES.md)
RECORD_FIELDS = {
    "executionSteps",
    "executionMethods",
    "fees",
    "cases",
    "executionCases",
    "legalBasisesDetails",
    "requirementsAndConditions",
    "resultsDetails",
    "departmentsExecuting",
    "unitGroupsExecuting",
    "subjectTypesDetails",
    "note",
    "description",
    "isWard",
    "isProvince",
    "isMinistry",
    "isFullProcess",
}
HASH_RE = re.compile(r"^[0-9a-f]{12}$")
NOT_NEEDED_KEYS = {"name": True, "reason": True}
SOURCE_KEYS = {"url": True, "note": False}
ELIGIBILITY_KEYS = {"question": True, "text": True, "required": True, "fail_text": True}


class _Checker(Checker):
    """Collects problems for one file while converting it to a Procedure."""

    def text(self, value: Any, line: int, what: str) -> str:
        if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            self.add(line, f"{what} must be text")
            return ""
        text = str(value).strip()
        if not text:
            self.add(line, f"{what} must not be empty")
        return text

    def flag(self, value: Any, line: int, what: str) -> bool:
        if not isinstance(value, bool):
            self.add(line, f"{what} must be true or false")
            return False
        return value


def _fact_source(ck: _Checker, d: LineDict, what: str) -> FactSource | None:
    """`source: {record, field, hash}` or `source: {law}`: what settled the fact."""
    if "source" not in d:
        return None
    s = ck.mapping(d["source"], d.line_of("source"), f"{what}.source", FACT_SOURCE_KEYS)
    if s is None:
        return None
    ln = d.line_of("source")
    src = FactSource(**{k: str(s.get(k, "") or "").strip() for k in FACT_SOURCE_KEYS}, line=ln)
    if not src.record and not src.law:
        ck.add(ln, f"{what}.source needs a 'record' (with 'field') or a 'law'")
    for code in src.records:
        if not CODE_RE.match(code):
            ck.add(ln, f"{what}.source record '{code}' is not a national code like 1.001193")
    if src.record and not src.fields:
        ck.add(ln, f"{what}.source names record {src.record} but no 'field'")
    for f in src.fields:
        if f not in RECORD_FIELDS:
            ck.add(
                ln,
                f"{what}.source field '{f}' is not a record field ({', '.join(sorted(RECORD_FIELDS))})",
            )
    if src.hash and not HASH_RE.match(src.hash):
        ck.add(
            ln,
            f"{what}.source hash must be 12 lowercase hex digits (tthc-bot catalog drift --stamp)",
        )
    return src


def _fact(ck: _Checker, value: Any, line: int, what: str) -> Fact | None:
    d = ck.mapping(value, line, what, FACT_KEYS)
    if d is None:
        return None
    valid_until = str(d.get("valid_until", "") or "")
    if valid_until and not DATE_RE.match(valid_until):
        ck.add(d.line_of("valid_until"), f"{what}.valid_until must be a date YYYY-MM-DD")
    return Fact(
        text=ck.text(d.get("text"), d.line_of("text"), f"{what}.text"),
        verify=ck.flag(d.get("verify", False), d.line_of("verify"), f"{what}.verify"),
        note=str(d.get("note", "") or ""),
        exemptions=str(d.get("exemptions", "") or ""),
        source=_fact_source(ck, d, what),
        valid_until=valid_until,
    )


def _online(ck: _Checker, value: Any, line: int, what: str) -> Online | None:
    d = ck.mapping(value, line, what, ONLINE_KEYS)
    if d is None:
        return None
    mode = str(d.get("mode", ""))
    if mode not in ONLINE_MODES:
        ck.add(
            d.line_of("mode"), f"online.mode must be one of {sorted(ONLINE_MODES)}, not '{mode}'"
        )
    url = str(d.get("url", "") or "")
    if url and not url.startswith(("https://", "http://")):
        ck.add(d.line_of("url"), "online.url must start with https://")
    return Online(
        mode=mode,
        text=ck.text(d.get("text"), d.line_of("text"), "online.text"),
        url=url,
        verify=ck.flag(d.get("verify", False), d.line_of("verify"), "online.verify"),
        source=_fact_source(ck, d, "online"),
    )


def _strlist(ck: _Checker, value: Any, line: int, what: str) -> tuple[str, ...]:
    return tuple(ck.text(v, ln, f"{what} item") for v, ln in ck.items(value, line, what))


def _question(ck: _Checker, value: Any, line: int) -> Question | None:
    d = ck.mapping(value, line, "question", QUESTION_KEYS)
    if d is None:
        return None
    options: tuple[Option, ...] = Question("", "").options
    if "options" in d:
        opts = []
        for item, ln in ck.items(d["options"], d.line_of("options"), "question options"):
            od = ck.mapping(item, ln, "option", {"value": True, "label": True})
            if od is not None:
                opts.append(Option(str(od.get("value", "")), str(od.get("label", ""))))
        options = tuple(opts)
    default = str(d.get("default", "") or "")
    if d.get("rare") and not default:
        ck.add(d.line_of("rare"), "a rare question needs a default answer")
    if default and default not in {o.value for o in options}:
        ck.add(d.line_of("default"), f"default '{default}' is not one of the question's options")
    return Question(
        id=ck.text(d.get("id"), d.line_of("id"), "question id"),
        text=ck.text(d.get("text"), d.line_of("text"), "question text"),
        options=options,
        default=default,
        rare=ck.flag(d.get("rare", False), d.line_of("rare"), "question rare"),
    )


def _document(ck: _Checker, value: Any, line: int) -> Document | None:
    d = ck.mapping(value, line, "document", DOCUMENT_KEYS)
    if d is None:
        return None
    when: dict[str, str] = {}
    if "when" in d:
        w = d["when"]
        if isinstance(w, dict):
            when = {str(k): str(v) for k, v in w.items()}
        else:
            ck.add(d.line_of("when"), "document 'when' must map question ids to answers")
    return Document(
        key=ck.text(d.get("key"), d.line_of("key"), "document key"),
        name=ck.text(d.get("name"), d.line_of("name"), "document name"),
        note=str(d.get("note", "") or ""),
        when=when,
        verify=ck.flag(d.get("verify", False), d.line_of("verify"), "document verify"),
        source=_fact_source(ck, d, "document"),
        alternatives=_strlist(ck, d["alternatives"], d.line_of("alternatives"), "alternatives")
        if "alternatives" in d
        else (),
        verify_note=str(d.get("verify_note", "") or ""),
    )


def _record_list(
    ck: _Checker,
    value: Any,
    line: int,
    what: str,
    keys: dict[str, bool],
    make: Callable[[LineDict], Any],
) -> tuple[Any, ...]:
    out = []
    for item, ln in ck.items(value, line, what):
        d = ck.mapping(item, ln, what, keys)
        if d is not None:
            out.append(make(d))
    return tuple(out)


def _answer(ck: _Checker, d: LineDict) -> AnswerMap:
    values = d.get("values") or {}
    if not isinstance(values, dict):
        ck.add(d.line_of("values"), "answers: 'values' must map answers to answers")
        values = {}
    if ("value" in d) == ("from" in d):
        ck.add(d.line, "answers: give either 'value' or 'from' (with 'values')")
    return AnswerMap(
        str(d.get("question", "")),
        str(d.get("value", "") or ""),
        str(d.get("from", "") or ""),
        {str(k): str(v) for k, v in values.items()},
    )


def _codes(ck: _Checker, value: Any, line: int, data: LineDict) -> tuple[str, ...]:
    if value is None:
        if not data.get("verify"):
            ck.add(line, "ma_thu_tuc is empty: set 'verify: true' and explain in verify_note")
        return ()
    raw = list(value) if isinstance(value, list) else [value]
    codes = tuple(str(c).strip() for c in raw)
    for code in codes:
        if not CODE_RE.match(code):
            ck.add(line, f"ma_thu_tuc '{code}' is not a national code like 1.001193")
    return codes


def _build(ck: _Checker, data: Any) -> Procedure | None:
    if not isinstance(data, LineDict):
        ck.add(1, "a catalogue file must be a mapping of keys")
        return None
    for key in data:
        if key not in PROCEDURE_KEYS:
            ck.add(data.line_of(key), f"unknown key '{key}'")
    for key, (_, required) in PROCEDURE_KEYS.items():
        if required and key not in data:
            ck.add(data.line, f"missing required field '{key}'")
    g = data.get
    ln = data.line_of
    pid = ck.text(g("id"), ln("id"), "id") if "id" in data else ""
    if pid and not ID_RE.match(pid):
        ck.add(ln("id"), f"id '{pid}' must be lowercase letters, digits and hyphens")
    kind = str(g("kind", "procedure"))
    if kind not in KINDS:
        ck.add(ln("kind"), f"kind must be 'procedure' or 'bundle', not '{kind}'")
    level = str(g("level", ""))
    if "level" in data and level not in LEVELS:
        ck.add(ln("level"), f"level must be one of {sorted(LEVELS)}, not '{level}'")
    for key in ("last_reviewed", "imported_on"):
        if key in data and not DATE_RE.match(str(g(key))):
            ck.add(ln(key), f"{key} must be a date YYYY-MM-DD")
    for key in ("verify", "imported"):
        if key in data:
            ck.flag(g(key), ln(key), key)
    facts = {
        k: _fact(ck, g(k), ln(k), k)
        for k in ("where", "processing_time", "fee", "result")
        if k in data
    }
    online = _online(ck, g("online"), ln("online"), "online") if "online" in data else None
    sl = {
        k: _strlist(ck, g(k), ln(k), k) if k in data else ()
        for k in (
            "aliases",
            "keywords",
            "english",
            "bundles",
            "notes",
            "legal_basis",
            "members",
            "replaces",
            "produces",
        )
    }
    questions = tuple(
        q
        for q in (
            _question(ck, v, li)
            for v, li in ck.items(g("questions", LineList()), ln("questions"), "questions")
        )
        if q
    )
    documents = tuple(
        d
        for d in (
            _document(ck, v, li)
            for v, li in ck.items(g("documents", LineList()), ln("documents"), "documents")
        )
        if d
    )
    not_needed = _record_list(
        ck,
        g("not_needed", LineList()),
        ln("not_needed"),
        "not_needed",
        NOT_NEEDED_KEYS,
        lambda d: NotNeeded(str(d.get("name", "")), str(d.get("reason", ""))),
    )
    sources = _record_list(
        ck,
        g("sources", LineList()),
        ln("sources"),
        "sources",
        SOURCE_KEYS,
        lambda d: Source(str(d.get("url", "")), str(d.get("note", "") or "")),
    )
    eligibility = _record_list(
        ck,
        g("eligibility", LineList()),
        ln("eligibility"),
        "eligibility",
        ELIGIBILITY_KEYS,
        lambda d: Eligibility(
            str(d.get("question", "")),
            str(d.get("text", "")),
            str(d.get("required", "")),
            str(d.get("fail_text", "")),
        ),
    )
    answer_map = _record_list(
        ck,
        g("answers", LineList()),
        ln("answers"),
        "answers",
        ANSWER_KEYS,
        lambda d: _answer(ck, d),
    )
    _check_questions(ck, data, questions, documents, eligibility)
    if kind == "procedure" and (answer_map or sl["replaces"] or sl["produces"]):
        ck.add(data.line, "only a bundle has 'answers', 'replaces' or 'produces'")
    if kind == "bundle" and not sl["members"]:
        ck.add(data.line, "a bundle must list its member procedures in 'members'")
    if kind == "procedure" and sl["members"]:
        ck.add(ln("members"), "only a bundle has 'members'")
    if "sources" in data and not sources:
        ck.add(ln("sources"), "sources must name at least the portal record URL")
    codes = _codes(ck, g("ma_thu_tuc"), ln("ma_thu_tuc"), data) if "ma_thu_tuc" in data else ()
    if ck.problems or online is None or any(f is None for f in facts.values()):
        return None
    return Procedure(
        id=pid,
        kind=kind,
        codes=codes,
        name=str(g("name")),
        official_name=str(g("official_name")),
        field=str(g("field")),
        level=level,
        aliases=sl["aliases"],
        keywords=sl["keywords"],
        english=sl["english"],
        bundles=sl["bundles"],
        who=str(g("who", "") or ""),
        where=facts["where"],  # type: ignore[arg-type]
        processing_time=facts["processing_time"],  # type: ignore[arg-type]
        fee=facts["fee"],  # type: ignore[arg-type]
        deadline=_fact(ck, g("deadline"), ln("deadline"), "deadline")
        if "deadline" in data
        else None,
        proxy=_fact(ck, g("proxy"), ln("proxy"), "proxy") if "proxy" in data else None,
        online=online,
        result=facts["result"],  # type: ignore[arg-type]
        questions=questions,
        documents=documents,
        not_needed=not_needed,
        notes=sl["notes"],
        legal_basis=sl["legal_basis"],
        sources=sources,
        last_reviewed=str(g("last_reviewed")),
        members=sl["members"],
        eligibility=eligibility,
        replaces=sl["replaces"],
        produces=sl["produces"],
        answer_map=answer_map,
        verify=bool(g("verify", False)),
        verify_note=str(g("verify_note", "") or ""),
        imported=bool(g("imported", False)),
        source_file=ck.file,
        lines=_lines(data),
    )


def _lines(data: LineDict) -> dict[str, int]:
    lines = dict(data.key_lines)
    aliases = data.get("aliases")
    if isinstance(aliases, LineList):
        lines.update({f"alias:{a}": aliases.line_of(i) for i, a in enumerate(aliases)})
    return lines


def _check_questions(
    ck: _Checker,
    data: LineDict,
    questions: Iterable[Question],
    documents: Iterable[Document],
    eligibility: Iterable[Eligibility],
) -> None:
    by_id = {q.id: q for q in questions}
    for doc in documents:
        for qid, answer in doc.when.items():
            q = by_id.get(qid)
            if q is None:
                ck.add(
                    data.line_of("documents"),
                    f"document '{doc.key}' depends on unknown question '{qid}'",
                )
            elif answer not in {o.value for o in q.options}:
                ck.add(
                    data.line_of("documents"),
                    f"document '{doc.key}': '{answer}' is not an answer of question '{qid}'",
                )
    for el in eligibility:
        if el.required not in ("yes", "no"):
            ck.add(
                data.line_of("eligibility"),
                f'eligibility \'{el.question}\': required must be "yes" or "no"',
            )


def load_procedure_file(path: Path, display: str) -> tuple[Procedure | None, list[Problem]]:
    """Parse and check one catalogue file."""
    data, problems = load_yaml(path, display)
    if data is None:
        return None, problems
    ck = _Checker(display)
    ck.problems.extend(problems)
    proc = _build(ck, data)
    if proc is not None and path.stem != proc.id:
        ck.add(data.line_of("id"), f"file name should be '{proc.id}.yaml' to match its id")
    return (proc if not ck.problems else None), ck.problems


def catalog_files(root: Path) -> list[Path]:
    """Every catalogue YAML file under root, sorted (offices/ and lexicon/ excluded)."""
    files = [
        p for p in root.rglob("*.yaml") if not (set(p.relative_to(root).parts[:-1]) & SKIP_DIRS)
    ]
    return sorted(files)


def check_catalog(root: Path) -> tuple[Catalog, list[Problem]]:
    """Load every file under root; return the catalogue and all problems found."""
    procs: dict[str, Procedure] = {}
    problems: list[Problem] = []
    if not root.is_dir():
        return Catalog({}), [Problem(str(root), 0, "catalogue folder not found")]
    seen_files: dict[str, str] = {}
    here = Path.cwd().resolve()
    for path in catalog_files(root):
        display = _display(path, here)
        proc, probs = load_procedure_file(path, display)
        problems.extend(probs)
        if proc is None:
            continue
        if proc.id in procs:
            problems.append(
                Problem(display, 1, f"duplicate id '{proc.id}' (also in {seen_files[proc.id]})")
            )
            continue
        procs[proc.id] = proc
        seen_files[proc.id] = display
    names, name_problems = load_aliases(root)
    problems.extend(name_problems)
    problems.extend(apply_aliases(procs, names, _display(root / ALIASES_FILE)))
    examples, example_problems = load_examples(root)
    problems.extend(example_problems)
    problems.extend(apply_examples(procs, examples))
    problems.extend(_cross_check(procs))
    return Catalog(dict(sorted(procs.items()))), problems


def load_catalog(root: Path) -> Catalog:
    """Load the catalogue or raise ContentError with every problem."""
    catalog, problems = check_catalog(root)
    if problems:
        raise ContentError(problems)
    return catalog


def _display(path: Path, here: Path | None = None) -> str:
    """A file's path as shown in problems: from `here` (default the working folder) when under it."""
    try:
        return str(path.resolve().relative_to(here or Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _cross_check(procs: dict[str, Procedure]) -> list[Problem]:
    problems: list[Problem] = []
    owners: dict[str, str] = {}
    for proc in procs.values():
        for key in ("members", "bundles"):
            for ref in getattr(proc, key):
                if ref not in procs:
                    problems.append(
                        Problem(
                            proc.source_file,
                            proc.line(key),
                            f"{key}: '{ref}' is not in the catalogue",
                        )
                    )
                elif key == "bundles" and not procs[ref].is_bundle:
                    problems.append(
                        Problem(
                            proc.source_file, proc.line(key), f"bundles: '{ref}' is not a bundle"
                        )
                    )
        if proc.is_bundle:
            problems.extend(_check_bundle(proc, [procs[m] for m in proc.members if m in procs]))
        if proc.imported:
            continue  # imported names may legitimately repeat across national records
        for alias in proc.aliases:
            key = fold(alias)
            other = owners.setdefault(key, proc.id)
            if other != proc.id:
                problems.append(
                    Problem(
                        proc.source_file,
                        proc.line(f"alias:{alias}"),
                        f"alias '{alias}' is also claimed by '{other}'",
                    )
                )
    return problems


def _check_bundle(bundle: Procedure, members: list[Procedure]) -> list[Problem]:
    """`replaces` names member documents, `answers` member questions and valid answers."""
    problems: list[Problem] = []
    keys = {d.key for m in members for d in m.documents}
    for key in bundle.replaces:
        if key not in keys:
            problems.append(
                Problem(
                    bundle.source_file,
                    bundle.line("replaces"),
                    f"replaces: no member has a document '{key}'",
                )
            )
    member_q = {q.id: q for m in members for q in m.questions}
    own_q = {e.question for e in bundle.eligibility} | {q.id for q in bundle.questions}
    for am in bundle.answer_map:
        q = member_q.get(am.question)
        where = bundle.line("answers")
        if q is None:
            problems.append(
                Problem(bundle.source_file, where, f"answers: no member asks '{am.question}'")
            )
            continue
        allowed = {o.value for o in q.options}
        wanted = [am.value] if am.value else list(am.values.values())
        problems.extend(
            Problem(
                bundle.source_file, where, f"answers: '{v}' is not an answer of '{am.question}'"
            )
            for v in wanted
            if v not in allowed
        )
        if am.from_question and am.from_question not in own_q:
            problems.append(
                Problem(
                    bundle.source_file,
                    where,
                    f"answers: '{am.from_question}' is not a question of the bundle",
                )
            )
    return problems
