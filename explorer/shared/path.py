"""The path through chapter 6 of Deep Learning from Scratch 2, as data (no Streamlit): the ordered steps, each with
its page, its numbered title, one "what to try" line and the settings that line suggests (URL keys and values, as
``controls.parse_params`` reads them). The sidebar, each page's last lines and the tests read this one tuple.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .controls import (
    LANG,
    PAGE_CONTROLS,
    VIEW_CONTROLS,
    Settings,
    Text,
    View,
    consistent,
    controls_from_values,
    from_values,
    parse_params,
    query_items,
    specs,
    view_from_values,
    within_budget,
)


@dataclass(frozen=True)
class Step:
    """One step of the path: the page (its url_path in app.py), its title, and what to try there."""

    page: str
    title: Text
    try_line: Text
    settings: Mapping[str, str] = field(default_factory=dict)

    def label(self, number: int, lang: str) -> str:
        return f"{number}. {self.title[1 if lang == 'ko' else 0]}"


PATH: tuple[Step, ...] = (
    Step(
        "book",
        ("The book's experiment", "책의 실험"),
        (
            "Carry the book's setting into the app (N = 2, H = 3, T = 20, seed 3, its Wh, the norm ÷ N, the x axis "
            "from the loss): the next pages then start from the book's matrix, with a real forward pass and tanh.",
            "책의 설정(N = 2, H = 3, T = 20, 시드 3, 책의 Wh, 노름 ÷ N, 손실에서 거슬러 가는 가로축)을 앱에 "
            "적용하세요. 다음 페이지들이 책의 행렬에서 시작하고, 실제 순전파와 tanh가 더해집니다.",
        ),
        {
            "T": "20",
            "H": "3",
            "N": "2",
            "seed": "3",
            "scheme": "book",
            "norm": "book",
            "formulation": "dlfs2",
            "axis": "back",
        },
    ),
    Step(
        "rnn",
        ("Why: ρ, σ_max and tanh′", "왜: ρ, σ_max와 tanh′"),
        (
            "Take the book's Wh × 0.5: its largest singular value σ_max is still above 1 while its spectral radius "
            "ρ is below 1. Which one does the W_hh-only chain follow (Pascanu et al.'s condition)?",
            "책의 Wh × 0.5를 써 보세요. 가장 큰 특잇값 σ_max는 여전히 1보다 크고 스펙트럼 반경 ρ는 1보다 작습니다. "
            "W_hh 행렬 곱만 반복한 곡선은 어느 쪽을 따를까요 (Pascanu 등의 조건)?",
        ),
        {"scheme": "book", "scale": "0.5"},
    ),
    Step(
        "remedies",
        ("The book's remedies: clipping, truncated BPTT", "책의 대책: 기울기 클리핑, Truncated BPTT"),
        (
            "Clip at the book's max_grad = 0.25 and cut the backward every 5 steps: how far does the truncated "
            "gradient still reach?",
            "책의 max_grad = 0.25로 클리핑하고 역전파를 5 시각마다 끊어 보세요. 잘린 기울기는 얼마나 멀리 닿을까요?",
        ),
        {"threshold": "0.25", "block": "5"},
    ),
    Step(
        "lstm",
        ("The LSTM's cell path", "LSTM의 기억 셀 경로"),
        (
            "Open the forget gate: set its bias to +3 and compare the cell path ∏ f with the one at bias 0.",
            "망각 게이트를 여세요. 편향을 +3으로 놓고 셀 경로 ∏ f를 편향 0일 때와 비교해 보세요.",
        ),
        {"forget_bias": "3.0"},
    ),
    Step(
        "gru",
        ("The GRU", "GRU"),
        (
            "Write the GRU as the book does (z keeps the new state, so 1 − z keeps the old one) and raise the "
            "update-gate bias to +3: + keeps more in either formulation.",
            "GRU를 책처럼 써 보세요 (z가 새 상태를, 1 − z가 이전 상태를 넘깁니다). 업데이트 게이트 편향을 +3으로 "
            "올리면 어느 수식에서나 +가 더 많이 간직합니다.",
        ),
        {"formulation": "dlfs2", "update_bias": "3.0"},
    ),
    Step(
        "compare",
        ("The three side by side", "세 구조를 나란히"),
        (
            "Make the sequence longer, T = 200: which of the three still reaches the first step, with the gates "
            "as set and opened by +3?",
            "시퀀스를 T = 200으로 늘려 보세요. 설정한 게이트와 +3만큼 연 게이트에서 셋 중 어느 것이 아직 첫 "
            "시각까지 닿을까요?",
        ),
        {"T": "200"},
    ),
    Step(
        "lab",
        ("What training does", "학습이 하는 일"),
        (
            "Start the LSTM's forget gate closed, at bias 0 instead of +1, and press Train: does it still learn the "
            "lag, and how far back does its gradient reach at the end?",
            "LSTM의 망각 게이트 편향을 +1 대신 0으로 두고 **학습 시작**을 누르세요. 그래도 시차를 배우는지, 끝에서 "
            "기울기가 얼마나 멀리 닿는지 보세요.",
        ),
        {"lab_forget": "0.0"},
    ),
    Step(
        "model",
        ("Your own model", "내 모델"),
        (
            "Load the example trained from PyTorch's default init (forget gate not opened): has training opened "
            "its forget gate as far as in the other example's?",
            "PyTorch 기본 초기화(망각 게이트를 열지 않음)에서 학습한 예제를 불러오세요. 학습이 다른 예제만큼 망각 "
            "게이트를 열었을까요?",
        ),
        {"model_source": "T150_default"},
    ),
)

# A page's own controls as it opens without a link's values, where those are not their defaults: the "Your model"
# page opens its default example on what it was trained on (pages/model.py; explorer/model/data.EXAMPLE_TRAINING),
# so a link says so itself and the page need not rewrite the address (a second history entry)
ARRIVAL: dict[str, dict[str, str]] = {"model": {"model_input": "adding", "model_T": "150"}}

# Pages beside the path, for reference
REFERENCE: tuple[str, ...] = ("theory", "horizon")

NEXT: Text = ("Next →", "다음 →")
TRY: Text = ("Try this", "해 보기")
PATH_TITLE: Text = ("Chapter 6, step by step", "6장을 차례로")
REFERENCE_TITLE: Text = ("Reference", "참고")


def titles(lang: str) -> dict[str, str]:
    """The path's pages (url path -> numbered title in ``lang``)."""
    return {step.page: step.label(i + 1, lang) for i, step in enumerate(PATH)}


