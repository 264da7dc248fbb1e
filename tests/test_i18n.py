"""explorer.shared.i18n: the language picker and Korean particles chosen by how the word before them is read aloud.

Every expected string is written out as a Korean reader says it (LSTM 엘에스티엠 → 은, GRU 지알유 → 는, 10 십 → 을,
1000 천 → 이, 3 삼 → 으로, 1 일 → 로 since a final ㄹ takes 로).
"""

from __future__ import annotations

import pytest

from explorer.shared.i18n import final_consonant, josa, pick


def test_pick():
    assert pick("ko")("yes", "네") == "네"
    assert pick("en")("yes", "네") == "yes"
    assert pick("fr")("yes", "네") == "yes"


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("LSTM", "은/는", "LSTM은"),  # 엠
        ("RNN", "은/는", "RNN은"),  # 엔
        ("GRU", "은/는", "GRU는"),  # 유
        ("LSTM", "과/와", "LSTM과"),
        ("RNN", "과/와", "RNN과"),
        ("GRU", "과/와", "GRU와"),
        ("LSTM", "을/를", "LSTM을"),
        ("RNN", "을/를", "RNN을"),
        ("GRU", "을/를", "GRU를"),
        ("LSTM", "이/가", "LSTM이"),
        ("GRU", "이/가", "GRU가"),
        ("LSTM", "으로/로", "LSTM으로"),
        ("GRU", "으로/로", "GRU로"),
        ("RNN", "으로/로", "RNN으로"),
    ],
)
def test_architectures(word, pair, expected):
    assert josa(word, pair) == expected


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("5460", "을/를", "5460을"),  # 오천사백육십 → 십
        ("2.1", "을/를", "2.1을"),  # 이 점 일
        ("10", "을/를", "10을"),  # 십
        ("100", "으로/로", "100으로"),  # 백
        ("1000", "이/가", "1000이"),  # 천
        ("3", "으로/로", "3으로"),  # 삼
        ("1", "으로/로", "1로"),  # 일: ㄹ takes 로
        ("0", "이/가", "0이"),  # 영
        ("2", "이/가", "2가"),  # 이
        ("4", "은/는", "4는"),  # 사
        ("6", "으로/로", "6으로"),  # 육
        ("7", "으로/로", "7로"),  # 칠
        ("9", "을/를", "9를"),  # 구
        ("20", "으로/로", "20으로"),  # 이십
        ("50", "으로/로", "50으로"),  # 오십
        ("10000", "이/가", "10000이"),  # 만
        ("100000000", "이/가", "100000000이"),  # 억
        ("2.0", "으로/로", "2.0으로"),  # 이 점 영
        ("0.05", "으로/로", "0.05로"),  # 영 점 영 오
        ("-3.0", "으로/로", "-3.0으로"),
        ("2147483647", "으로/로", "2147483647로"),  # … 칠
        ("12.1%", "을/를", "12.1%를"),  # 퍼센트
        ("99%", "이/가", "99%가"),
    ],
)
def test_numbers(word, pair, expected):
    assert josa(word, pair) == expected


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("기울기", "을/를", "기울기를"),
        ("사과", "을/를", "사과를"),
        ("행렬", "으로/로", "행렬로"),  # final ㄹ
        ("망각 게이트", "은/는", "망각 게이트는"),
        ("스펙트럼 반경", "이/가", "스펙트럼 반경이"),
        ("소실", "과/와", "소실과"),
        ("셀", "으로/로", "셀로"),
        ("손실", "을/를", "손실을"),
        ("입력", "으로/로", "입력으로"),
    ],
)
def test_hangul_words(word, pair, expected):
    assert josa(word, pair) == expected


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("**LSTM**", "은/는", "**LSTM**은"),  # markdown does not change the reading
        ("**GRU**", "은/는", "**GRU**는"),
        ("`f`", "은/는", "`f`는"),  # 에프
        ("(RNN)", "을/를", "(RNN)을"),
        ("‖∂L/∂h_t‖", "은/는", "‖∂L/∂h_t‖는"),  # read by what it holds: 티
        ("**LSTM** ‖∂L/∂c_t‖", "이/가", "**LSTM** ‖∂L/∂c_t‖가"),
        ("‖∂L/∂h_t‖", "을/를", "‖∂L/∂h_t‖를"),
        ("‖∂L/∂h_t‖", "과/와", "‖∂L/∂h_t‖와"),
        ("‖∂L/∂h_t‖", "으로/로", "‖∂L/∂h_t‖로"),
        ("‖∂L/∂h_(t−1)‖", "은/는", "‖∂L/∂h_(t−1)‖은"),  # 일
        ("‖∂L/∂h_{t−1}‖", "으로/로", "‖∂L/∂h_{t−1}‖로"),  # 일: ㄹ takes 로
        ("‖g‖", "은/는", "‖g‖는"),  # 지
        ("‖M‖", "이/가", "‖M‖이"),  # 엠
        ("LSTM ", "은/는", "LSTM 은"),
        ("ρ", "이/가", "ρ가"),  # 로
        ("σ_max", "이/가", "σ_max가"),  # 맥스
        ("W_hh", "은/는", "W_hh는"),  # 에이치
    ],
)
def test_markup_and_symbols(word, pair, expected):
    assert josa(word, pair) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("pytorch", "pytorch로"),
        ("relu", "relu로"),
        ("last", "last로"),
        ("True", "True로"),
        ("False", "False로"),
        ("time", "time으로"),  # 타임: final ㅁ
        ("book", "book으로"),  # 북: final ㄱ
        ("back", "back으로"),  # 백: final ㄱ
    ],
)
def test_the_apps_option_words(word, expected):
    """Option values the Korean notices quote (``{default}으로/로 둡니다``) are English words read as words."""
    assert josa(word, "으로/로") == expected


def test_final_consonant():
    assert final_consonant("강") == "ㅇ"
    assert final_consonant("가") == ""
    assert final_consonant("RNN") == "ㄴ"
    assert final_consonant("") == ""
    assert final_consonant("**") == ""
    assert josa("", "은/는") == "는"
