"""Every control of the app, each declared once: its URL key, range, labels, and the core keyword it feeds.

One dataclass per owner, whose fields *are* the controls (``field(default=..., metadata={"spec": Spec(...)})``):
``Settings`` (the sidebar: what every computation depends on), ``View`` (how the flow pages show it), and each
page's own controls, ``RemedyControls``, ``LabControls`` and ``ModelControls``. From them come the widgets
(explorer/shared/ui.py), URL parsing and writing, the figure captions, and the keyword arguments of
``rc.init_layer`` (``layer_kwargs``).

Names: a field is named as the core names the concept (``T``, ``forget_bias``, ``nonlinearity``), on every page.
Its URL key (``Spec.key``, also its widget's state key) is the field name, except where the sidebar has the same
concept: then the page's control carries its page's prefix (``lab_H``, ``model_T``), so that it never moves the
sidebar's. Keys older than this rule stay canonical (``lag``, ``lab_forget``, ``lab_update``, ``lab_init``,
``lab_act``, ``model_act``, ``model_scale``) and the rule's spelling is an alias (``lab_T``, ``lab_forget_bias``,
``lab_update_bias``, ``lab_scheme``, ``lab_nonlinearity``, ``model_nonlinearity``, ``model_input_scale``), as are
the keys of earlier versions (``act``, ``gru_form``): shared links keep working.

Pure Python (no Streamlit).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar
from urllib.parse import urlencode

import recurrent_core as rc

from .i18n import josa

Text = tuple[str, str]  # (English, Korean)
KINDS = ("rnn", "lstm", "gru")


@dataclass(frozen=True)
class Spec:
    """How one control looks and behaves. ``name`` is its dataclass field, ``key`` its URL and widget key (the
    field name unless declared); both are filled in from the dataclass."""

    default: Any
    label: Text
    group: str
    help: Text = ("", "")
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    options: tuple[str, ...] = ()
    option_labels: Mapping[str, Text] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()  # URL keys of earlier versions, still read
    layer_arg: str | None = None  # the rc.init_layer keyword this control feeds
    kinds: tuple[str, ...] = KINDS  # the layer kinds it applies to
    page: str | None = None  # a page's own control (None: shared, in the sidebar)
    key: str = ""
    name: str = ""
    number: bool = False  # options are numbers written as text: the widget and URL show "0.02", the field holds 0.02
    # the control's own rule for a value that is not a finite number (instead of the generic "not a number")
    not_finite: Callable[[str], tuple[Any, Text | None]] | None = None

    def text(self, lang: str) -> tuple[str, str]:
        """(label, help) in ``lang`` ("en" or "ko")."""
        k = 1 if lang == "ko" else 0
        return self.label[k], self.help[k]

    def option_text(self, option: str, lang: str) -> str:
        """What the widget shows for ``option`` (the URL keeps the option itself)."""
        label = self.option_labels.get(option)
        return label[1 if lang == "ko" else 0] if label else option

    def value(self, raw: Any) -> Any:
        """The field's value for the widget's (or the parsed URL's) ``raw`` one."""
        return float(raw) if self.number else raw

    def url_text(self, value: Any) -> str:
        """How the URL writes the field's ``value``: the option it came from, ``true``/``false``, or the number."""
        if self.number:
            return next((o for o in self.options if float(o) == value), repr(value))
        return str(value).lower() if isinstance(value, bool) else str(value)

    @property
    def is_int(self) -> bool:
        return isinstance(self.default, int) and not isinstance(self.default, bool)

    @property
    def is_bool(self) -> bool:
        return isinstance(self.default, bool)


def control(default: Any, label: Text, group: str, **spec: Any) -> Any:
    """A dataclass field that declares a control (see ``Spec``): ``default`` as the widget holds it."""
    made = Spec(default, label, group, **spec)
    return field(default=made.value(default), metadata={"spec": made})


GROUPS: dict[str, Text] = {
    "sizes": ("Sequence and sizes", "시퀀스와 크기"),
    "init": ("Initialisation", "초기화"),
    "gates": ("Gates", "게이트"),
    "loss": ("Loss and norm", "손실과 노름"),
    "view": ("View", "보기"),
    "lab": ("Training lab", "학습 실험실"),
}

_SCHEME_HELP = (
    "pytorch: U(±1/√H); dlfs2: randn/√H; gaussian: N(0, scale²/H); orthogonal and identity times scale; "
    "book: the chapter 6 matrix, np.random.seed(seed); randn(H, H) × scale.",
    "pytorch: U(±1/√H), dlfs2: randn/√H, gaussian: N(0, 배율²/H), orthogonal·identity: 배율 × 직교·단위 행렬, "
    "book: 6장의 행렬 np.random.seed(seed); randn(H, H) × 배율.",
)


@dataclass(frozen=True)
class Settings:
    """What one computation depends on: the layers, the inputs, the loss and the norm over the batch."""

    T: int = control(
        50,
        ("Sequence length T", "시퀀스 길이 T"),
        "sizes",
        lo=1,
        hi=1000,
        step=1,
        help=("How many steps the gradient flows back through.", "기울기가 거슬러 올라가는 시각의 수."),
    )
    H: int = control(32, ("Hidden size H", "은닉 상태 크기 H"), "sizes", lo=1, hi=256, step=1, layer_arg="H")
    seed: int = control(
        0,
        ("Seed", "시드"),
        "sizes",
        lo=0,
        hi=2**31 - 1,
        step=1,
        layer_arg="seed",
        help=(
            "Draws the weights and the inputs; same seed, same run.",
            "가중치와 입력을 뽑는 난수 시드. 같은 시드면 같은 결과.",
        ),
    )
    N: int = control(1, ("Batch size N", "배치 크기 N"), "sizes", lo=1, hi=64, step=1)
    D: int = control(8, ("Input size D", "입력 크기 D"), "sizes", lo=1, hi=64, step=1, layer_arg="D")
    input_scale: float = control(
        1.0,
        ("Input scale", "입력값 배율 (표준편차)"),
        "sizes",
        lo=0.0,
        hi=5.0,
        step=0.1,
        help=("x ~ N(0, scale²); 0 feeds zeros.", "x ~ N(0, 배율²). 0이면 입력이 모두 0."),
    )
    scheme: str = control(
        "pytorch",
        ("Recurrent init W_hh (scheme)", "순환 가중치 W_hh 초기화 (scheme)"),
        "init",
        options=rc.SCHEMES,
        layer_arg="scheme",
        help=_SCHEME_HELP,
    )
    scale: float = control(
        1.0,
        ("Init scale (gain)", "초기화 배율"),
        "init",
        lo=0.0,
        hi=3.0,
        step=0.05,
        layer_arg="scale",
        help=("Used by gaussian, orthogonal, identity and book.", "gaussian, orthogonal, identity, book에서 쓰입니다."),
    )
    set_rho: bool = control(
        False,
        ("Set the spectral radius ρ(W_hh)", "스펙트럼 반경 ρ(W_hh) 지정"),
        "init",
        help=(
            "Rescale W_hh (each gate block for LSTM/GRU) to the ρ below.",
            "W_hh(LSTM/GRU는 게이트 블록마다)를 아래 ρ가 되도록 다시 조정합니다.",
        ),
    )
    rho: float = control(
        1.0,
        ("Target spectral radius ρ", "목표 스펙트럼 반경 ρ"),
        "init",
        lo=0.05,
        hi=3.0,
        step=0.05,
        layer_arg="spectral_radius",
    )
    nonlinearity: str = control(
        "tanh",
        ("RNN activation (nonlinearity)", "RNN 활성화 함수 (nonlinearity)"),
        "init",
        options=("tanh", "relu"),
        aliases=("act",),
        layer_arg="nonlinearity",
        kinds=("rnn",),
    )
    forget_bias: float = control(
        0.0,
        ("LSTM forget-gate bias (added)", "LSTM 망각 게이트 편향 (더함)"),
        "gates",
        lo=-3.0,
        hi=6.0,
        step=0.5,
        layer_arg="forget_bias",
        kinds=("lstm",),
        help=(
            "+1 is Jozefowicz et al.'s advice; + keeps more of the cell.",
            "+1은 Jozefowicz 등(2015)의 권장값. +일수록 기억 셀을 더 오래 유지합니다.",
        ),
    )
    update_bias: float = control(
        0.0,
        ("GRU update-gate bias (added; + keeps more)", "GRU 업데이트 게이트 편향 (더함, +일수록 더 유지)"),
        "gates",
        lo=-3.0,
        hi=6.0,
        step=0.5,
        layer_arg="update_bias",
        kinds=("gru",),
        help=(
            "Added to the gate that keeps the old state, so + keeps more in either "
            "formulation: PyTorch's z, the book's 1 − z.",
            "이전 상태를 그대로 넘기는 비율(PyTorch의 z, 책의 1 − z)에 더하므로 어느 수식에서든 +일수록 더 유지합니다.",
        ),
    )
    formulation: str = control(
        "pytorch",
        ("GRU formulation", "GRU 수식"),
        "gates",
        options=("pytorch", "dlfs2"),
        aliases=("gru_form",),
        layer_arg="formulation",
        kinds=("gru",),
        option_labels={"dlfs2": ("dlfs2 (book)", "dlfs2 (책)")},
        help=(
            "pytorch: reset after W_hn, h = (1−z)n + z h; dlfs2 (the book): reset before, h = (1−z)h + z h̃.",
            "pytorch: W_hn 뒤에 리셋, h = (1−z)n + z h. dlfs2(책): 앞에 리셋, h = (1−z)h + z h̃.",
        ),
    )
    loss: str = control(
        "last",
        ("Where the loss sits", "손실의 위치"),
        "loss",
        options=("last", "every"),
        option_labels={"last": ("last step", "마지막 시각"), "every": ("every step", "모든 시각")},
        help=(
            "last: L = Σ h_T, as in the book; every: L = Σ_t Σ h_t.",
            "last: 책처럼 L = Σ h_T (마지막 시각만). every: L = Σ_t Σ h_t.",
        ),
    )
    norm: str = control(
        "l2",
        ("Norm over the batch", "배치에 대한 노름"),
        "loss",
        options=("l2", "book", "mean"),
        help=(
            "l2: Frobenius over the batch; book: that ÷ N (DLFS2); mean: mean of per-sample norms.",
            "l2: 배치 전체의 프로베니우스 노름. book: 그것을 N으로 나눈 값(책). mean: 샘플별 노름의 평균.",
        ),
    )

    def as_dict(self) -> dict[str, Any]:
        return {c.key: getattr(self, c.key) for c in CONTROLS}

    def caption(self, keys: Collection[str] | None = None) -> dict[str, Any]:
        """The settings a figure depends on, by their control keys: for titles, CSV headers and file names.

        ``scale`` only where the scheme uses it, ``rho`` only when it is set; ``set_rho`` is implied by ``rho``;
        ``keys``: only these (the controls that change the page, ``PAGE_SIDEBAR``).
        """
        out: dict[str, Any] = {}
        for c in CONTROLS:
            if keys is not None and c.key not in keys:
                continue
            if c.key == "set_rho" or (c.key == "rho" and not self.set_rho):
                continue
            if c.key == "scale" and self.scheme not in SCALED_SCHEMES:
                continue
            out[c.key] = getattr(self, c.key)
        return out


@dataclass(frozen=True)
class View:
    """How the flow pages show their results (not part of any computation): the x axis (in the sidebar) and the
    compare, LSTM and GRU pages' own toggles."""

    axis: str = control(
        "time",
        ("x axis", "가로축"),
        "view",
        options=("time", "back"),
        option_labels={
            "time": ("time step t", "시각 t"),
            "back": ("steps back from the loss (book)", "손실에서 거슬러 간 시각 수 (책)"),
        },
        help=(
            "time: t = 0 … T, the loss on the right. back: 0 at the loss, counting backward steps "
            "to the right, as the book's figure does.",
            "time: t = 0 … T, 손실은 오른쪽. back: 손실 위치가 0이고 오른쪽으로 갈수록 거슬러 간 "
            "시각 수가 늘어납니다 (책의 그림처럼).",
        ),
    )
    slide: bool = control(
        False,
        ("Slide view (projector)", "슬라이드 보기 (프로젝터)"),
        "view",
        help=(
            "One chart per screen at 16:9 with large type, the settings in a small footer, the sidebar folded; "
            "PNG and SVG downloads are 16:9 slides (PNG 1920 × 1080). The link keeps it.",
            "화면마다 그래프 하나를 16:9, 큰 글씨로 보여 주고 설정은 아래에 작게 적습니다. 사이드바는 접힙니다. "
            "PNG·SVG도 16:9 슬라이드로 받습니다 (PNG 1920 × 1080). 링크에도 남습니다.",
        ),
    )
    show_open: bool = control(
        True,
        ("Also show LSTM and GRU with their gates opened (bias +3)", "게이트를 연 LSTM·GRU도 표시 (편향 +3)"),
        "view",
        page="compare",
    )
    band: bool = control(
        False, ("Range over 10 seeds (slower)", "시드 10개에 대한 범위 (느림)"), "view", page="compare"
    )
    lstm_gates: str = control(
        "band",
        ("Show the gates as", "게이트 표시 방식"),
        "view",
        options=("band", "heatmap"),
        option_labels={"band": ("per-step mean ± spread", "시각별 평균 ± 범위"), "heatmap": ("heatmaps", "히트맵")},
        page="lstm",
    )
    gru_gates: str = control(
        "band",
        ("Show the gates as", "게이트 표시 방식"),
        "view",
        options=("band", "heatmap"),
        option_labels={"band": ("per-step mean ± spread", "시각별 평균 ± 범위"), "heatmap": ("heatmaps", "히트맵")},
        page="gru",
    )


# ---------------------------------------------------------------------------- the Remedies page's input rules
DEFAULT_THRESHOLD = 1.0


def safe_threshold(value: object) -> tuple[float, Text | None]:
    """A usable clipping threshold from ``value`` (> 0 and finite), and a notice if it had to change."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = math.nan
    if math.isfinite(v) and v > 0:
        return v, None
    shown = _clean(value, 20)
    return DEFAULT_THRESHOLD, (
        f"The clipping threshold θ = {shown} is not a number above 0: using {DEFAULT_THRESHOLD:g}.",
        f"클리핑 임곗값은 0보다 큰 수여야 합니다 (입력: {shown}). {josa(f'{DEFAULT_THRESHOLD:g}', '을/를')} 씁니다.",
    )


def safe_block(k: object, T: int) -> tuple[int, Text | None]:
    """A usable block length 1 … T from ``k``, and a notice if it had to change."""
    try:
        v = float(k)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = math.nan
    if not math.isfinite(v) or v < 1:
        return min(T, 1), (
            f"The block length k must be a whole number ≥ 1 (got {str(k)[:20]}): using k = 1.",
            f"블록 길이 k는 1 이상의 정수여야 합니다 (입력: {str(k)[:20]}). k = 1을 씁니다.",
        )
    if v > T:
        return T, (
            f"The block length k = {int(v)} is longer than the sequence (T = {T}): using k = T, one block: full BPTT "
            "over the sequence, except that nothing flows on into h_0 (t = 0).",
            f"블록 길이 k = {josa(str(int(v)), '이/가')} 시퀀스(T = {T})보다 깁니다. k = T, 곧 블록 하나를 씁니다. "
            "시퀀스 안에서는 전체 BPTT와 같지만 h_0(t = 0)으로는 기울기가 가지 않습니다.",
        )
    if v != round(v):
        return round(v), (
            f"The block length k must be a whole number (got {v:g}): using k = {round(v)}.",
            f"블록 길이 k는 정수여야 합니다 (입력: {v:g}). k = {josa(str(round(v)), '을/를')} 씁니다.",
        )
    return int(v), None


@dataclass(frozen=True)
class RemedyControls:
    """The Remedies page's own controls: which architecture, the clipping kind and threshold, the truncation block,
    the initialisation preset."""

    kind: str = control(
        "rnn",
        ("Architecture", "구조"),
        "view",
        options=("rnn", "lstm", "gru"),
        option_labels={"rnn": ("RNN", "RNN"), "lstm": ("LSTM", "LSTM"), "gru": ("GRU", "GRU")},
        page="remedies",
        key="remedy_kind",
    )
    clip_kind: str = control(
        "global",
        ("Clipping kind", "클리핑 방식"),
        "view",
        options=("global", "elementwise"),
        option_labels={
            "global": ("global norm (the book's clip_grads)", "전체 노름 (책의 clip_grads)"),
            "elementwise": ("element-wise (min-char-rnn)", "원소별 (min-char-rnn)"),
        },
        page="remedies",
    )
    threshold: float = control(
        1.0,
        ("Clipping threshold θ", "클리핑 임곗값 θ"),
        "view",
        lo=0.01,
        hi=100.0,
        step=0.01,
        page="remedies",
        not_finite=safe_threshold,  # ?threshold=nan / inf: the page's own notice and θ = 1
        help=(
            "Global: the largest allowed ‖g‖ (the book uses max_grad = 0.25); element-wise: each entry to ±θ "
            "(min-char-rnn uses 5).",
            "전체 노름: 허용하는 최대 ‖g‖ (책은 max_grad = 0.25). 원소별: 각 원소를 ±θ로 자릅니다 (min-char-rnn은 5).",
        ),
    )
    block: int = control(
        10,
        ("Truncated BPTT block length k", "Truncated BPTT 블록 길이 k"),
        "view",
        lo=1,
        hi=1000,
        step=1,
        page="remedies",
        help=(
            "The book's time_size: the gradient is cut every k steps from the start; the hidden state is carried.",
            "책의 time_size: 처음부터 k 시각마다 기울기를 끊습니다. 은닉 상태는 그대로 이어집니다.",
        ),
    )
    init_preset: str = control(
        "irnn",
        ("Initialisation preset", "초기화 설정"),
        "view",
        options=("irnn", "orthogonal", "chrono", "tanh_relu"),
        option_labels={
            "irnn": ("IRNN: identity W_hh + ReLU", "IRNN: 단위 행렬 W_hh + ReLU"),
            "orthogonal": ("orthogonal W_hh", "직교 W_hh"),
            "chrono": ("chrono init (LSTM, GRU)", "chrono 초기화 (LSTM, GRU)"),
            "tanh_relu": ("tanh vs ReLU at the same ρ", "같은 ρ에서 tanh와 ReLU"),
        },
        page="remedies",
    )


# the lab's default run, declared once in rc.TrainConfig (chosen by benchmarks/sweep.py)
_LAB = rc.LAB_DEFAULTS


@dataclass(frozen=True)
class LabControls:
    """The training lab's own controls, named as ``rc.train`` names them (defaults: rc.LAB_DEFAULTS, chosen by
    benchmarks/sweep.py). ``lr`` and ``weight_decay`` are numbers: the widget and the URL show them as the option
    text (``"0.02"``)."""

    task: str = control(
        _LAB["task"],
        ("Task", "과제"),
        "lab",
        options=("adding", "first"),
        option_labels={
            "adding": ("adding problem (sum of the two marked values)", "덧셈 문제 (표시된 두 값의 합)"),
            "first": ("first symbol (recall the first input)", "첫 기호 (첫 입력 기억하기)"),
        },
        page="lab",
        key="lab_task",
    )
    T: int = control(
        _LAB["T"],
        ("Lag T (sequence length)", "시차 T (시퀀스 길이)"),
        "lab",
        lo=5,
        hi=150,
        step=5,
        help=("How many steps the model must carry the information.", "모델이 정보를 몇 시각 동안 들고 가야 하는지."),
        page="lab",
        key="lag",
        aliases=("lab_T",),
    )
    H: int = control(
        _LAB["H"], ("Hidden size H", "은닉 상태 크기 H"), "lab", lo=4, hi=128, step=4, page="lab", key="lab_H"
    )
    batch: int = control(
        _LAB["batch"], ("Batch size", "배치 크기"), "lab", lo=4, hi=128, step=4, page="lab", key="lab_batch"
    )
    steps: int = control(
        _LAB["steps"], ("Training steps", "학습 스텝 수"), "lab", lo=50, hi=3000, step=50, page="lab", key="lab_steps"
    )
    seed: int = control(0, ("Seed", "시드"), "lab", lo=0, hi=99, step=1, page="lab", key="lab_seed")
    clip: str = control(
        _LAB["clip"][0],
        ("Gradient clipping", "기울기 클리핑"),
        "lab",
        options=("none", "norm", "value"),
        option_labels={
            "none": ("none", "없음"),
            "norm": ("by global norm", "전체 노름 기준"),
            "value": ("each element", "원소별"),
        },
        page="lab",
    )
    clip_at: float = control(
        _LAB["clip"][1], ("Clipping threshold", "기울기 클리핑 임곗값"), "lab", lo=0.05, hi=10.0, step=0.05, page="lab"
    )
    truncate: int = control(
        _LAB["truncate"] or 0,
        ("Truncated BPTT block (0 = full BPTT)", "Truncated BPTT (잘린 BPTT) 블록 (0 = 전체 BPTT)"),
        "lab",
        lo=0,
        hi=150,
        step=5,
        help=(
            "The gradient is cut every this many steps; the hidden state is carried on.",
            "이 시각 수마다 기울기를 끊습니다. 은닉 상태는 그대로 이어집니다.",
        ),
        page="lab",
    )
    forget_bias: float = control(
        _LAB["gate_bias"]["lstm"]["forget_bias"],
        ("LSTM forget-gate bias", "LSTM 망각 게이트 편향"),
        "lab",
        lo=-2.0,
        hi=5.0,
        step=0.5,
        page="lab",
        key="lab_forget",
        aliases=("lab_forget_bias",),
    )
    update_bias: float = control(
        _LAB["gate_bias"]["gru"]["update_bias"],
        ("GRU keep bias (update gate)", "GRU 유지 편향 (업데이트 게이트)"),
        "lab",
        lo=-2.0,
        hi=5.0,
        step=0.5,
        help=(
            "Added to the gate that passes h_{t-1} on (PyTorch's z, the book's 1 − z).",
            "이전 상태를 그대로 넘기는 비율 (PyTorch의 z, 책의 1 − z)의 편향에 더합니다.",
        ),
        page="lab",
        key="lab_update",
        aliases=("lab_update_bias",),
    )
    scheme: str = control(
        "pytorch",
        ("Initialisation", "초기화"),
        "lab",
        options=("pytorch", "dlfs2", "orthogonal", "identity"),
        page="lab",
        key="lab_init",
        aliases=("lab_scheme",),
    )
    nonlinearity: str = control(
        "tanh",
        ("RNN activation", "RNN 활성화 함수"),
        "lab",
        options=("tanh", "relu"),
        page="lab",
        key="lab_act",
        aliases=("lab_nonlinearity",),
    )
    optimizer: str = control(_LAB["optimizer"], ("Optimizer", "옵티마이저"), "lab", options=("adam", "sgd"), page="lab")
    lr: float = control(
        f"{_LAB['lr']:g}",
        ("Learning rate", "학습률"),
        "lab",
        options=("0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1.0"),
        page="lab",
        number=True,
    )
    weight_decay: float = control(
        "0",
        ("Weight decay", "가중치 감소"),
        "lab",
        options=("0", "1e-5", "1e-4", "1e-3", "1e-2"),
        help=(
            "L2: λ·w added to the gradient before the optimizer's step (torch.optim's weight_decay; not AdamW).",
            "L2: 옵티마이저 갱신 전에 기울기에 λ·w를 더합니다 (torch.optim의 weight_decay, AdamW 아님).",
        ),
        page="lab",
        number=True,
    )


@dataclass(frozen=True)
class ModelControls:
    """The "Your model" page's own controls: which model, and the input and loss it is analysed on (named as the
    sidebar names the same concepts)."""

    source: str = control(
        "T150_open",
        ("Model", "모델"),
        "view",
        page="model",
        options=("T150_open", "T150_default", "T250_open", "upload"),
        option_labels={
            "T150_open": (
                "example: LSTM, adding problem T=150, forget bias +3 at init",
                "예제: LSTM, 덧셈 문제 T=150, 초기 망각 게이트 편향 +3",
            ),
            "T150_default": (
                "example: LSTM, adding problem T=150, PyTorch's default init",
                "예제: LSTM, 덧셈 문제 T=150, PyTorch 기본 초기화",
            ),
            "T250_open": (
                "example: LSTM, adding problem T=250, forget bias +3 at init",
                "예제: LSTM, 덧셈 문제 T=250, 초기 망각 게이트 편향 +3",
            ),
            "upload": (
                "upload a weights file (.safetensors, .npz, .keras, .h5, .onnx)",
                "가중치 파일 올리기 (.safetensors, .npz, .keras, .h5, .onnx)",
            ),
        },
        key="model_source",
    )
    input: str = control("random",
        ("Input", "입력"),
        "view",
        page="model",
        options=("random", "adding", "file", "rows", "onehot"),
        option_labels={
            "random": ("random N(0, scale²)", "무작위 N(0, 배율²)"),
            "adding": ("adding problem (D = 2)", "덧셈 문제 (D = 2)"),
            "file": ("upload .npy / .csv", ".npy / .csv 올리기"),
            "rows": (
                "rows of a matrix in the file (an embedding table) at ids",
                "파일 속 행렬의 행 (임베딩 표), id로 고르기",
            ),
            "onehot": ("one-hot ids (D = vocabulary size)", "원-핫 id (D = 어휘 크기)"),
        },
        help=("The adding problem: channel 0 ~ U[0, 1), channel 1 marks one step in each half (the examples' task).",
              "덧셈 문제: 채널 0 ~ U[0, 1), 채널 1은 앞·뒤 절반에서 한 시각씩 표시 (예제 모델의 과제)."),
        key="model_input",
    )  # fmt: skip
    T: int = control(
        100, ("Input length T", "입력 길이 T"), "view", page="model", lo=1, hi=1000, step=1, key="model_T",
        help=("Steps of the random input (an uploaded input keeps its own).",
              "무작위 입력의 시각 수 (올린 입력은 자신의 길이를 씁니다)."),
    )  # fmt: skip
    N: int = control(1, ("Batch size N", "배치 크기 N"), "view", page="model", lo=1, hi=64, step=1, key="model_N")
    input_scale: float = control(
        1.0, ("Input scale", "입력값 배율 (표준편차)"), "view", page="model", lo=0.0, hi=5.0, step=0.1,
        help=("x ~ N(0, scale²).", "x ~ N(0, 배율²)."), key="model_scale", aliases=("model_input_scale",)
    )  # fmt: skip
    seed: int = control(
        0,
        ("Seed (input and fresh init)", "시드 (입력과 새 초기화)"),
        "view",
        page="model",
        lo=0,
        hi=2**31 - 1,
        step=1,
        key="model_seed",
    )
    loss: str = control(
        "last",
        ("Where the loss sits", "손실의 위치"),
        "view",
        page="model",
        options=("last", "every"),
        option_labels={"last": ("last step", "마지막 시각"), "every": ("every step", "모든 시각")},
        key="model_loss",
    )
    unit: int = control(-1,
        ("Output unit of the loss (−1: all)", "손실을 둘 출력 유닛 (−1: 전체)"),
        "view",
        page="model",
        lo=-1,
        hi=4095,
        step=1,
        help=("An index into the module's output (dirs·H units), or −1 for every unit.",
              "모듈 출력(dirs·H개 유닛)의 번호. −1이면 모든 유닛."), key="model_unit"
    )  # fmt: skip
    nonlinearity: str = control(
        "tanh",
        ("RNN activation of the file", "파일 RNN의 활성화 함수"),
        "view",
        page="model",
        options=("tanh", "relu"),
        help=(
            "A file cannot say whether an nn.RNN used tanh or relu.",
            "파일만으로는 nn.RNN이 tanh인지 relu인지 알 수 없습니다.",
        ),
        key="model_act",
        aliases=("model_nonlinearity",),
    )
    spectra: bool = control(
        False,
        ("Eigenvalues of every W_hh block (slow for large H)", "모든 W_hh 블록의 고윳값 (H가 크면 느림)"),
        "view",
        page="model",
        key="model_spectra",
    )


_SPECS: dict[type, tuple[Spec, ...]] = {}  # a class's declaration never changes; pages ask ~70 times a run


def specs(cls: type) -> tuple[Spec, ...]:
    """The controls a dataclass of this module declares, in field order."""
    found = _SPECS.get(cls)
    if found is None:
        found = _SPECS[cls] = tuple(
            replace(f.metadata["spec"], name=f.name, key=f.metadata["spec"].key or f.name) for f in fields(cls)
        )
    return found


CONTROLS: tuple[Spec, ...] = specs(Settings)
# each page's own controls, by the page that draws them
PAGE_CONTROLS: dict[str, type] = {"remedies": RemedyControls, "lab": LabControls, "model": ModelControls}
# every control that is not a Settings one: the View's and every page's
VIEW_CONTROLS: tuple[Spec, ...] = (*specs(View), *(c for cls in PAGE_CONTROLS.values() for c in specs(cls)))
# The page language: in the URL like the others (?lang=ko); the button shows the language's own name.
LANG = Spec(
    "en",
    ("Language · 언어", "Language · 언어"),
    "view",
    options=("en", "ko"),
    option_labels={"en": ("English", "English"), "ko": ("한국어", "한국어")},
    key="lang",
)
# ------------------------------------------------------------------------------------ which page shows which
# The sidebar's controls: the settings and the x axis (a page's own toggles sit on the page)
SIDEBAR: tuple[Spec, ...] = (*CONTROLS, *(v for v in VIEW_CONTROLS if v.page is None))


@dataclass(frozen=True)
class PageSidebar:
    """The sidebar's controls that change what one page draws (keys): ``main`` shown, ``advanced`` folded under
    "Advanced"; ``note``: a line for a page whose own controls are on the page. Every other control is hidden there,
    and kept (in the session, the URL and the link) for the pages that use it."""

    main: tuple[str, ...] = ()
    advanced: tuple[str, ...] = ()
    note: Text | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return (*self.main, *self.advanced)


_SIZES = ("T", "H", "N", "seed")  # the book's experiment names all four (N = 2, H = 3, T = 20, seed 3)
_INPUTS = ("D", "input_scale")
_INIT = ("scheme", "scale", "set_rho", "rho")
_KEPT = (
    "The other settings of the sidebar are kept for the other pages.",
    "사이드바의 다른 설정은 다른 페이지를 위해 그대로 둡니다.",
)
# What each page's data reads (tests/test_page_controls.py fails when a page depends on a control not listed for it,
# or lists one that changes nothing): the RNN page builds no LSTM or GRU, the horizon maps put the loss at every
# step whatever ``loss`` says and have no x axis, the Theory page's parameter table reads D and H, the lab's and
# the model's heatmaps follow the sidebar's x axis.
PAGE_SIDEBAR: dict[str, PageSidebar] = {
    "compare": PageSidebar(
        main=(*_SIZES, "forget_bias", "update_bias", "axis"),
        advanced=(*_INPUTS, *_INIT, "nonlinearity", "formulation", "loss", "norm"),
    ),
    "rnn": PageSidebar(main=(*_SIZES, *_INIT, "nonlinearity", "axis"), advanced=(*_INPUTS, "loss", "norm")),
    "lstm": PageSidebar(main=(*_SIZES, "forget_bias", "axis"), advanced=(*_INPUTS, *_INIT, "loss", "norm")),
    "gru": PageSidebar(
        main=(*_SIZES, "update_bias", "formulation", "axis"), advanced=(*_INPUTS, *_INIT, "loss", "norm")
    ),
    "horizon": PageSidebar(
        main=(*_SIZES, "forget_bias", "update_bias"),
        advanced=(*_INPUTS, *_INIT, "nonlinearity", "formulation", "norm"),
    ),
    "remedies": PageSidebar(
        main=(*_SIZES, *_INIT, "nonlinearity", "loss"),
        advanced=(*_INPUTS, "forget_bias", "update_bias", "formulation", "norm", "axis"),
    ),
    "theory": PageSidebar(
        main=("D", "H"),
        note=(
            "D and H set the parameter-count table. " + _KEPT[0],
            "D와 H는 매개변수 수 표를 정합니다. " + _KEPT[1],
        ),
    ),
    "lab": PageSidebar(
        main=("axis",),
        note=(
            "The lab's own controls (lag T, H, seed, …) are on the page; the x axis orients its heatmaps. " + _KEPT[0],
            "학습 실험실의 설정(시차 T, H, 시드 …)은 페이지에 있고, 가로축은 히트맵의 방향을 정합니다. " + _KEPT[1],
        ),
    ),
    "model": PageSidebar(
        main=("axis",),
        note=(
            "This page's own controls (model, input, T, N, seed, …) are on the page; the x axis orients its charts. "
            + _KEPT[0],
            "이 페이지의 설정(모델, 입력, T, N, 시드 …)은 페이지에 있고, 가로축은 그래프의 방향을 정합니다. "
            + _KEPT[1],
        ),
    ),
    "book": PageSidebar(
        note=(
            "This page draws the book's own experiment, with its fixed settings. " + _KEPT[0],
            "이 페이지는 책의 실험을 책의 고정된 설정으로 그립니다. " + _KEPT[1],
        )
    ),
}
PAGE_PATHS = {"": "book", "home": "compare"}  # app.py's url paths that are another page's name


def page_sidebar(page: str | None) -> PageSidebar:
    """The sidebar of the page at ``page`` (a name or app.py's url path); None or a page not declared shows every
    control."""
    name = None if page is None else PAGE_PATHS.get(page, page)
    return PAGE_SIDEBAR.get(name or "", PageSidebar(main=tuple(c.key for c in SIDEBAR)))


LANG_ALIASES = {"en": "en", "english": "en", "ko": "ko", "kr": "ko", "kor": "ko", "korean": "ko", "한국어": "ko"}
BY_KEY: dict[str, Spec] = {c.key: c for c in (*CONTROLS, *VIEW_CONTROLS, LANG)}
ALIASES: dict[str, str] = {alias: c.key for c in BY_KEY.values() for alias in c.aliases}
SCALED_SCHEMES = ("gaussian", "orthogonal", "identity", "book")

# Added to links by messengers and ad networks; never a setting, so dropped without a word.
TRACKING_PREFIXES = ("utm_",)
TRACKING_KEYS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "yclid",
        "_ga",
        "_gl",
        "ref_src",
        "si",
    }
)

# The largest forward+backward tape one view may hold; the computations running at once hold at most two such
# (explorer/shared/work.py BUDGET_BYTES), so this bounds the server's working memory. Community Cloud gives as little
# as ~690 MB per app.
MEMORY_BUDGET_BYTES = 96 * 1024 * 1024
# float64 arrays per (step, sample, unit) an LSTM run keeps: hs, cs, tanh(c), 4 gates, 4 backward coefficients,
# dh, dc, log-domain temporaries (measured peak: 16.6 at T=1000, H=256); RNN and GRU keep fewer, so the LSTM's
# count bounds every view.
_ARRAYS_PER_UNIT = 18


def tape_bytes(T: int, N: int, H: int) -> int:
    return _ARRAYS_PER_UNIT * 8 * T * N * H


def max_batch(T: int, H: int) -> int:
    return max(1, MEMORY_BUDGET_BYTES // (_ARRAYS_PER_UNIT * 8 * T * H))


# ------------------------------------------------------------------------------------------------ URL parsing
def _clean(text: object, limit: int = 40, code: bool = False) -> str:
    """Untrusted text made safe to quote in a notice: printable, no markdown code or HTML characters, short.
    ``code``: it is shown inside a `code span`, where markdown's * _ [ ] are literal and so are kept (update_bias)."""
    banned = "`<>" if code else "`\\<>*_[]"
    s = "".join(ch for ch in str(text) if ch.isprintable() and ch not in banned)
    return s[:limit] + ("…" if len(s) > limit else "")


def coerce(spec: Spec, raw: object) -> tuple[Any, Text | None]:
    """A valid value for ``spec`` from an untrusted ``raw`` one, and a notice (en, ko) if it had to change."""
    name = spec.key
    if isinstance(raw, (list, tuple)):
        raw = raw[-1] if raw else ""
    text = str(raw).strip()
    shown = _clean(text)
    if spec is LANG:
        code = LANG_ALIASES.get(text.lower())
        if code:
            return code, None
        return "en", (
            f"`lang={shown}` is not a language of this app (en, ko): using English.",
            f"`lang={shown}`: 이 앱의 언어(en, ko)가 아닙니다. English로 표시합니다.",
        )
    if spec.options:
        if text in spec.options:
            return text, None
        listed = ", ".join(spec.options)
        return spec.default, (
            f"`{name}={shown}` is not one of {listed}: using {spec.default}.",
            f"`{name}={shown}`: {listed} 중 하나가 아닙니다. {josa(str(spec.default), '으로/로')} 둡니다.",
        )
    if spec.is_bool:
        lowered = text.lower()
        if lowered in ("true", "1", "yes", "on"):
            return True, None
        if lowered in ("false", "0", "no", "off"):
            return False, None
        return spec.default, (
            f"`{name}={shown}` is not true or false: using {spec.default}.",
            f"`{name}={shown}`: true나 false가 아닙니다. {josa(str(spec.default), '으로/로')} 둡니다.",
        )
    assert spec.lo is not None and spec.hi is not None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if spec.not_finite is not None and not math.isfinite(value):
        return spec.not_finite(shown)
    if math.isnan(value):
        return spec.default, (
            f"`{name}={shown}` is not a number: using the default {spec.default}.",
            f"`{name}={shown}`: 숫자가 아닙니다. 기본값 {josa(str(spec.default), '으로/로')} 둡니다.",
        )
    clamped: float | int = min(max(value, spec.lo), spec.hi)
    if spec.is_int:
        clamped = round(clamped)
    if not spec.lo <= value <= spec.hi:
        lo, hi = (int(spec.lo), int(spec.hi)) if spec.is_int else (spec.lo, spec.hi)
        return clamped, (
            f"`{name}={shown}` is outside {lo}–{hi}: using {clamped}.",
            f"`{name}={shown}`: 범위 {lo}–{hi} 밖입니다. {josa(str(clamped), '으로/로')} 둡니다.",
        )
    if clamped != value:
        return clamped, (
            f"`{name}={shown}` is not a whole number: using {clamped}.",
            f"`{name}={shown}`: 정수가 아닙니다. {josa(str(clamped), '으로/로')} 둡니다.",
        )
    return clamped, None


# Written by a page for its own state, not a control: read by that page, dropped silently here (the lab's mark of a
# live run, pages/lab.py)
STATE_KEYS = frozenset({"lab_run"})


def is_tracking(key: str) -> bool:
    return key.lower().startswith(TRACKING_PREFIXES) or key.lower() in TRACKING_KEYS or key in STATE_KEYS


def parse_params(params: Mapping[str, object]) -> tuple[dict[str, Any], list[Text]]:
    """Valid values for the known keys of a URL's query parameters (by canonical key), and notices (en, ko).

    Each value may be a list (a key repeated in the URL): the last one wins, with a notice. Aliases (``act``,
    ``gru_form``) are read as their control; the canonical key wins over an alias. Tracking parameters
    (``utm_*``, ``fbclid``, …) are dropped silently; other unknown keys get one summary notice.
    """
    values: dict[str, Any] = {}
    notices: list[Text] = []
    unknown: list[str] = []
    ordered = sorted(params.items(), key=lambda kv: kv[0] in ALIASES, reverse=True)  # aliases first, canonical wins
    for key, raw in ordered:
        if is_tracking(key):
            continue
        canonical = ALIASES.get(key, key)
        spec = BY_KEY.get(canonical)
        if spec is None:
            unknown.append(key)
            continue
        if isinstance(raw, (list, tuple)) and len(raw) > 1:
            notices.append(
                (
                    f"`{_clean(key, 20, code=True)}` appears {len(raw)} times in the link: the last one counts.",
                    f"링크에 `{_clean(key, 20, code=True)}` 값이 {len(raw)}개 있습니다. 마지막 값을 씁니다.",
                )
            )
        value, note = coerce(spec, raw)
        values[canonical] = value
        if note:
            notices.append(note)
    if unknown:
        shown = ", ".join(_clean(k, 20, code=True) for k in unknown[:5]) + (", …" if len(unknown) > 5 else "")
        n = len(unknown)
        notices.append(
            (
                f"Ignored {n} unknown URL parameter{'s' if n > 1 else ''}: `{shown}`.",
                f"알 수 없는 URL 매개변수 {n}개를 무시했습니다: `{shown}`.",
            )
        )
    return values, notices


# ------------------------------------------------------------------------------------------- settings in force
def consistent(s: Settings) -> tuple[Settings, Text | None]:
    """``s`` without a combination the core cannot make: a target ρ for an all-zero W_hh (a scaled scheme at
    scale 0) is dropped, with a notice."""
    if s.set_rho and s.scheme in SCALED_SCHEMES and s.scale == 0:
        return replace(s, set_rho=False), (
            "A spectral radius cannot be set for W_hh = 0 (init scale 0): the target ρ is ignored.",
            "W_hh = 0(초기화 배율 0)에는 스펙트럼 반경을 정할 수 없습니다. 목표 ρ는 무시합니다.",
        )
    return s, None


def within_budget(s: Settings) -> tuple[Settings, Text | None]:
    """``s`` with the batch reduced so one run's tape fits the memory budget, and a notice if it was."""
    n_max = max_batch(s.T, s.H)
    if n_max >= s.N:
        return s, None
    mb, budget = tape_bytes(s.T, s.N, s.H) / 2**20, MEMORY_BUDGET_BYTES / 2**20
    return replace(s, N=n_max), (
        f"T={s.T}, H={s.H}, N={s.N} would need about {mb:.0f} MB for one run, over this app's budget of "
        f"{budget:.0f} MB: using N={n_max}.",
        f"T={s.T}, H={s.H}, N={s.N}이면 한 번 계산에 약 {mb:.0f} MB가 필요해 이 앱의 한도 {budget:.0f} MB를 "
        f"넘습니다. N={josa(str(n_max), '으로/로')} 계산합니다.",
    )


def from_values(values: Mapping[str, Any]) -> Settings:
    """Settings from widget values (already in range), ignoring unknown keys."""
    return Settings(**{c.key: values.get(c.key, c.default) for c in CONTROLS})


C = TypeVar("C")


def controls_from_values(cls: type[C], values: Mapping[str, Any]) -> C:
    """The controls dataclass ``cls`` from widget or URL values by key (already in range), ignoring other keys."""
    return cls(**{c.name: c.value(values.get(c.key, c.default)) for c in specs(cls)})


def view_from_values(values: Mapping[str, Any]) -> View:
    return controls_from_values(View, values)


def layer_kwargs(s: Settings, kind: str, **override: Any) -> dict[str, Any]:
    """The keyword arguments of ``rc.init_layer(kind, **kwargs)`` that ``s`` describes (``override`` by key)."""
    values = s.as_dict() | override
    kwargs = {c.layer_arg: values[c.key] for c in CONTROLS if c.layer_arg and kind in c.kinds}
    if not values["set_rho"]:
        kwargs["spectral_radius"] = None
    return kwargs


def query_items(
    s: Settings, view: View, lang: str = "en", page: str | None = None, own: object | None = None
) -> dict[str, str]:
    """The URL parameters that reproduce ``s``, ``view`` and the page's ``own`` controls (a dataclass of
    ``PAGE_CONTROLS``) on ``page``: defaults left out, canonical keys."""
    items: dict[str, str] = {}
    owners: list[object] = [s, view] if own is None else [s, view, own]
    for obj in owners:
        for c in specs(type(obj)):
            if c.page is not None and c.page != page:
                continue
            value = getattr(obj, c.name)
            if value != c.value(c.default):
                items[c.key] = c.url_text(value)
    if lang != LANG.default:
        items[LANG.key] = lang
    return items


def to_query(s: Settings, view: View | None = None, lang: str = "en", page: str | None = None) -> str:
    """'?T=200&scheme=orthogonal…': the query string that reproduces ``s`` (defaults left out)."""
    items = query_items(s, view or View(), lang, page)
    return "?" + urlencode(items) if items else ""
