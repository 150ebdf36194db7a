"""Write the generated part of tests/conversations/ (files `g-*.yaml`) from citizens' phrasings below.

The phrasings are hand-written (accents or not, teencode, southern/central speech, elderly stories,
English); the script combines them with follow-up questions and yes/no forms at every step, and
reads only the CATALOGUE (which questions a procedure asks, their options) — never the bot's replies.
Hand-written conversations live next to them without the `g-` prefix.

    .venv/bin/python scripts/make_conversations.py
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import yaml

from bot.content.bundle import load_catalog_dir
from bot.content.flows import load_flows
from bot.core import guide
from bot.core.model import Procedure, Question
from bot.core.normalize import fold, strip_marks
from bot.core.understand import facts_in

MATCHER: Any = None
WORDS = load_flows(Path(__file__).resolve().parent.parent / "flows")[0].words  # type: ignore[union-attr]

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "conversations"

# procedure id -> (word every correct reply names, openers in citizens' voices)
OPENERS: dict[str, tuple[str, list[str]]] = {
    "khai-sinh": (
        "khai sinh",
        [
            "làm giấy khai sinh cho con ở đâu",
            "con tui moi de, lam khai sanh o dau vay",
            "bé nhà em mới sinh tuần trước, giờ đi đăng ký khai sinh cần gì ạ",
            "dk khai sinh cho be",
            "bà muốn hỏi làm giấy khai sinh cho đứa cháu nội mới đẻ thì làm sao cháu ơi",
        ],
    ),
    "khai-tu": (
        "khai tử",
        [
            "bố tôi mất tuần trước, gia đình phải làm giấy tờ gì",
            "lam giay chung tu cho me o dau",
            "đăng ký khai tử",
            "ông nhà tui mới mất, khai tử ở đâu vậy con",
        ],
    ),
    "ket-hon": (
        "kết hôn",
        [
            "đăng ký kết hôn cần những gì",
            "tui với bồ tính cưới, làm giấy đăng ký kết hôn ở đâu",
            "dang ky ket hon",
            "hai đứa em muốn đăng ký kết hôn thì làm sao ạ",
        ],
    ),
    "ket-hon-yeu-to-nuoc-ngoai": (
        "kết hôn",
        [
            "em muốn đăng ký kết hôn với người nước ngoài",
            "lấy chồng hàn quốc thì đăng ký kết hôn ở đâu",
        ],
    ),
    "dang-ky-tam-tru": (
        "tạm trú",
        [
            "đăng ký tạm trú cho người thuê trọ",
            "em đi làm xa, ở trọ thì đăng ký tạm trú thế nào",
            "lam tam tru o dau",
            "tui mới lên thành phố ở trọ, làm tạm trú sao vậy",
        ],
    ),
    "dang-ky-thuong-tru": (
        "thường trú",
        ["nhập hộ khẩu cho vợ về nhà chồng", "đăng ký thường trú", "chuyen ho khau ve nha moi"],
    ),
    "cap-the-can-cuoc": (
        "căn cước",
        [
            "làm căn cước cho con 14 tuổi",
            "mất cccd rồi làm lại ở đâu",
            "đổi căn cước công dân sang thẻ mới",
            "lam can cuoc cho con",
        ],
    ),
    "xac-nhan-tinh-trang-hon-nhan": (
        "tình trạng hôn nhân",
        [
            "xin giấy xác nhận độc thân",
            "giấy xác nhận tình trạng hôn nhân làm ở đâu",
            "xin giay doc than de mua nha",
        ],
    ),
    "chung-thuc-ban-sao": (
        "chứng thực",
        ["công chứng bản sao giấy tờ ở đâu", "photo công chứng sổ đỏ", "chung thuc ban sao cccd"],
    ),
    "chung-thuc-chu-ky": ("chữ ký", ["chứng thực chữ ký", "thị thực chữ ký trên giấy cam kết"]),
    "chung-thuc-hop-dong": (
        "hợp đồng",
        ["chứng thực hợp đồng mua bán đất ở xã", "công chứng hợp đồng tặng cho nhà ở ubnd xã"],
    ),
    "trich-luc-ho-tich": (
        "bản sao",
        ["xin bản sao giấy khai sinh", "lam lai ban sao giay khai sinh bi mat"],
    ),
    "dang-ky-lai-khai-sinh": (
        "khai sinh",
        ["giấy khai sinh bị mất bản chính, đăng ký lại khai sinh"],
    ),
    "thay-doi-cai-chinh-ho-tich": (
        "cải chính",
        ["sửa sai ngày sinh trong giấy khai sinh", "đổi tên cho con", "cải chính hộ tịch"],
    ),
    "nhan-cha-me-con": ("nhận cha", ["làm thủ tục nhận con", "đăng ký nhận cha con"]),
    "giam-ho": ("giám hộ", ["đăng ký giám hộ cho cháu mồ côi"]),
    "khai-bao-tam-vang": (
        "tạm vắng",
        ["khai báo tạm vắng", "đi làm xa cả năm có phải khai tạm vắng không"],
    ),
    "thong-bao-luu-tru": (
        "lưu trú",
        ["có khách về nhà ở mấy hôm thì báo lưu trú thế nào", "thông báo lưu trú"],
    ),
    "xoa-dang-ky-thuong-tru": (
        "thường trú",
        ["xóa hộ khẩu cho người đã mất", "người nhà mất rồi, xóa thường trú cho ông ở đâu"],
    ),
    "tro-cap-mai-tang": (
        "mai táng",
        ["xin tiền mai táng phí cho bố", "chế độ tử tuất khi người thân mất"],
    ),
    "tro-cap-xa-hoi-hang-thang": (
        "trợ cấp",
        ["xin trợ cấp xã hội hằng tháng cho mẹ già", "tro cap nguoi cao tuoi"],
    ),
    "xac-nhan-khuyet-tat": (
        "khuyết tật",
        ["xin giấy xác nhận khuyết tật cho con", "xac nhan khuyet tat"],
    ),
    "bhyt-tre-duoi-6-tuoi": (
        "bảo hiểm y tế",
        ["làm thẻ bảo hiểm y tế cho bé", "the bhyt cho tre duoi 6 tuoi"],
    ),
    "ly-lich-tu-phap": (
        "lý lịch tư pháp",
        ["xin phiếu lý lịch tư pháp", "lam ly lich tu phap de di xuat khau lao dong"],
    ),
    "dang-ky-ho-kinh-doanh": (
        "hộ kinh doanh",
        ["đăng ký hộ kinh doanh bán tạp hóa", "mở quán cà phê cần đăng ký kinh doanh gì"],
    ),
    "giay-phep-xay-dung-nha-o": (
        "giấy phép xây dựng",
        ["xin giấy phép xây nhà", "xây nhà 3 tầng có cần xin phép không"],
    ),
    "cap-so-do-lan-dau": (
        "sổ đỏ",
        ["làm sổ đỏ lần đầu", "đất ông bà để lại chưa có sổ, làm sổ đỏ thế nào"],
    ),
    "tro-cap-that-nghiep": (
        "thất nghiệp",
        ["nghỉ việc rồi, xin trợ cấp thất nghiệp ở đâu", "huong bao hiem that nghiep"],
    ),
    "xac-nhan-kien-thuc-attp": (
        "an toàn thực phẩm",
        ["giấy xác nhận kiến thức an toàn thực phẩm cho quán ăn"],
    ),
    "cap-ban-sao-tu-so-goc": ("sổ gốc", ["cấp bản sao từ sổ gốc"]),
    "lien-thong-khai-sinh": (
        "khai sinh",
        ["bé mới sinh cần làm khai sinh, nhập hộ khẩu và thẻ bảo hiểm y tế"],
    ),
    "lien-thong-khai-tu": (
        "khai tử",
        ["bố mất, làm khai tử, xóa hộ khẩu và xin mai táng phí một lần"],
    ),
}

# follow-up questions about the procedure in hand: (topic, phrasings, words one of which any right answer has)
FOLLOW_UPS: list[tuple[str, list[str], list[str]]] = [
    (
        "fee",
        [
            "lệ phí bao nhiêu?",
            "có mất tiền không",
            "het bao nhieu tien vay",
            "phí bao nhiêu ạ",
            "tốn bao nhiêu tiền",
        ],
        ["phí", "miễn", "đồng", "fee"],
    ),
    (
        "time",
        ["mất bao lâu", "mấy ngày thì có", "bao lau thi lay duoc", "bao giờ có kết quả"],
        ["ngày", "giờ", "thời gian"],
    ),
    (
        "where",
        ["nộp ở đâu", "làm ở đâu vậy", "lên chỗ nào nộp", "o dau", "đi đâu làm hả em"],
        ["xã", "phường", "ubnd", "trung tâm", "công an", "tỉnh", "nơi nộp"],
    ),
    (
        "online",
        [
            "làm online được không?",
            "nộp qua mạng được ko",
            "có làm trên vneid được không",
            "lam truc tuyen dc k",
        ],
        ["trực tuyến", "online", "vneid"],
    ),
    (
        "deadline",
        ["phải làm trong bao nhiêu ngày", "thời hạn bao lâu", "trễ hạn có bị phạt không"],
        ["thời hạn", "ngày", "không có thời hạn"],
    ),
    (
        "documents",
        ["cần mang giấy tờ gì", "hồ sơ gồm những gì", "can giay to gi"],
        ["giấy", "tờ khai", "bản", "đơn", "hồ sơ", "question", "câu hỏi"],
    ),
    (
        "result",
        ["làm xong nhận được gì", "kết quả là giấy gì"],
        ["kết quả", "giấy", "nhận", "phiếu", "thẻ", "sổ"],
    ),
    (
        "legal",
        ["căn cứ luật nào", "theo nghị định nào vậy"],
        ["luật", "nghị định", "thông tư", "quyết định", "căn cứ"],
    ),
    (
        "who",
        ["ai được đi nộp", "nhờ người khác nộp hộ được không"],
        ["người", "ủy quyền", "cha", "mẹ", "công dân", "cá nhân"],
    ),
]

YES = [
    "có",
    "có ạ",
    "dạ có",
    "vâng",
    "vâng ạ",
    "ừ",
    "uh",
    "đúng",
    "đúng rồi",
    "phải",
    "chuẩn",
    "co",
    "dạ vâng",
    "ok",
    "có chứ",
    "dạ phải",
    "ừa",
    "yes",
    "uk",
    "đúng vậy",
]
NO = [
    "không",
    "không ạ",
    "ko",
    "k",
    "hông",
    "hổng",
    "chưa",
    "dạ chưa",
    "không có",
    "chưa có",
    "khong",
    "dạ không",
    "ko có",
    "hông có",
    "chưa ạ",
    "kh",
    "không phải",
    "no",
    "hok",
    "dạ không có",
]
THANKS = ["cảm ơn nhé", "cám ơn em", "thanks", "ok cảm ơn bạn", "cảm ơn nhiều", "tks"]
SMALL_TALK = [
    ("chào bạn", []),
    ("bạn là ai", [["trợ lý", "tự động"]]),
    ("bạn có phải người thật không", [["tự động", "không phải người"]]),
    ("rườm rà quá", []),
    ("ok", []),
    ("tạm biệt", []),
]


def plain(text: str) -> str:
    return strip_marks(text)


def typed_answer(q: Question, n: int) -> tuple[str, str]:
    """How a citizen types an answer to q: yes/no words, or an option's words; (text, option value)."""
    values = [o.value for o in q.options]
    if values[:2] == ["yes", "no"] or len(q.options) == 2:
        if n % 2 == 0:
            return YES[n % len(YES)], q.options[0].value
        return NO[n % len(NO)], q.options[1].value
    option = q.options[n % len(q.options)]
    words = option.label.split("(")[0].split(",")[0].split()[:4]
    text = " ".join(words).lower()
    return (plain(text) if n % 3 == 0 else text), option.value


