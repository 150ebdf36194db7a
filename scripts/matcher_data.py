"""Training data for the matcher's ranker and abstention model: generated, never hand-picked.

Positives come from the catalogue itself (every entry's name, official name and, for curated
entries, aliases and English phrases) turned into citizens' messages by templates and noise:
accent stripping, abbreviations from the lexicon, typos, shortened names, stories, negation
("không phải SIBLING, tôi cần X") against the entry's nearest sibling. Negatives reuse
procedure words in chit-chat, shopping, health, love, football, wedding and birthday frames.
Templates, frames and entries are split into a train and a validation half by a stable hash, so
validation measures what the model has not seen (new entries, new templates, new frames).

Nothing here reads the development or held-out question sets.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.core.model import Catalog, Fact, Online, Procedure
from bot.core.normalize import fold, strip_marks

ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    for cand in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if cand.is_dir():
            return cand
    return ROOT.parent / "shared"


def stable_half(key: str, salt: str = "") -> int:
    """0 (train) or 1 (validation), from a hash: stable across runs and machines."""
    h = hashlib.sha1(f"{salt}:{key}".encode()).digest()
    return 1 if h[0] % 4 == 0 else 0  # a quarter goes to validation


# ---------------------------------------------------------------------------------------------
# National records (until the full import is in the catalogue, they are added in memory)

LEVEL_OF = {"xa": "xa", "tinh": "tinh", "bo": "bo"}


def api_records(folder: Path | None = None) -> list[dict]:
    folder = folder or shared_dir() / "reference" / "dvcqg-api"
    out = []
    for path in sorted(folder.glob("*/*.json")):
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        det = rec.get("detail") or {}
        code = str(rec.get("code") or det.get("code") or "").strip()
        name = str(rec.get("name") or det.get("name") or "").strip()
        if not code or not name:
            continue
        docs = [
            str(c.get("name") or "")
            for ec in det.get("executionCases") or []
            for c in ec.get("profileComponents") or []
        ]
        level = (
            "xa"
            if det.get("isWard")
            else "tinh"
            if det.get("isProvince")
            else "bo"
            if det.get("isMinistry")
            else "khac"
        )
        out.append(
            {
                "code": code,
                "name": name,
                "field": str((det.get("category") or {}).get("name") or ""),
                "level": level,
                "docs": docs[:12],
                "body": str(det.get("departmentPromulgateName") or ""),
            }
        )
    return out


def _blank_fact() -> Fact:
    return Fact("(xem bản ghi gốc)", verify=True)


def with_national(catalog: Catalog, folder: Path | None = None) -> Catalog:
    """The catalogue plus an in-memory entry for every national record it does not hold yet."""
    have = {c for p in catalog for c in p.codes}
    procs = dict(catalog.procedures)
    from bot.core.model import Document

    for rec in api_records(folder):
        if rec["code"] in have:
            continue
        have.add(rec["code"])
        pid = "tthc-" + re.sub(r"[^0-9a-z]+", "-", rec["code"].lower()).strip("-")
        name = re.sub(r"^\s*thủ tục\s+", "", rec["name"], flags=re.I).strip().rstrip(".")
        name = name[:1].upper() + name[1:]
        procs[pid] = Procedure(
            id=pid,
            kind="procedure",
            codes=(rec["code"],),
            name=name,
            official_name=rec["name"],
            field=rec["field"],
            level=rec["level"],
            aliases=(name.lower(),),
            where=_blank_fact(),
            processing_time=_blank_fact(),
            fee=_blank_fact(),
            online=Online("khong", "(xem bản ghi gốc)"),
            result=_blank_fact(),
            documents=tuple(Document(f"d{i}", d) for i, d in enumerate(rec["docs"]) if d),
            legal_basis=(),
            sources=(),
            last_reviewed="2026-07-18",
            verify=True,
            imported=True,
        )
    return Catalog(dict(sorted(procs.items())))


# ---------------------------------------------------------------------------------------------
# Positives

REQUEST_TEMPLATES = [
    "{x}",
    "thủ tục {x}",
    "{x} cần giấy tờ gì",
    "cho hỏi {x} làm ở đâu",
    "tôi muốn {x}",
    "{x} mất bao lâu",
    "lệ phí {x} bao nhiêu",
    "làm {x} online được không",
    "em cần {x} thì nộp hồ sơ ở đâu ạ",
    "hồ sơ {x} gồm những gì",
    "{x} nộp ở đâu vậy",
    "xin hỏi thủ tục {x} như thế nào",
    "mình muốn làm {x} thì làm sao",
    "{x} thì lên xã hay lên tỉnh",
    "anh chị cho em hỏi về {x}",
    "muốn {x} phải chuẩn bị gì",
    "cách {x}",
    "{x} có mất phí không",
    "hướng dẫn {x}",
    "ad ơi {x} cần những gì",
    "tui tính {x} mà hổng biết làm sao",
    "cần tư vấn {x}",
    "{x} bao lâu thì có kết quả",
    "tôi phải làm gì để {x}",
    "nộp hồ sơ {x} online thế nào",
    "giấy tờ {x}",
    "quy trình {x}",
    "ai giải quyết {x}",
    "{x} ở đâu",
    "e muốn hỏi {x} ạ",
    "{x} thì cần mang theo gì",
    "em đang cần {x} gấp",
    "cho mình hỏi {x} với",
    "có ai biết {x} làm thế nào không",
    "có phải {x} không",
    "có bắt buộc {x} không ạ",
    "có cần {x} không",
    "{x} có được không",
    "nhà mình có phải đi {x} hông",
    "trường hợp này có phải {x} không ad",
    "{x} thì ai làm",
    "{x} hết hạn chưa",
    "{x} trễ hạn có bị phạt không",
]
STORY_CONTEXTS = [
    "nhà em ở quê mới lên thành phố làm ăn",
    "bố mẹ tôi già yếu không đi lại được",
    "công ty em mới thành lập được mấy tháng",
    "tôi làm nông lâu năm",
    "gia đình tôi có một cửa hàng nhỏ",
    "năm ngoái tôi có nộp một lần nhưng bị trả hồ sơ",
    "chồng tôi đi làm xa cả năm mới về",
    "em là sinh viên mới ra trường",
    "cơ sở của tôi hoạt động được ba năm rồi",
    "tôi đã hỏi mấy chỗ mà không ai trả lời rõ",
    "hợp tác xã của chúng tôi ở vùng sâu",
    "tôi mới nghỉ hưu",
    "nhà tôi ở gần chợ, mở tiệm được một thời gian",
    "em đi làm công nhân ở khu công nghiệp",
    "ông bà để lại ít đất",
    "tôi đang sống ở nước ngoài, sắp về nước",
    "vợ chồng tôi mới cưới nhau",
    "trường em yêu cầu nộp giấy tờ",
]
DONE_CONTEXTS = [
    "năm ngoái tôi đã {y} rồi",
    "nhà tôi vừa {y} xong",
    "tôi đã {y} ở phường tháng trước",
    "hồi trước đã làm {y} rồi",
    "em mới {y} xong",
    "bên kia đã {y} rồi",
]
STORY_TEMPLATES = [
    "{c}. giờ tôi muốn {x} thì làm thế nào",
    "{c}, nay cần {x}, hồ sơ gồm gì ạ",
    "{c}. cho hỏi {x} nộp ở đâu",
    "{c}, bây giờ em phải {x} thì cần chuẩn bị những gì",
    "{c}. tôi định {x}, có làm online được không",
]
NEGATION_TEMPLATES = [
    "không phải {s} đâu, tôi cần {x}",
    "em không cần {s}, chỉ cần {x} thôi",
    "tôi hỏi {x} chứ không phải {s}",
    "không phải {s} mà là {x}",
    "ko phải {s}, mình muốn {x}",
    "{x} nha, không phải {s}",
]
EN_TEMPLATES = [
    "{e}",
    "how do i {e}",
    "where can i {e}",
    "what documents do i need to {e}",
    "i need to {e}",
    "how long does it take to {e}",
    "how much does it cost to {e}",
    "can i {e} online",
    "help me {e} please",
    "what is the procedure to {e}",
    "we want to {e}, what should we do",
]
EN_CONTEXTS = [
    "i am a foreigner living in vietnam",
    "my wife is vietnamese and we live in da nang",
    "i moved to hanoi last year",
    "i'm vietnamese but i grew up abroad",
    "we just rented an apartment in saigon",
    "my parents are old and live in the countryside",
    "i work for a company in hai phong",
    "my family lives in hue",
]
EN_STORY_MORE = ["do we have to {e}?", "is it mandatory to {e}?", "which office can help us {e}?"]
EN_STORY = [
    "{c}. how do i {e}?",
    "{c} and need to {e}. where do i go?",
    "{c}. what documents do we need to {e}?",
    "{c}, we want to {e}, what should we do",
]
MIXED_TEMPLATES = [
    "cho hỏi {e} ở đâu",
    "{e} cần giấy tờ gì",
    "mình muốn {e}, làm sao ạ",
    "how to {x}",
    "{x} how long",
]

COLLOQUIAL = [
    ("giấy chứng nhận quyền sử dụng đất", "sổ đỏ"),
    ("giấy chứng nhận", "giấy"),
    ("cấp lại", "làm lại"),
    ("cấp lại", "xin lại"),
    ("cấp đổi", "đổi"),
    ("cấp mới", "làm mới"),
    ("cấp giấy", "xin giấy"),
    ("cấp", "xin"),
    ("cấp", "làm"),
    ("đăng ký", "làm"),
    ("điều chỉnh", "sửa"),
    ("thay đổi", "đổi"),
    ("đề nghị", "xin"),
    ("giấy phép", "giấy phép"),
    ("hộ kinh doanh", "hộ kinh doanh cá thể"),
    ("chấm dứt", "dừng"),
    ("tạm ngừng", "tạm nghỉ"),
    ("công dân việt nam", "người việt"),
    ("người nước ngoài", "người nước ngoài"),
    ("thực hiện", "làm"),
]
CURATED_SHARE = (
    12  # curated entries are the common procedures: citizens ask about them far more often
)
CUT_MARKERS = [
    " đối với ",
    " trong trường hợp ",
    " trường hợp ",
    " theo ",
    " thuộc ",
    " do ",
    " của ",
    " trên địa bàn ",
    " tại ",
]
GENERIC_LEAD = re.compile(r"^(thủ tục|tthc)\s+", re.I)


def core_names(name: str) -> list[str]:
    """The procedure as a citizen might name it: without 'Thủ tục', split at ';', split 'cấp, cấp lại'."""
    name = GENERIC_LEAD.sub("", name.strip()).rstrip(". ")
    parts = [p.strip() for p in name.split(";") if p.strip()] or [name]
    out = []
    for p in parts[:3]:
        p = p[:1].lower() + p[1:]
        out.append(p)
        m = re.match(
            r"^(cấp|đăng ký|cấp mới)\s*,\s*(cấp lại|cấp đổi|điều chỉnh)(\s*,\s*(cấp lại|cấp đổi|điều chỉnh))?\s+(.*)$",
            p,
            re.I,
        )
        if m:
            rest = m.group(5)
            out = [f"{m.group(1)} {rest}", f"{m.group(2)} {rest}"] + (
                [f"{m.group(4)} {rest}"] if m.group(4) else []
            )
    return [re.sub(r"\s+", " ", o) for o in out]


def shorten(text: str, rng: random.Random) -> str:
    """Cut the long qualifiers officials add; sometimes drop a word inside."""
    low = f" {text} "
    if rng.random() < 0.5:
        for m in CUT_MARKERS:
            i = low.find(m, 12)
            if i > 0 and len(low[:i].split()) >= 4 and rng.random() < 0.6:
                low = low[:i]
                break
    low = re.sub(r"\([^)]*\)", " ", low)
    toks = low.split()
    if len(toks) > 6 and rng.random() < 0.2:
        del toks[rng.randrange(2, len(toks))]
    if len(toks) > 14:
        toks = toks[: rng.randrange(10, 15)]
    return " ".join(toks)


FOREIGN = re.compile(r"(có yếu tố nước ngoài|với người nước ngoài|người nước ngoài)")


def concept_paraphrase(text: str, rng: random.Random, triggers: list[str]) -> str:
    """'... có yếu tố nước ngoài' said as a citizen would: 'với chồng người hàn quốc', 'bố là người lào'."""
    if triggers and FOREIGN.search(text) and rng.random() < 0.5:
        who = rng.choice(["vợ", "chồng", "bố", "mẹ", "bạn trai", "bạn gái", "người yêu"])
        return FOREIGN.sub(f"với {who} {rng.choice(triggers)}", text, count=1)
    return text


def colloquial(text: str, rng: random.Random) -> str:
    low = text.lower()
    for a, b in COLLOQUIAL:
        if a in low and rng.random() < 0.35:
            low = low.replace(a, b, 1)
    return low


FOREIGN_TRIGGERS: list[str] = []  # filled from the lexicon's concepts (người nước ngoài)


def load_concepts(lexicon_yaml: Path) -> None:
    import yaml

    data = yaml.safe_load(lexicon_yaml.read_text(encoding="utf-8")) or {}
    FOREIGN_TRIGGERS[:] = [
        str(t) for t in ((data.get("concepts") or {}).get("vi") or {}).get("người nước ngoài") or []
    ]


@dataclass
class Noise:
    abbrev: list[tuple[str, str]]

    def apply(self, text: str, rng: random.Random) -> tuple[str, str]:
        """One style of noise: (text, style)."""
        r = rng.random()
        if r < 0.30:
            return text, "diacritics"
        if r < 0.55:
            return strip_marks(text.lower()), "no-diacritics"
        if r < 0.72:
            return self.abbreviate(text, rng), "abbrev"
        if r < 0.88:
            return typo(text, rng), "typo"
        return strip_marks(self.abbreviate(typo(text, rng), rng)), "mixed-noise"

    def abbreviate(self, text: str, rng: random.Random) -> str:
        low = text.lower()
        for full, short in self.abbrev:
            if full in low and rng.random() < 0.6:
                low = re.sub(rf"(?<!\w){re.escape(full)}(?!\w)", short, low, count=1)
        return low


def typo(text: str, rng: random.Random) -> str:
    toks = text.split()
    idx = [i for i, t in enumerate(toks) if len(t) >= 4]
    for i in rng.sample(idx, min(len(idx), rng.choice((1, 1, 2)))):
        t = toks[i]
        op = rng.random()
        j = rng.randrange(1, len(t))
        if op < 0.3:
            t = t[:j] + t[j - 1] + t[j:]  # doubled letter
        elif op < 0.55:
            t = t[:j] + t[j + 1 :]  # dropped letter
        elif op < 0.75 and j < len(t) - 1:
            t = t[:j] + t[j + 1] + t[j] + t[j + 2 :]  # swapped
        else:
            f = strip_marks(t)
            t = f + rng.choice("sfrxj") if f != t else t + t[-1]  # Telex leftover
        toks[i] = t
    return " ".join(toks)


def abbreviation_pairs(lexicon_yaml: Path) -> list[tuple[str, str]]:
    """(full form, abbreviation) pairs from the lexicon's unambiguous table, longest first."""
    import yaml

    data = yaml.safe_load(lexicon_yaml.read_text(encoding="utf-8")) or {}
    pairs = [
        (str(v).lower(), str(k).lower())
        for k, v in (data.get("expand") or {}).items()
        if len(str(v).split()) >= 2 or str(v) in ("không", "được", "gì")
    ]
    return sorted(pairs, key=lambda p: -len(p[0]))


