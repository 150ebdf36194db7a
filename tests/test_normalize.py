"""Normalisation: NFC/NFD, accents, đ, punctuation, emoji, abbreviations, typos."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata

from bot.core.lexicon import Lexicon, Speller
from bot.core.normalize import clean, fold


def test_fold_handles_nfd_and_d_stroke() -> None:
    nfd = unicodedata.normalize("NFD", "Đăng ký khai sinh")
    assert fold(nfd) == "dang ky khai sinh"
    assert fold("ĐĂNG KÝ!!! 🎉 khai-sinh?") == "dang ky khai sinh"


def test_old_and_new_tone_placement_fold_alike() -> None:
    assert fold("hoá") == fold("hóa") == "hoa"


def test_clean_keeps_accents_and_splits_digits() -> None:
    assert clean("Làm CCCD mất 50k???") == "làm cccd mất 50 k"


def test_control_characters_and_huge_input_are_bounded() -> None:
    assert fold("a\x00b\u202ec") == "a b c"
    assert len(fold("x" * 100_000)) <= 2000


LEX = Lexicon.from_data(
    {
        "expand": {"cccd": "căn cước công dân", "đkkh": "đăng ký kết hôn", "ko": "không"},
        "ambiguous": {
            "hk": {"rules": [{"expand": "hộ khẩu", "near": ["nhap", "so"]}]},
            "ks": {"rules": [{"expand": "khai sinh", "near": ["dk", "lam"]}]},
        },
    }
)


def test_abbreviations_expand_and_ambiguous_need_context() -> None:
    assert LEX.rewrite(["lam", "cccd"]) == ["lam", "can", "cuoc", "cong", "dan"]
    assert LEX.rewrite(["nhap", "hk", "cho", "con"]) == ["nhap", "ho", "khau", "cho", "con"]
    assert LEX.rewrite(["hk", "nay", "em", "hoc", "gioi"]) == ["hk", "nay", "em", "hoc", "gioi"]
    assert LEX.rewrite(["dk", "ks"]) == ["dk", "khai", "sinh"]


def test_speller_repairs_telex_and_doubled_letters() -> None:
    sp = Speller(
        {"dang", "ky", "khai", "sinh", "chung", "thuc", "ban", "sao", "giay", "to", "tam", "tru"}
    )
    assert [sp.correct(t) for t in ["ddang", "kys", "khai", "sinhh"]] == [
        "dang",
        "ky",
        "khai",
        "sinh",
    ]
    assert [sp.correct(t) for t in ["chuwngs", "thuwcj", "banr", "sao", "giaays", "tos"]] == [
        "chung",
        "thuc",
        "ban",
        "sao",
        "giay",
        "to",
    ]
    assert [sp.correct(t) for t in ["tamj", "trus"]] == ["tam", "tru"]
    assert sp.correct("tui") == "tui"  # short words are never "corrected" into another word


def test_typo_repair_does_not_depend_on_the_hash_seed() -> None:
    """'hqua' is one letter from 'qua' and from 'hua': every worker must repair it the same way
    (it was 'qua' in one process and 'chua' in another, and a holdout answer flipped)."""
    code = "from bot.core.lexicon import Speller; print(Speller(['qua', 'hua', 'chua']).correct('hqua'))"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in range(8)
    }
    assert seen == {"qua"}