def questions(cat: object, proc: Procedure) -> list[Question]:
    return guide.asked(cat, proc)  # type: ignore[arg-type]


def leads_to(opener: str, proc: Procedure) -> bool:
    matches = MATCHER.analyse(opener, top=3).matches
    return bool(matches) and matches[0].id == proc.id and (len(matches) < 2 or not CHOICE(matches))


def CHOICE(matches: object) -> bool:  # noqa: N802
    """Several close matches: the bot asks which one; the walk would not be the procedure's."""
    ms = list(matches)  # type: ignore[call-overload]
    return len(ms) > 1 and ms[1].score > 0.8 * ms[0].score


def conversation(title: str, tags: list[str], turns: list[dict[str, object]]) -> dict[str, object]:
    return {"title": title, "tags": tags, "turns": turns}


def guide_walk(cat: object, proc: Procedure, word: str, opener: str, n: int) -> dict[str, object]:
    """Opener, a follow-up, the documents, every question typed (with a follow-up in the middle), thanks."""
    topic, phrasings, expect = FOLLOW_UPS[n % len(FOLLOW_UPS)]
    turns: list[dict[str, object]] = [{"say": opener, "expect": [word]}]
    turns.append({"say": phrasings[n % len(phrasings)], "expect": [expect]})
    turns.append({"press": "giấy tờ"})
    told = facts_in(fold(opener), WORDS)
    qs = [q for q in questions(cat, proc) if q.id not in told]  # what was said is never asked again
    if not leads_to(opener, proc):  # the catalogue's matcher reads the opener as another procedure
        qs = []
        if topic != "documents":
            turns.pop()
    for i, q in enumerate(qs):
        if i == 1:
            t2, ph2, ex2 = FOLLOW_UPS[(n + 3) % len(FOLLOW_UPS)]
            turns.append({"say": ph2[(n + i) % len(ph2)], "expect": [ex2]})
        text, _ = typed_answer(q, n + i)
        turns.append({"say": text})
    if qs:
        turns[-1]["expect"] = [["giấy tờ", "documents"]]
    turns.append({"say": THANKS[n % len(THANKS)]})
    return conversation(
        f"{proc.name}: mở đầu, hỏi thêm, trả lời bằng chữ từng câu",
        [proc.id, "follow-up", "typed-answers", topic],
        turns,
    )


