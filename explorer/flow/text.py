"""Fixed explanatory sentences that depend on how the chart is drawn (its orientation), in both languages.

The readings about a result are typed claims in explorer/flow/claims.py; these sentences describe the chart itself.
"""

from __future__ import annotations

from ..shared.i18n import Picker


def how_to_read(axis: str, tr: Picker, every: bool = False) -> str:
    """How a vanishing curve looks on a log axis, for the orientation shown; with a loss at every step (``every``),
    what a point then holds."""
    if every:
        return _how_to_read(axis, tr) + tr(
            " Here a loss sits at every step (Advanced: Where the loss sits), so each point also holds its own "
            "step's loss: a level curve does not mean that one loss's gradient reaches far back (the Gradient horizon "
            "page shows how far each loss reaches).",
            " 여기서는 손실이 모든 시각에 있습니다 (고급: 손실의 위치). 각 점에는 그 시각의 손실도 들어 "
            "있으므로, 곡선이 평평하다고 해서 한 손실의 기울기가 멀리까지 닿는다는 뜻은 아닙니다 (각 손실이 닿는 "
            "거리는 '기울기 지평선' 페이지에 있습니다).",
        )
    return _how_to_read(axis, tr)


def _how_to_read(axis: str, tr: Picker) -> str:
    if axis == "back":
        return tr(
            "The axis is logarithmic and counts steps back from the loss (0 at the loss, on the left), as the book's "
            "figure does: a straight **falling** line means the gradient shrinks by the same factor at every step "
            "back — it **vanishes**; a rising one **explodes**.",
            "세로축은 로그 눈금이고 가로축은 손실 위치(왼쪽의 0)에서 거슬러 간 시각 수입니다 (책의 그림처럼). 곧게 "
            "**내려가는** 선은 한 시각 거슬러 갈 때마다 기울기가 같은 비율로 줄어든다는 뜻, 곧 **기울기 소실**이고, "
            "올라가는 선은 **기울기 폭발**입니다.",
        )
    return tr(
        "The axis is logarithmic and runs in time, the loss at t = T on the right: a straight line that **rises** "
        "towards the loss (falls as you read leftwards, back in time) means the gradient shrinks by the same factor "
        "at every step back — it **vanishes**. Switch the x axis to the book's orientation in the sidebar (View).",
        "세로축은 로그 눈금이고 가로축은 시각이며 손실은 오른쪽 t = T에 있습니다. 손실 쪽으로 곧게 **올라가는** 선"
        "(왼쪽으로, 즉 과거로 읽으면 내려가는 선)은 한 시각 거슬러 갈 때마다 기울기가 같은 비율로 줄어든다는 뜻, 곧 "
        "**기울기 소실**입니다. 사이드바의 '보기'에서 책의 그림처럼 가로축을 바꿀 수 있습니다.",
    )
