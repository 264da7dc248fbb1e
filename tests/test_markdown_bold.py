"""Streamlit's markdown (CommonMark) closes ``**`` only when it is right-flanking: a closing ``**`` after punctuation
(‖, ), …) and before a letter stays literal on screen ("**‖∂L/∂hₜ‖**입니다"). No page or reading writes one."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("explorer/**/*.py")])
BOLD_THEN_WORD = re.compile(r"\*\*([^*\n]+)\*\*(\w)")


def stays_literal(text: str) -> list[str]:
    """The bold spans of ``text`` whose closing ** CommonMark would not close: punctuation or a symbol before it,
    a letter or digit after it."""
    out = []
    for m in BOLD_THEN_WORD.finditer(text):
        inner = m.group(1)
        if inner.endswith("}"):  # an f-string field: what it prints decides, checked on the rendered claims
            continue
        if unicodedata.category(inner[-1])[0] in "PS":
            out.append(m.group(0))
    return out


def test_the_rule_sees_the_cases_it_judges():
    assert stays_literal("**‖∂L/∂hₜ‖**입니다") == ["**‖∂L/∂hₜ‖**입"]
    assert stays_literal("**새로운 기억 g (게이트가 아님)**의") == ["**새로운 기억 g (게이트가 아님)**의"]
    assert stays_literal("**기울기 소실**입니다") == [] and stays_literal("**‖∂L/∂hₜ‖** 값") == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_bold_that_stays_literal(path):
    assert stays_literal(path.read_text(encoding="utf-8")) == []