def yes_no_check(
    proc: Procedure, word: str, opener: str, variant: str, yes: bool
) -> dict[str, object]:
    """A typed yes/no form at the first question moves on exactly like the button."""
    turns: list[dict[str, object]] = [
        {"say": opener, "expect": [word]},
        {"press": "giấy tờ", "expect": ["câu hỏi 1"]},
        {"say": variant, "reject": ["câu hỏi 1/"]},
    ]
    return conversation(
        f'{proc.name}: trả lời "{variant}" như bấm nút',
        [proc.id, "yes-no", "yes" if yes else "no"],
        turns,
    )


ENGLISH: dict[str, list[str]] = {
    "khai-sinh": [
        "how do I register my newborn's birth?",
        "I want to get a birth certificate for my baby",
    ],
    "ket-hon": [
        "how can we register our marriage?",
        "we want to register our marriage, what do we need?",
    ],
    "dang-ky-tam-tru": [
        "I rent a room, how do I register temporary residence?",
        "temporary residence registration please",
    ],
    "cap-the-can-cuoc": ["I lost my ID card, how do I get a new one?"],
    "khai-tu": ["my father died, how do I register the death?"],
    "ly-lich-tu-phap": ["I need a criminal record certificate"],
    "xac-nhan-tinh-trang-hon-nhan": ["I need a certificate of marital status"],
}
FACTS: list[
    tuple[str, str, str]
] = [  # (procedure, opener telling a fact, the question's words that must not come)
    (
        "khai-sinh",
        "vợ tôi đẻ ở nhà, không có giấy chứng sinh, làm khai sinh cho bé thế nào",
        "Giấy chứng sinh của bệnh viện",
    ),
    (
        "khai-sinh",
        "bé sinh ở bệnh viện tuần trước, đăng ký khai sinh cho bé",
        "Giấy chứng sinh của bệnh viện",
    ),
    ("khai-sinh", "tôi muốn nhờ bà nội đi làm khai sinh cho cháu", "nhờ người khác"),
    (
        "xac-nhan-tinh-trang-hon-nhan",
        "tôi đã ly hôn, giờ xin giấy xác nhận độc thân để cưới lại",
        "từng kết hôn",
    ),
    (
        "ket-hon-yeu-to-nuoc-ngoai",
        "tôi lấy chồng người hàn, đăng ký kết hôn với người nước ngoài cần gì",
        "người nước ngoài (mang quốc tịch",
    ),
    (
        "dang-ky-tam-tru",
        "con tôi 16 tuổi lên thành phố học, đăng ký tạm trú cho con",
        "chưa thành niên",
    ),
]
SWITCH_FORMS = [
    "thôi, tôi hỏi {b}",
    "không phải {a} mà là {b}",
    "à nhầm, tôi cần {b}",
    "cho hỏi {b} nữa",
    "còn {b} thì sao",
]
MISSES = ["asdfgh", "xyzzy qwrt", "???", "lkjlkj poiu", "hmmmmm zzz"]


