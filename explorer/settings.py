"""The shared controls: their ranges and defaults, URL parsing with notices, and the memory budget.

Pure Python (no Streamlit): the sidebar in ``explorer/ui.py`` draws one widget per entry of ``CONTROLS``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from recurrent_core.init import SCHEMES


@dataclass(frozen=True)
class Control:
    key: str
    label: str
    default: object
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    options: tuple = ()
    help: str = ""
    label_ko: str = ""
    help_ko: str = ""

    def text(self, lang: str) -> tuple[str, str]:
        """(label, help) in ``lang`` ("en" or "ko")."""
        if lang == "ko":
            return self.label_ko or self.label, self.help_ko or self.help
        return self.label, self.help

    @property
    def is_int(self) -> bool:
        return isinstance(self.default, int) and not isinstance(self.default, bool)


CONTROLS: tuple[Control, ...] = (
    Control(
        "T",
        "Sequence length T",
        50,
        1,
        1000,
        1,
        help="How many steps the gradient flows back through.",
        label_ko="시퀀스 길이 T",
        help_ko="기울기가 거슬러 올라가는 시간 단계 수.",
    ),
    Control("H", "Hidden size H", 32, 1, 256, 1, label_ko="은닉 크기 H"),
    Control(
        "seed",
        "Seed",
        0,
        0,
        2**31 - 1,
        1,
        help="Draws the weights and the inputs; same seed, same run.",
        label_ko="시드",
        help_ko="가중치와 입력을 뽑는 난수 시드. 같은 시드면 같은 결과.",
    ),
    Control("N", "Batch size N", 1, 1, 64, 1, label_ko="배치 크기 N"),
    Control("D", "Input size D", 8, 1, 64, 1, label_ko="입력 크기 D"),
    Control(
        "input_scale",
        "Input scale",
        1.0,
        0.0,
        5.0,
        0.1,
        help="x ~ N(0, scale²); 0 feeds zeros.",
        label_ko="입력 크기 배율",
        help_ko="x ~ N(0, 배율²). 0이면 입력이 모두 0.",
    ),
    Control(
        "scheme",
        "Recurrent init W_hh",
        "pytorch",
        options=SCHEMES,
        help="pytorch: U(±1/√H); dlfs2: randn/√H; gaussian: N(0, scale²/H); orthogonal and identity "
        "times scale; book: the chapter 6 matrix, np.random.seed(seed); randn(H, H) × scale.",
        label_ko="순환 가중치 W_hh 초기화",
        help_ko="pytorch: U(±1/√H), dlfs2: randn/√H, gaussian: N(0, 배율²/H), orthogonal·identity: 배율 × "
        "직교·단위 행렬, book: 6장의 행렬 np.random.seed(seed); randn(H, H) × 배율.",
    ),
    Control(
        "scale",
        "Init scale (gain)",
        1.0,
        0.0,
        3.0,
        0.05,
        help="Used by gaussian, orthogonal, identity and book.",
        label_ko="초기화 배율",
        help_ko="gaussian, orthogonal, identity, book에서 쓰입니다.",
    ),
    Control(
        "set_rho",
        "Set the spectral radius ρ(W_hh)",
        False,
        help="Rescale W_hh (each gate block for LSTM/GRU) to the ρ below.",
        label_ko="스펙트럼 반경 ρ(W_hh) 지정",
        help_ko="W_hh(LSTM/GRU는 게이트 블록마다)를 아래 ρ가 되도록 다시 조정합니다.",
    ),
    Control("rho", "Target spectral radius ρ", 1.0, 0.05, 3.0, 0.05, label_ko="목표 스펙트럼 반경 ρ"),
    Control("act", "RNN activation", "tanh", options=("tanh", "relu"), label_ko="RNN 활성화 함수"),
    Control(
        "forget_bias",
        "LSTM forget-gate bias (added)",
        0.0,
        -3.0,
        6.0,
        0.5,
        help="+1 is Jozefowicz et al.'s advice; + keeps more of the cell.",
        label_ko="LSTM 망각 게이트 편향 (더함)",
        help_ko="+1은 Jozefowicz 등(2015)의 권장값. +일수록 셀을 더 오래 기억합니다.",
    ),
    Control(
        "update_bias",
        "GRU keep-gate bias (added)",
        0.0,
        -3.0,
        6.0,
        0.5,
        help="+ keeps more of the old state in either formulation (z in PyTorch, 1 - z in the book).",
        label_ko="GRU 유지 게이트 편향 (더함)",
        help_ko="어느 정식화에서든 +일수록 이전 상태를 더 유지합니다 (PyTorch는 z, 책은 1 - z).",
    ),
    Control(
        "gru_form",
        "GRU formulation",
        "pytorch",
        options=("pytorch", "dlfs2"),
        help="pytorch: reset after W_hn, h = (1-z)n + z h; dlfs2 (the book): reset before, h = (1-z)h + z h̃.",
        label_ko="GRU 정식화",
        help_ko="pytorch: W_hn 뒤에 리셋, h = (1-z)n + z h. dlfs2(책): 앞에 리셋, h = (1-z)h + z h̃.",
    ),
    Control(
        "loss",
        "Where the loss sits",
        "last",
        options=("last", "every"),
        help="last: L = Σ h_T, as in the book; every: L = Σ_t Σ h_t.",
        label_ko="손실의 위치",
        help_ko="last: 책처럼 L = Σ h_T (마지막 단계만). every: L = Σ_t Σ h_t.",
    ),
    Control(
        "norm",
        "Norm over the batch",
        "l2",
        options=("l2", "book", "mean"),
        help="l2: Frobenius over the batch; book: that ÷ N (DLFS2); mean: mean of per-sample norms.",
        label_ko="배치에 대한 노름",
        help_ko="l2: 배치 전체의 프로베니우스 노름. book: 그것을 N으로 나눈 값(책). mean: 샘플별 노름의 평균.",
    ),
)
# The page language: not a setting of the computation, but in the URL like the others (?lang=ko).
# Its options are what the buttons show, and so what the URL holds (?lang=한국어); ?lang=ko works too.
LANG = Control("lang", "Language · 언어", "English", options=("English", "한국어"))
LANG_CODES = {"English": "en", "한국어": "ko"}
LANG_ALIASES = {"en": "English", "ko": "한국어", "kr": "한국어", "kor": "한국어", "korean": "한국어"}
BY_KEY = {c.key: c for c in CONTROLS}

# The largest forward+backward tape one view may hold: Community Cloud gives as little as ~690 MB per app.
MEMORY_BUDGET_BYTES = 160 * 1024 * 1024
# float64 arrays per (step, sample, unit) an LSTM run keeps: hs, cs, tanh(c), 4 gates, dh, dc, log-domain
# temporaries; RNN and GRU keep fewer, so the LSTM's count bounds every view.
_ARRAYS_PER_UNIT = 12


@dataclass(frozen=True)
class Settings:
    T: int = 50
    H: int = 32
    seed: int = 0
    N: int = 1
    D: int = 8
    input_scale: float = 1.0
    scheme: str = "pytorch"
    scale: float = 1.0
    set_rho: bool = False
    rho: float = 1.0
    act: str = "tanh"
    forget_bias: float = 0.0
    update_bias: float = 0.0
    gru_form: str = "pytorch"
    loss: str = "last"
    norm: str = "l2"

    def as_dict(self) -> dict:
        return asdict(self)

    def caption(self) -> dict:
        """The settings that matter for a figure, for titles, CSV columns and file names."""
        d = {
            "T": self.T,
            "H": self.H,
            "N": self.N,
            "D": self.D,
            "seed": self.seed,
            "x_scale": self.input_scale,
            "init": self.scheme if self.scheme in ("pytorch", "dlfs2") else f"{self.scheme}×{self.scale:g}",
        }
        if self.set_rho:
            d["rho"] = self.rho
        d.update(
            act=self.act,
            b_f=self.forget_bias,
            b_keep=self.update_bias,
            gru=self.gru_form,
            loss=self.loss,
            norm=self.norm,
        )
        return d


assert [f.name for f in fields(Settings)] == [c.key for c in CONTROLS]
assert all(getattr(Settings(), c.key) == c.default for c in CONTROLS)


def tape_bytes(T: int, N: int, H: int) -> int:
    return _ARRAYS_PER_UNIT * 8 * T * N * H


def max_batch(T: int, H: int) -> int:
    return max(1, MEMORY_BUDGET_BYTES // (_ARRAYS_PER_UNIT * 8 * T * H))


def _clean(text: object, limit: int = 40) -> str:
    """Untrusted text made safe to quote in a notice: printable, no markdown code fences, short."""
    s = "".join(ch for ch in str(text) if ch.isprintable() and ch not in "`\\<>")
    return s[:limit] + ("…" if len(s) > limit else "")


def coerce(control: Control, raw: object) -> tuple[object, str | None]:
    """A valid value for ``control`` from an untrusted ``raw`` one, and a notice if it had to change."""
    name = control.key
    if isinstance(raw, (list, tuple)):
        raw = raw[-1] if raw else ""
    text = str(raw).strip()
    if control.options:
        if text in control.options:
            return text, None
        return control.default, (
            f"`{name}={_clean(text)}` is not one of {', '.join(control.options)}: using {control.default}."
        )
    if isinstance(control.default, bool):
        lowered = text.lower()
        if lowered in ("true", "1", "yes", "on"):
            return True, None
        if lowered in ("false", "0", "no", "off"):
            return False, None
        return control.default, f"`{name}={_clean(text)}` is not true or false: using {control.default}."
    try:
        value = float(text)
    except ValueError:
        return control.default, f"`{name}={_clean(text)}` is not a number: using the default {control.default}."
    if math.isnan(value):
        return control.default, f"`{name}={_clean(text)}` is not a number: using the default {control.default}."
    clamped = min(max(value, control.lo), control.hi)
    if control.is_int:
        clamped = round(clamped)
    note = None
    if not control.lo <= value <= control.hi:
        lo, hi = (int(control.lo), int(control.hi)) if control.is_int else (control.lo, control.hi)
        note = f"`{name}={_clean(text)}` is outside {lo}–{hi}: using {clamped}."
    elif clamped != value:
        note = f"`{name}={_clean(text)}` is not a whole number: using {clamped}."
    return clamped, note


def parse_params(params: dict) -> tuple[dict, list[str]]:
    """Valid values for the known keys of a URL's query parameters, and notices for what was changed.

    Unknown keys are ignored, with a notice.
    """
    values, notices = {}, []
    for key, raw in params.items():
        control = LANG if key == LANG.key else BY_KEY.get(key)
        if control is LANG and isinstance(raw, (list, tuple)) and raw:
            raw = raw[-1]
        if control is LANG and str(raw).strip().lower() in LANG_ALIASES:
            values[key] = LANG_ALIASES[str(raw).strip().lower()]
            continue
        if control is None:
            notices.append(f"Ignored the unknown URL parameter `{_clean(key, 20)}`.")
            continue
        value, note = coerce(control, raw)
        values[key] = value
        if note:
            notices.append(note)
    return values, notices


SCALED_SCHEMES = ("gaussian", "orthogonal", "identity", "book")


def consistent(s: Settings) -> tuple[Settings, str | None]:
    """``s`` without a combination the core cannot make: a target ρ for an all-zero W_hh (a scaled scheme at
    scale 0) is dropped, with a notice."""
    if s.set_rho and s.scheme in SCALED_SCHEMES and s.scale == 0:
        return replace(s, set_rho=False), (
            "A spectral radius cannot be set for W_hh = 0 (init scale 0): the target ρ is ignored."
        )
    return s, None


def within_budget(s: Settings) -> tuple[Settings, str | None]:
    """``s`` with the batch reduced so one run's tape fits the memory budget, and a notice if it was."""
    n_max = max_batch(s.T, s.H)
    if n_max >= s.N:
        return s, None
    return replace(s, N=n_max), (
        f"T={s.T}, H={s.H}, N={s.N} would need about {tape_bytes(s.T, s.N, s.H) / 2**20:.0f} MB for one run, "
        f"over this app's budget of {MEMORY_BUDGET_BYTES / 2**20:.0f} MB: using N={n_max}."
    )


def to_query(s: Settings, lang: str = "en") -> str:
    """'?T=200&scheme=orthogonal…': the query string that reproduces ``s`` (defaults left out)."""
    from urllib.parse import urlencode

    items = {}
    for c in CONTROLS:
        value = getattr(s, c.key)
        if value != c.default:
            items[c.key] = str(value).lower() if isinstance(value, bool) else value
    if lang != "en":
        items[LANG.key] = lang
    return "?" + urlencode(items) if items else ""


def from_values(values: dict) -> Settings:
    """Settings from widget values (already in range), ignoring unknown keys."""
    return Settings(**{c.key: values.get(c.key, c.default) for c in CONTROLS})