@dataclass
class Example:
    q: str
    expect: list[str]  # entry ids; [] = none
    style: str
    half: int  # 0 train, 1 validation
    admin: bool = True
    code: str = ""
    skip: tuple[int, ...] = ()  # example documents that are this very question (left out)
    skip_non: tuple[int, ...] = ()  # ...or non-request messages


def entry_phrases(p: Procedure) -> list[str]:
    out = []
    for n in (p.name, p.official_name):
        out.extend(core_names(n))
    if not p.imported:
        out.extend(a for a in p.aliases if len(a.split()) >= 2)
    seen, uniq = set(), []
    for o in out:
        k = fold(o)
        if k and k not in seen:
            seen.add(k)
            uniq.append(o)
    return uniq


def positives(
    catalog: Catalog,
    noise: Noise,
    siblings: dict[str, str],
    per_entry: int,
    rng: random.Random,
    same_name: dict[str, list[str]],
) -> Iterator[Example]:
    others = [ph for p in catalog if not p.imported for ph in entry_phrases(p)]
    others += [p.name for p in list(catalog)[::7] if p.imported]
    for p in catalog:
        if p.is_bundle and not p.aliases:
            continue
        half = stable_half(p.id, "entry")
        phrases = entry_phrases(p)
        if not phrases:
            continue
        expect = sorted(same_name.get(fold(p.name), [p.id]), key=lambda i: i != p.id)
        n = per_entry * (CURATED_SHARE if not p.imported else 1)
        for _ in range(n):
            x = rng.choice(phrases)
            if p.imported or rng.random() < 0.5:
                x = shorten(x, rng)
            x = colloquial(x, rng) if rng.random() < 0.5 else x.lower()
            x = concept_paraphrase(x, rng, FOREIGN_TRIGGERS)
            kind = rng.random()
            if kind < 0.06 and not p.imported:
                toks = x.split()
                q, style = " ".join(toks[: rng.randint(2, 4)]) if len(toks) > 2 else x, "short"
                th = 0
            elif kind < 0.16:
                c = rng.choice(STORY_CONTEXTS)
                if others and rng.random() < 0.6:  # a story that mentions a procedure already done
                    c = rng.choice(DONE_CONTEXTS).format(y=shorten(rng.choice(others), rng).lower())
                t = rng.choice(STORY_TEMPLATES)
                q, style = t.format(c=c, x=x), "story"
                th = stable_half(t, "tpl")
            elif kind < 0.22 and p.id in siblings:
                sib = siblings[p.id]
                sp = entry_phrases(catalog.procedures[sib])
                if not sp:
                    continue
                s = shorten(rng.choice(sp), rng).lower()
                t = rng.choice(NEGATION_TEMPLATES)
                q, style = t.format(s=s, x=x), "negation"
                th = stable_half(t, "tpl")
            else:
                t = rng.choice(REQUEST_TEMPLATES)
                q, style = t.format(x=x), "request"
                th = stable_half(t, "tpl")
            q, nstyle = noise.apply(q, rng)
            yield Example(
                q, expect, f"{style}/{nstyle}", half | th if half == 0 else half, True, p.code
            )
        if p.english:
            for _ in range(max(2, per_entry * CURATED_SHARE // 3)):
                e = rng.choice(p.english).lower()
                r = rng.random()
                if r < 0.15:
                    t = rng.choice(EN_STORY_MORE)
                    q, style = f"{rng.choice(EN_CONTEXTS)}. {t.format(e=e)}", "english"
                elif r < 0.35:
                    t = rng.choice(EN_STORY)
                    q, style = t.format(c=rng.choice(EN_CONTEXTS), e=e), "english"
                elif r < 0.8:
                    t = rng.choice(EN_TEMPLATES)
                    q, style = t.format(e=e), "english"
                else:
                    t = rng.choice(MIXED_TEMPLATES)
                    q, style = t.format(e=e, x=strip_marks(rng.choice(phrases).lower())), "mixed"
                yield Example(q, expect, style, half, True, p.code)


# ---------------------------------------------------------------------------------------------
# Negatives: topic words without an administrative need

NONE_FRAMES = [
    "đặt bánh sinh nhật thôi nôi cho bé ở đâu đẹp",
    "mua bánh kem {w} cho con ở đâu ngon",
    "mặc gì đi đám cưới {w}",
    "thuê áo cưới ở đâu đẹp mà rẻ",
    "tối nay việt nam đá với {team} mấy giờ",
    "kết quả bóng đá {team} hôm qua",
    "anh thương em, em là nơi anh muốn thường trú cả đời",
    "em ơi anh nhớ em nhiều lắm",
    "hôm nay trời {weather} quá",
    "bé nhà em bị sốt {n} độ phải làm sao",
    "đau bụng uống thuốc gì",
    "mua {item} ở đâu rẻ",
    "giá {item} hôm nay bao nhiêu",
    "quán {food} nào ngon gần đây",
    "cách nấu {food} ngon",
    "con gái tôi sắp cưới, nên tổ chức tiệc ở nhà hàng nào",
    "quà mừng cưới bao nhiêu là hợp lý",
    "chồng tôi hay đi nhậu về muộn, tôi buồn quá",
    "ly hôn xong buồn quá phải làm sao để vui lên",
    "ngày mai là ngày đẹp để {event} không",
    "xem tuổi {event} năm nay",
    "đặt tên con trai năm nay tên gì hay",
    "sữa bột nào tốt cho bé {n} tháng",
    "tìm phòng trọ giá rẻ gần trường",
    "giá đất ở {place} bây giờ bao nhiêu một mét",
    "có nên mua nhà lúc này không",
    "nên mua bảo hiểm nhân thọ của hãng nào",
    "xe máy {item2} đi có tốn xăng không",
    "cán bộ phường làm việc chậm quá, bực cả mình",
    "sao làm giấy tờ ở đây lâu thế, chán thật",
    "bot trả lời ngu quá",
    "kể chuyện cười đi",
    "hát một bài đi bot",
    "bạn tên là gì",
    "bạn bao nhiêu tuổi",
    "hôm nay là thứ mấy",
    "đám giỗ ông nội cần chuẩn bị mâm cúng gì",
    "văn khấn {event}",
    "cúng 49 ngày cho bố cần những gì",
    "quà sinh nhật cho vợ nên mua gì",
    "học tiếng anh ở trung tâm nào tốt",
    "con tôi lười học quá phải làm sao",
    "tuyển nhân viên bán hàng lương {n} triệu",
    "cho vay tiền lãi suất thấp",
    "tư vấn giúp em nên chọn ngành gì",
    "đi du lịch {place} mùa này có đẹp không",
    "vé máy bay đi {place} bao nhiêu tiền",
    "chụp ảnh cưới ở {place} chỗ nào đẹp",
    "bố tôi mất rồi, tôi nhớ bố quá",
    "hôm qua đi khám bệnh viện đông quá",
    "tập gym bao lâu thì lên cơ",
    "điện thoại {item2} có tốt không",
    "iphone mới giá bao nhiêu",
    "nhà bên cạnh hát karaoke ồn quá",
    "vợ chồng cãi nhau nên làm gì",
    "người yêu cũ nhắn tin lại có nên trả lời không",
    "bé {n} tuổi ăn dặm thế nào",
    "cách chăm sóc cây {item2}",
    "con mèo nhà tôi bỏ ăn",
    "tháng này lương về chưa nhỉ",
    "xổ số miền nam hôm nay",
    "nhà tôi mới xây xong, mời mọi người đến chơi",
    "tân gia nên mua quà gì",
    "mừng thôi nôi cháu nên tặng gì",
    "thi bằng lái xong rồi vui quá",
    "hôm nay tôi vừa cưới vợ, hạnh phúc quá",
    "mới sinh em bé, cả nhà vui lắm",
    "cảm ơn em đã giúp anh hôm qua",
    "ok cảm ơn nhé",
    "dạ em cảm ơn ạ",
    "chào buổi sáng",
    "alo alo",
    "ad ơi có đó không",
    "ờ",
    "ừ",
    "hihi",
    "???",
    "haha buồn cười quá",
    "đẹp trai quá",
    "chúc mừng năm mới",
    "ngủ ngon nhé",
    "{team} vô địch rồi",
    "trận chung kết tối nay ai thắng",
    "cá độ bóng đá bị bắt không",
    "đi bão sau trận thắng vui quá",
    "dịch vụ giao hàng nhanh nào tốt",
    "shop ơi còn hàng {item} không",
    "size áo cưới bao nhiêu là vừa",
    "mẹ chồng khó tính quá",
    "con dâu không nghe lời",
    "có nên sinh con thứ hai không",
    "đẻ thường hay đẻ mổ tốt hơn",
    "khám thai tuần {n} cần làm gì",
    "bà bầu ăn gì tốt",
    "thuốc hạ sốt cho trẻ em",
    "bị cảm cúm nên ăn gì",
    "đất nền {place} có nên đầu tư không",
    "lãi suất ngân hàng tháng này",
    "giá vàng sjc hôm nay",
    "tỷ giá đô la",
    "tôi yêu em nhiều hơn cả giấy khai sinh của anh",
    "hai đứa mình cưới nhau đi em",
    "mai cưới rồi run quá",
    "tiệc cưới nên mời bao nhiêu người",
    "thiệp cưới in ở đâu đẹp",
    "nhẫn cưới loại nào đẹp",
    "công thức làm {food}",
    "cách làm {food} ngon",
    "dạy mình làm {food} với",
    "{food} ăn với gì ngon",
    "sửa {item2} ở đâu uy tín",
    "thay màn hình điện thoại hết bao nhiêu",
    "làm tóc ở đâu đẹp",
    "làm móng giá bao nhiêu",
    "làm bài tập toán lớp {n} giúp em",
    "viết giúp em bài văn tả mẹ",
    "dịch giúp câu này sang tiếng anh",
    "mua vé xem {team} ở đâu",
    "đăng ký học bơi cho con ở đâu",
    "đăng ký gói cước 4g nào rẻ",
    "đăng ký tài khoản facebook thế nào",
    "giấy dán tường loại nào đẹp",
    "giấy vệ sinh loại nào tốt",
    "in ảnh thẻ lấy ngay ở đâu",
    "cho thuê xe tự lái giá bao nhiêu",
    "tôi bị sếp mắng, có nên nghỉ việc không",
    "nhà hàng xóm nuôi chó sủa cả đêm",
    "bé nhà tôi {n} tuổi chưa biết nói",
    "hợp đồng tình yêu của chúng mình hết hạn rồi",
    "anh ấy cầu hôn rồi, vui quá",
    "sinh nhật con trai nên tổ chức ở đâu",
]
EN_NONE = [
    "hello there",
    "thanks a lot",
    "what a nice day",
    "who won the football match last night",
    "i love you so much",
    "where can i buy a birthday cake",
    "best pho restaurant in hanoi",
    "how is the weather today",
    "tell me a joke",
    "what should i wear to a wedding",
    "my baby has a fever what should i do",
    "good morning bot",
    "how old are you",
    "recommend a good hotel near the beach",
    "is it going to rain tomorrow",
    "what is the price of gold today",
    "i miss my ex",
    "how to cook spring rolls",
    "which phone should i buy",
    "bye see you later",
]
FILL = {
    "w": ["thôi nôi", "sinh nhật", "đầy tháng", "mừng cưới", "kỷ niệm ngày cưới"],
    "team": [
        "thái lan",
        "indonesia",
        "malaysia",
        "hàn quốc",
        "nhật bản",
        "trung quốc",
        "argentina",
        "brazil",
    ],
    "weather": ["nóng", "mưa", "lạnh", "đẹp", "oi bức"],
    "n": ["2", "3", "6", "9", "38", "39", "10", "15"],
    "item": [
        "vàng",
        "xăng",
        "sữa",
        "gạo",
        "thịt heo",
        "điện thoại",
        "laptop",
        "xe máy",
        "ô tô",
        "nhà",
        "đất",
    ],
    "item2": ["honda", "yamaha", "vinfast", "samsung", "hoa hồng", "lan", "bonsai"],
    "food": ["phở", "bún bò", "bánh xèo", "lẩu", "cơm tấm", "bánh mì"],
    "event": ["cưới", "động thổ", "khai trương", "nhập trạch", "ăn hỏi", "về nhà mới"],
    "place": [
        "đà lạt",
        "đà nẵng",
        "phú quốc",
        "sapa",
        "hạ long",
        "hà nội",
        "sài gòn",
        "thủ đức",
        "bình dương",
    ],
}


def fill(frame: str, rng: random.Random) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: rng.choice(FILL[m.group(1)]), frame)


def negatives(noise: Noise, n: int, rng: random.Random) -> Iterator[Example]:
    frames = [(f, "vi") for f in NONE_FRAMES] + [(f, "en") for f in EN_NONE]
    for _ in range(n):
        f, lang = rng.choice(frames)
        half = stable_half(f, "neg")
        q = fill(f, rng)
        if lang == "vi":
            q, style = noise.apply(q, rng)
        else:
            style = "english"
        yield Example(q, [], f"offtopic/{style}", half, False)


def siblings_of(catalog: Catalog, rank) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each entry's nearest other entry by name (the index's own ranking)."""
    out = {}
    for p in catalog:
        if p.is_bundle:
            continue
        for pid in rank(p.name.lower()):
            if pid != p.id and fold(catalog.procedures[pid].name) != fold(p.name):
                out[p.id] = pid
                break
    return out


def written(catalog: Catalog, non_requests: tuple[str, ...]) -> list[Example]:
    """The writers' messages: every entry's example questions (each scored without itself: the
    matcher indexes them) and the messages about no procedure."""
    docs: dict[str, list[int]] = defaultdict(list)
    owners: dict[str, list[str]] = defaultdict(list)
    k = 0
    for p in catalog:  # the order the matcher numbers its example documents in
        for q in p.examples:
            docs[q].append(k)
            owners[q].append(p.id)
            k += 1
    out = [
        Example(q, owners[q], "written", stable_half(q, "written"), skip=tuple(ks))
        for q, ks in docs.items()
    ]
    for k, q in enumerate(non_requests):
        out.append(
            Example(q, [], "written-none", stable_half(q, "written"), admin=False, skip_non=(k,))
        )
    return out