def extra_sets(cat: Any) -> int:
    written = 0
    pids = [p for p in OPENERS if cat.get(p) is not None]
    walkable = [
        p for p in pids if guide.asked(cat, cat.get(p)) and leads_to(OPENERS[p][1][0], cat.get(p))
    ]
    # a question about the procedure in the middle of its questions: answered, then the same question again
    for i, pid in enumerate(walkable):
        word, openers = OPENERS[pid]
        topic, phrasings, expect = FOLLOW_UPS[i % 4]  # fee, time, where, online
        turns: list[dict[str, object]] = [
            {"say": openers[0], "expect": [word]},
            {"press": "giấy tờ", "expect": ["câu hỏi 1"]},
            {"say": phrasings[(i + 1) % len(phrasings)], "expect": [expect, "câu hỏi 1"]},
            {"say": "quay lại"},
        ]
        write(
            f"g-midway-{i + 1:02d}.yaml",
            conversation(
                f"Đang trả lời câu hỏi thì hỏi {topic}, rồi quay lại",
                [pid, "follow-up", "back"],
                turns,
            ),
        )
        written += 1
    # switching need, keeping the conversation going
    for i in range(20):
        a, b = pids[i % len(pids)], pids[(i * 7 + 3) % len(pids)]
        if a == b or OPENERS[a][0] == OPENERS[b][0]:
            continue
        form = SWITCH_FORMS[i % len(SWITCH_FORMS)]
        name_b = cat.get(b).name.split("(")[0].strip().lower()
        name_a = cat.get(a).name.split("(")[0].strip().lower()
        turns = [
            {"say": OPENERS[a][1][0], "expect": [OPENERS[a][0]]},
            {"say": form.format(a=name_a, b=name_b), "expect": [OPENERS[b][0]]},
        ]
        write(
            f"g-switch-{i + 1:02d}.yaml", conversation(f"Đổi việc: {form}", ["switch", a, b], turns)
        )
        written += 1
    for i, (pid, opener, question) in enumerate(FACTS):
        word = OPENERS[pid][0]
        turns = [{"say": opener, "expect": [word]}, {"press": "giấy tờ", "reject": [question]}]
        write(
            f"g-facts-{i + 1:02d}.yaml",
            conversation("Kể sự việc từ câu đầu: không hỏi lại", [pid, "facts", "story"], turns),
        )
        written += 1
    n = 0
    for pid, phrases in ENGLISH.items():
        for opener in phrases:
            n += 1
            turns = [
                {"say": opener},
                {"say": "how long does it take?", "expect": [["day", "hour", "time"]]},
                {"say": "where do I apply?", "expect": ["where"]},
                {"say": "thanks a lot", "expect": ["welcome"]},
            ]
            write(
                f"g-english-{n:02d}.yaml",
                conversation("English all the way", ["english", pid], turns),
            )
            written += 1
    for i, miss in enumerate(MISSES):
        pid = pids[i * 3 % len(pids)]
        turns = [
            {"say": OPENERS[pid][1][0], "expect": [OPENERS[pid][0]]},
            {"say": miss, "understood": False},
            {
                "say": MISSES[(i + 1) % len(MISSES)],
                "understood": False,
                "expect": [["cán bộ", "18001096"]],
            },
            {"say": "quay lại"},
        ]
        write(
            f"g-miss-{i + 1:02d}.yaml",
            conversation(
                "Hai lần không hiểu: gặp cán bộ, bắt đầu lại", ["not-understood", pid], turns
            ),
        )
        written += 1
    return written