def step_of(page: str) -> int | None:
    """The index in ``PATH`` of ``page`` (a url_path; "home" is the compare page), None for a page off the path."""
    page = "compare" if page == "home" else page
    return next((i for i, s in enumerate(PATH) if s.page == page), None)


def canonical_query(values: Mapping[str, Any], lang: str, page: str) -> dict[str, str]:
    """The query the app writes for ``values`` (valid values by URL key, missing ones at their defaults) on
    ``page``: the settings as put in force (made consistent, within the memory budget), defaults left out."""
    settings, _ = consistent(from_values(values))
    settings, _ = within_budget(settings)
    view = view_from_values({c.key: values.get(c.key, c.default) for c in VIEW_CONTROLS})
    cls = PAGE_CONTROLS.get(page)
    own = None if cls is None else controls_from_values(cls, values)
    return query_items(settings, view, lang, page=page, own=own)


def with_settings(query: Mapping[str, str], step: Step) -> dict[str, str]:
    """``query`` (the canonical query of the view on ``step``'s page) with ``step``'s suggested settings applied,
    the others kept: the query that "what to try" opens."""
    values, _ = parse_params({**query, **step.settings})
    return canonical_query(values, str(values.get(LANG.key, LANG.default)), step.page)


def shared_query(settings: Settings, view: View, lang: str, page: str) -> dict[str, str]:
    """What a link to ``page`` carries: the shared settings, the shared view and the language (a page's own
    controls and toggles stay with their page): the query that page then writes itself."""
    shared = view_from_values({c.key: getattr(view, c.name) for c in specs(View) if c.page is None})
    values, _ = parse_params(ARRIVAL.get(page, {}))
    own = None if page not in ARRIVAL else controls_from_values(PAGE_CONTROLS[page], values)
    return query_items(settings, shared, lang, page=page, own=own)
