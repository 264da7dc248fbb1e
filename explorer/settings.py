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

    @property
    def is_int(self) -> bool:
        return isinstance(self.default, int) and not isinstance(self.default, bool)


CONTROLS: tuple[Control, ...] = (
    Control("T", "Sequence length T", 50, 1, 1000, 1, help="How many steps the gradient flows back through."),
    Control("H", "Hidden size H", 32, 1, 256, 1),
    Control("seed", "Seed", 0, 0, 2**31 - 1, 1, help="Draws the weights and the inputs; same seed, same run."),
    Control("N", "Batch size N", 1, 1, 64, 1),
    Control("D", "Input size D", 8, 1, 64, 1),
    Control("input_scale", "Input scale", 1.0, 0.0, 5.0, 0.1, help="x ~ N(0, scale²); 0 feeds zeros."),
    Control("scheme", "Recurrent init W_hh", "pytorch", options=SCHEMES,
            help="pytorch: U(±1/√H); dlfs2: randn/√H; gaussian: N(0, scale²/H); orthogonal and identity "
                 "times scale; book: the chapter 6 matrix, np.random.seed(seed); randn(H, H) × scale."),
    Control("scale", "Init scale (gain)", 1.0, 0.0, 3.0, 0.05,
            help="Used by gaussian, orthogonal, identity and book."),
    Control("set_rho", "Set the spectral radius ρ(W_hh)", False,
            help="Rescale W_hh (each gate block for LSTM/GRU) to the ρ below."),
    Control("rho", "Target spectral radius ρ", 1.0, 0.05, 3.0, 0.05),
    Control("act", "RNN activation", "tanh", options=("tanh", "relu")),
    Control("forget_bias", "LSTM forget-gate bias (added)", 0.0, -3.0, 6.0, 0.5,
            help="+1 is Jozefowicz et al.'s advice; + keeps more of the cell."),
    Control("update_bias", "GRU keep-gate bias (added)", 0.0, -3.0, 6.0, 0.5,
            help="+ keeps more of the old state in either formulation (z in PyTorch, 1 - z in the book)."),
    Control("gru_form", "GRU formulation", "pytorch", options=("pytorch", "dlfs2"),
            help="pytorch: reset after W_hn, h = (1-z)n + z h; dlfs2 (the book): reset before, h = (1-z)h + z h̃."),
    Control("loss", "Where the loss sits", "last", options=("last", "every"),
            help="last: L = Σ h_T, as in the book; every: L = Σ_t Σ h_t."),
    Control("norm", "Norm over the batch", "l2", options=("l2", "book", "mean"),
            help="l2: Frobenius over the batch; book: that ÷ N (DLFS2); mean: mean of per-sample norms."),
)
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
        d = {"T": self.T, "H": self.H, "N": self.N, "D": self.D, "seed": self.seed, "x_scale": self.input_scale,
             "init": self.scheme if self.scheme in ("pytorch", "dlfs2") else f"{self.scheme}×{self.scale:g}"}
        if self.set_rho:
            d["rho"] = self.rho
        d.update(act=self.act, b_f=self.forget_bias, b_keep=self.update_bias, gru=self.gru_form, loss=self.loss,
                 norm=self.norm)
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
        return control.default, (f"`{name}={_clean(text)}` is not one of {', '.join(control.options)}: "
                                 f"using {control.default}.")
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
        clamped = int(round(clamped))
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
        control = BY_KEY.get(key)
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
        return replace(s, set_rho=False), ("A spectral radius cannot be set for W_hh = 0 (init scale 0): "
                                           "the target ρ is ignored.")
    return s, None


def within_budget(s: Settings) -> tuple[Settings, str | None]:
    """``s`` with the batch reduced so one run's tape fits the memory budget, and a notice if it was."""
    n_max = max_batch(s.T, s.H)
    if s.N <= n_max:
        return s, None
    return replace(s, N=n_max), (
        f"T={s.T}, H={s.H}, N={s.N} would need about {tape_bytes(s.T, s.N, s.H) / 2**20:.0f} MB for one run, "
        f"over this app's budget of {MEMORY_BUDGET_BYTES / 2**20:.0f} MB: using N={n_max}.")


def from_values(values: dict) -> Settings:
    """Settings from widget values (already in range), ignoring unknown keys."""
    return Settings(**{c.key: values.get(c.key, c.default) for c in CONTROLS})