def main() -> int:
    global MATCHER
    bundle = load_catalog_dir(ROOT / "procedures_catalog")
    cat, MATCHER = bundle.catalog, bundle.matcher
    for old in OUT.glob("g-*.yaml"):
        old.unlink()
    OUT.mkdir(parents=True, exist_ok=True)
    written = 0
    counter = itertools.count()
    for pid, (word, openers) in OPENERS.items():
        proc = cat.get(pid)
        if proc is None:
            continue
        for j, opener in enumerate(openers):
            n = next(counter)
            data = guide_walk(cat, proc, word, opener, n)
            write(f"g-{pid}-{j + 1:02d}.yaml", data)
            written += 1
    yes_no_procs = [
        p
        for p in (
            "khai-sinh",
            "dang-ky-lai-khai-sinh",
            "khai-tu",
            "dang-ky-tam-tru",
            "xac-nhan-tinh-trang-hon-nhan",
            "trich-luc-ho-tich",
            "tro-cap-xa-hoi-hang-thang",
            "chung-thuc-hop-dong",
        )
    ]
    for i, variant in enumerate(YES + NO):
        pid = yes_no_procs[i % len(yes_no_procs)]
        proc = cat.get(pid)
        assert proc is not None
        word, openers = OPENERS[pid]
        write(
            f"g-yesno-{i + 1:02d}.yaml", yes_no_check(proc, word, openers[0], variant, i < len(YES))
        )
        written += 1
    for i, (talk, expect) in enumerate(SMALL_TALK * 3):
        pid = list(OPENERS)[i * 5 % len(OPENERS)]
        proc = cat.get(pid)
        assert proc is not None
        word, openers = OPENERS[pid]
        turns: list[dict[str, object]] = [{"say": openers[0], "expect": [word]}, {"say": talk}]
        if expect:
            turns[-1]["expect"] = expect
        turns.append({"press": "giấy tờ"})
        turns.append({"say": talk})
        write(
            f"g-smalltalk-{i + 1:02d}.yaml",
            conversation(f"Chuyện ngoài lề giữa chừng: {talk}", ["small-talk", pid], turns),
        )
        written += 1
    written += extra_sets(cat)
    print(f"wrote {written} conversations to {OUT}")
    return 0


def write(name: str, data: dict[str, object]) -> None:
    (OUT / name).write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8"
    )


if __name__ == "__main__":
    raise SystemExit(main())
