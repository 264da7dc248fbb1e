"""The lab's one-click presets and what was measured with them.

The IRNN preset (Le et al. 2015): the RNN with ReLU and W_hh = I at init, at a tenth of the lab's learning rate, on
the lab's task and lag. Its record (``irnn_preset.json``, written by ``python -m benchmarks.irnn --record``) holds,
per seed, what the IRNN and the tanh RNN beside it reached, and what the whole lab run cost; :class:`PresetClaim`
says it, and ``tests/checkers_lab.py`` trains seeds of the record again and compares.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

from ..shared.controls import LabControls, specs
from ..shared.i18n import josa, pick
from .claims import LEARNED, SOLVED

# the lab's controls the preset moves (field names of LabControls); everything else stays as set
IRNN_PRESET: dict[str, Any] = {"nonlinearity": "relu", "scheme": "identity", "lr": 0.002, "steps": 2000}
RECORD = Path(__file__).with_name("irnn_preset.json")


def widget_values(preset: dict[str, Any]) -> dict[str, Any]:
    """The preset as the lab's widgets hold it (keyed by widget key; number options as their text)."""
    spec = {s.name: s for s in specs(LabControls)}
    return {spec[k].key: spec[k].url_text(v) if spec[k].number else v for k, v in preset.items()}


@cache
def record() -> dict[str, Any]:
    """The measured record of the IRNN preset ({} if it cannot be read)."""
    try:
        data: dict[str, Any] = json.loads(RECORD.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # no record: the preset still works, its text is not shown
        return {}
    return data


def _span(values: list[float], fmt: str) -> str:
    lo, hi = min(values), max(values)
    a, b = format(lo, fmt), format(hi, fmt)
    return a if a == b else f"{a}–{b}"


@dataclass(frozen=True)
class PresetClaim:
    """What the IRNN preset was measured to do, over the record's seeds (at the record's settings only)."""

    data: dict[str, Any]

    def render(self, lang: str) -> str:
        tr, d = pick(lang), self.data
        s, seeds = d["settings"], d["seeds"]
        irnn, tanh = d["irnn"], d["tanh"]
        n = len(seeds)
        seed_text = f"{seeds[0]}–{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1)) else str(seeds)
        firsts = [r["first"] for r in irnn if r["first"] is not None]
        learned = sum(r["verdict"] == "learned" for r in irnn)
        partly = sum(r["verdict"] == "partly" for r in irnn)
        tanh_base = sum(r["verdict"] == "baseline" for r in tanh)
        ratios = _span([r["ratio"] for r in irnn], ".2g")
        solved = _span([100 * r["solved"] for r in irnn], ".0f")
        tanh_ratios = _span([r["ratio"] for r in tanh], ".2g")
        cost = d["seconds"]
        total = cost["rnn"] + cost["lstm"] + cost["gru"] + cost["tanh"]
        if firsts:
            first_en = (f"got to {LEARNED:g}× the baseline in {len(firsts)} of {n} seeds, after "
                        f"{_span(firsts, 'd')} steps, and ")  # fmt: skip
            first_ko = (
                f"{n}개 중 {len(firsts)}개 시드에서 {_span(firsts, 'd')} 스텝 뒤 기준선의 {LEARNED:g}배까지 내려갔고, "
            )
        else:
            first_en, first_ko = (
                f"never got to {LEARNED:g}× the baseline and ",
                f"기준선의 {LEARNED:g}배까지 내려간 적이 없고, ",
            )
        return tr(
            f"**IRNN preset**: the RNN with ReLU and W_hh = I at init (Le et al. 2015), learning rate "
            f"{s['lr']:g} (the lab's default is {d['default_lr']:g}), {s['steps']} steps; the rest as set. Measured "
            f"at the lab's defaults otherwise (adding problem, T = {s['T']}, H = {s['H']}, batch {s['batch']}, "
            f"clipping at norm {s['clip_at']:g}), seeds {seed_text} (benchmarks/irnn.py): the IRNN's loss (mean of the "
            f"last 50 steps) {first_en}ended at {ratios}× the baseline with {solved}% of the batch solved: learned "
            f"in {learned} and partly learned in {partly} of {n} by the lab's rule (≤ {LEARNED:g}× and ≥ "
            f"{100 * SOLVED:.0f}% solved). The tanh RNN at PyTorch's init with the same settings stayed at the "
            f"baseline in {tanh_base} of {n} ({tanh_ratios}×). Other lags, sizes and seeds were not measured. Cost: "
            f"{s['steps']} steps per model, about {total:.0f} s for the three models and the tanh RNN trained beside "
            f"them ({d['machine'][0]}). The LSTM and the GRU start from identity blocks in this preset too.",
            f"**IRNN 설정**: ReLU와 초기 W_hh = I인 RNN(Le 등 2015), 학습률 {s['lr']:g} (실험실 기본값 "
            f"{d['default_lr']:g}), {s['steps']} 스텝, 나머지는 현재 설정 그대로입니다. 그 밖에는 실험실 기본값(덧셈 "
            f"문제, T = {s['T']}, H = {s['H']}, 배치 {s['batch']}, 노름 {s['clip_at']:g} 클리핑)에서 "
            f"시드 {josa(seed_text, '으로/로')} 측정했습니다 (benchmarks/irnn.py). IRNN의 손실(최근 50 스텝 평균)은 "
            f"{first_ko}마지막에 기준선의 "
            f"{ratios}배, 배치의 {solved}% 맞힘이었습니다. 실험실의 기준(기준선의 {LEARNED:g}배 이하, "
            f"{100 * SOLVED:.0f}% 이상 맞힘)으로 {n}개 중 배움 {learned}개, 일부만 배움 {partly}개입니다. 같은 설정의 "
            f"tanh RNN(PyTorch 초기화)은 {n}개 중 {tanh_base}개가 기준선에 머물렀습니다 ({tanh_ratios}배). 다른 시차, "
            f"크기, 시드는 측정하지 않았습니다. 비용: 모델마다 {s['steps']} 스텝, 세 모델과 함께 학습하는 tanh RNN까지 "
            f"약 {total:.0f}초 ({d['machine'][1]}). 이 설정에서는 LSTM과 GRU도 단위 행렬 블록에서 시작합니다.",
        )


def preset_settings_fields() -> tuple[str, ...]:
    """The LabControls fields a record's settings hold."""
    return tuple(f.name for f in fields(LabControls))
