"""What tells sibling records apart: the act a message asks for and the act a record's name
states (lexicon/qualifiers.yaml), read as the second ranker reads them."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.content.bundle import load_catalog_dir
from bot.content.lexicon import load_lexicon
from bot.core.lexicon import Lexicon
from bot.core.matcher import Matcher
from bot.core.qualifiers import COLUMNS, Qualifiers

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "procedures_catalog"


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    lex, _, problems = load_lexicon(CATALOG)
    assert not problems
    return lex


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_catalog_dir(CATALOG).matcher


@pytest.mark.parametrize(
    ("name", "stated"),
    [
        ("Cấp giấy phép lao động cho chuyên gia", set()),  # plain: a first issue
        ("Cấp lại giấy phép lao động cho chuyên gia", {"reissue"}),
        ("Gia hạn giấy đăng ký lưu hành thuốc cổ truyền", {"renew"}),
        ("Thủ tục thu hồi giấy đăng ký lưu hành thuốc", {"end"}),
        ("Cấp, cấp lại Giấy phép khai thác thủy sản", {"new", "reissue"}),  # a list covers both
        ("Cấp Giấy xác nhận có quốc tịch Việt Nam ở nước ngoài", {"abroad"}),
        ("Đăng ký khai sinh có yếu tố nước ngoài tại khu vực biên giới", {"foreign"}),
        ("Đăng ký lại kết hôn có yếu tố nước ngoài", {"foreign"}),
        # the people served, not the place: "…, người Việt Nam định cư ở nước ngoài"
        (
            "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người Việt Nam cư trú ở nước ngoài",
            set(),
        ),
        # an act named late in a long name is part of the object, not the record's act
        ("Đăng ký cấp Giấy chứng nhận cho người nhận chuyển nhượng có thu hồi đất", set()),
    ],
)
def test_a_name_states_its_act_first_its_place_last_a_foreign_element_anywhere(
    lexicon: Lexicon, name: str, stated: set[str]
) -> None:
    assert lexicon.qualifiers.of_name(name) == stated


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("giấy phép hành nghề bị chuột cắn rách, xin cấp lại", {"reissue"}),
        ("the cccd het han roi lam sao", {"renew"}),
        ("Our herbal medicine registration expires soon, how do we renew it?", {"renew"}),
        # a nationality states a foreign element (the lexicon's concepts), not an act
        ("xin giấy phép lao động cho chuyên gia người Đức", {"foreign"}),
        ("How do I register the birth of my baby in Hanoi?", set()),
        ("My husband is Korean, how do we register our baby's birth?", {"foreign"}),
        # what the citizen denies is not asked for
        ("không phải cấp lại đâu, thẻ sắp hết hạn nên cần gia hạn", {"renew"}),
        ("giấy chứng nhận bị cháy, không xin mới, chỉ xin cấp lại", {"reissue"}),
        ("xin cấp lại chứ không xin mới", {"reissue"}),
        # a province whose name holds a country's (not_concepts): no foreign element
        ("Nhà tôi ở Lào Cai, sổ đỏ bị cháy, xin cấp lại", {"reissue"}),
        ("con tôi sinh ở Lào, muốn làm khai sinh", {"foreign"}),
    ],
)
def test_a_message_asks_for_an_act_unless_it_denies_it(
    matcher: Matcher, text: str, asked: set[str]
) -> None:
    prep = matcher.prepare(text)
    denied = matcher.lexicon.negated_positions(prep.tokens)
    assert matcher.lexicon.qualifiers.asked(prep.tokens, prep.english, denied) == asked


def test_columns_agree_when_both_say_nothing_and_clash_when_both_differ(lexicon: Lexicon) -> None:
    stated = [
        frozenset(),
        frozenset({"reissue"}),
        frozenset({"renew"}),
        frozenset({"new", "reissue"}),
    ]
    q = lexicon.qualifiers
    silent = q.columns(frozenset(), stated)
    asked = q.columns(frozenset({"renew"}), stated)
    same, quiet, clash = (COLUMNS.index(c) for c in ("qual_same", "qual_silent", "qual_clash"))
    # a message that names no act asks for a first issue: plain and listed names agree
    assert list(silent[:, same]) == [1, 0, 0, 1] and list(silent[:, quiet]) == [0, 1, 1, 0]
    assert list(asked[:, same]) == [0, 0, 1, 0] and list(asked[:, clash]) == [1, 1, 0, 1]
    assert not np.any(silent[:, clash]) and not np.any(asked[:, quiet])


def test_a_property_is_read_beside_the_act_not_instead_of_it(lexicon: Lexicon) -> None:
    """'khai sinh, chồng người Hàn' asks for the first registration with a foreign element: the
    plain record still agrees on the act, and only the foreign-element one has the property."""
    q = lexicon.qualifiers
    stated = [frozenset(), frozenset({"foreign"}), frozenset({"reissue", "foreign"})]
    cols = {c: i for i, c in enumerate(COLUMNS)}
    plain = q.columns(frozenset(), stated)
    foreign = q.columns(frozenset({"foreign"}), stated)
    assert list(plain[:, cols["qual_same"]]) == [1, 1, 0]
    assert list(plain[:, cols["prop_silent"]]) == [0, 1, 1]  # a variant nobody asked for
    assert list(foreign[:, cols["qual_same"]]) == [1, 1, 0]
    assert list(foreign[:, cols["prop_same"]]) == [0, 1, 1]
    assert list(foreign[:, cols["prop_clash"]]) == [1, 0, 0]
    assert q.properties == {"abroad", "foreign"}


def test_a_record_with_a_property_knows_its_plain_sibling(matcher: Matcher) -> None:
    """The name without its properties is the plain sibling's: the conversation asks between
    the two when a message does not state the property the first one has."""
    q = matcher.lexicon.qualifiers
    assert q.plain("Đăng ký khai sinh có yếu tố nước ngoài") == "dang ky khai sinh"
    assert q.plain("Đăng ký khai sinh") == "dang ky khai sinh"
    foreign = matcher.entry_of["ket-hon-yeu-to-nuoc-ngoai"]
    assert matcher.plain_of[foreign] == matcher.copy_of[matcher.entry_of["ket-hon"]]
    assert matcher.entry_of["ket-hon"] not in matcher.plain_of


def test_a_stated_foreign_element_is_not_asked_about_again(matcher: Matcher) -> None:
    """A Korean husband states the foreign element: no question between the two records."""
    a = matcher.analyse("đăng ký kết hôn với người Hàn Quốc", top=3)
    assert (a.matches[0].id, a.close) == ("ket-hon-yeu-to-nuoc-ngoai", ())


def test_columns_of_an_empty_table_read_every_qualifier_as_an_act() -> None:
    cols = Qualifiers().columns(frozenset({"x"}), [frozenset({"x"}), frozenset()])
    assert cols[:, :3].tolist() == [[1, 0, 0], [0, 0, 1]] and not cols[:, 3:].any()


@pytest.mark.parametrize(
    ("text", "first"),
    [
        (
            "viện nghiên cứu của tôi mời một chuyên gia khoa học công nghệ người Đức sang làm "
            "việc, cần xin giấy phép lao động cho ông ấy",
            "Cấp giấy phép lao động cho chuyên gia",
        ),
        (
            "giấy phép lao động chuyên gia khoa học công nghệ bị mất, xin lại ở đâu",
            "Cấp lại giấy phép lao động cho chuyên gia",
        ),
    ],
)
def test_the_act_asked_for_decides_between_siblings(
    matcher: Matcher, text: str, first: str
) -> None:
    """Siblings with the same object: the first issue unless the message states another act."""
    assert matcher.match(text, 3)[0].name.startswith(first)


def test_a_broken_qualifiers_file_says_file_and_line(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    shutil.copytree(CATALOG / "lexicon", catalog / "lexicon")
    path = catalog / "lexicon" / "qualifiers.yaml"
    path.write_text("renew:\n  name: [gia hạn]\n  ask: gia hạn\nabroad:\n  in_name: end\n", "utf-8")
    _, _, problems = load_lexicon(catalog)
    said = [f"{Path(p.file).name}:{p.line}: {p.message}" for p in problems]
    assert said == [
        "qualifiers.yaml:3: renew: 'ask' must be a list of phrases",
        "qualifiers.yaml:5: abroad: 'in_name' must be one of lead, tail, anywhere",
    ]
