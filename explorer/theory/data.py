"""Numbers and source text the Theory page shows: parameter counts for D and H, the book's cells' source from
``recurrent_core.reference`` (read with ``inspect.getsource``, never copied), and ReLU against tanh measured over
schemes, ρ and seeds. Pure: no Streamlit."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

import recurrent_core as rc
from recurrent_core import reference

from ..shared.controls import Settings
from ..shared.curves import make_inputs, make_layer, with_h0

GATE_BLOCKS = {"RNN": 1, "LSTM": 4, "GRU": 3}
SOURCES: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "rnn": (reference.rnn_forward, reference.rnn_backward),
    "lstm": (reference.lstm_forward, reference.lstm_backward),
    "gru": (reference.gru_forward, reference.gru_backward),
}


def param_counts(D: int, H: int) -> pd.DataFrame:
    """Parameters of one layer per architecture: k gate blocks of W_ih (kH, D), W_hh (kH, H) and biases, with one
    bias (the book's ``b``) and with two (PyTorch's ``bias_ih`` and ``bias_hh``)."""
    rows = []
    for name, k in GATE_BLOCKS.items():
        weights = k * H * (D + H)
        rows.append({"architecture": name, "gate_blocks": k, "W_ih": k * H * D, "W_hh": k * H * H,
                     "book_total": weights + k * H, "pytorch_total": weights + 2 * k * H})  # fmt: skip
    out = pd.DataFrame(rows)
    lstm = out.loc[out["architecture"] == "LSTM", "pytorch_total"].iloc[0]
    out["vs_lstm"] = out["pytorch_total"] / lstm
    return out


def source(kind: str) -> str:
    """The book's forward and backward of ``kind`` as ``recurrent_core.reference`` writes them."""
    return "\n\n".join(inspect.getsource(fn) for fn in SOURCES[kind])


# ------------------------------------------------------------------------------------------- ReLU against tanh
# The book's NOTE (§6.1.3: ReLU improves the flow) against a note's view (ReLU explodes more easily, so RNNs use
# tanh): the same W_hh, rescaled to each ρ, run once with tanh and once with relu, over seeds.
ACTIVATION_SCHEMES = ("pytorch", "gaussian", "orthogonal", "identity")
ACTIVATION_RHOS = (0.5, 0.9, 1.0, 1.1, 1.2, 1.5, 2.0)
ACTIVATION_SEEDS = 20
# The reference run the pages show (the app's defaults: T = 50, H = 32, N = 1, D = 8, loss at the last step)
ACTIVATION_SETTINGS = Settings()
EXPLODE_DECADES = 2.0  # grows at least 100×, as every reading says "explodes"


def _activation_run(s: Settings, x: np.ndarray, dhs: np.ndarray) -> tuple[float, float]:
    """(log10 ‖∂L/∂h_0‖ / ‖∂L/∂h_T‖ of the full BPTT, mean φ′ over steps, samples and units) of the RNN ``s``
    describes on the inputs ``make_inputs(s)``; NaN ratio when the forward pass overflowed (a relu run whose state
    grew past float64)."""
    with np.errstate(over="ignore", invalid="ignore"):
        fn = rc.flow_norms(make_layer(s, "rnn"), x, dhs)
        y = with_h0(fn.log10_dh, fn.log10_dh0, s.norm)
        tape: Any = fn.tape
        dphi = np.asarray(tape.dphi, dtype=float)
    if fn.forward_overflow_step is not None:
        return math.nan, math.nan
    return float(y[0] - y[-1]), float(dphi.mean())


def activation_runs(
    s: Settings, n_seeds: int = ACTIVATION_SEEDS, rhos: tuple[float, ...] = ACTIVATION_RHOS
) -> pd.DataFrame:
    """One row per scheme, ρ, seed and activation: ``log10_ratio`` (how much of its value at the loss ‖∂L/∂h_t‖
    keeps back at t = 0; -inf when every path died, NaN after a forward overflow) and ``mean_dphi`` (mean φ′:
    tanh′ = 1 − h², relu′ = the share of active units). Sizes, inputs, loss and norm are ``s``'s; the seeds are
    s.seed … s.seed + n_seeds − 1. Every W_hh is drawn at scale 1 and rescaled to ρ."""
    rows = []
    seeds = [(s.seed + k) % (2**31) for k in range(n_seeds)]
    inputs = {seed: make_inputs(replace(s, seed=seed)) for seed in seeds}  # the same x for every pair of a seed
    for scheme in ACTIVATION_SCHEMES:
        for rho in rhos:
            for seed in seeds:
                for act in ("tanh", "relu"):
                    sk = replace(s, scheme=scheme, scale=1.0, set_rho=True, rho=rho, nonlinearity=act, seed=seed)
                    ratio, dphi = _activation_run(sk, *inputs[seed])
                    rows.append({"scheme": scheme, "rho": rho, "seed": seed, "activation": act,
                                 "log10_ratio": ratio, "mean_dphi": dphi})  # fmt: skip
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ActivationResult:
    """ReLU against tanh on the same W_hh: every run (``runs``) and, per scheme and ρ, ``summary``: ``n`` seeds
    compared (both runs defined), ``relu_more`` / ``relu_less`` / ``same`` (ReLU keeps more / less / as much of the
    gradient at t = 0), ``relu_dead`` (ReLU's gradient exactly 0 there), ``relu_overflow`` (ReLU's forward pass
    overflowed: not compared), ``relu_explodes`` / ``tanh_explodes`` (grows ≥ 100×), the medians of log10_ratio and
    of the mean φ′ of each activation, and ``share_more`` = relu_more / n."""

    runs: pd.DataFrame
    summary: pd.DataFrame
    settings: Settings
    n_seeds: int


def _compare_pair(a: np.ndarray, b: np.ndarray, da: np.ndarray, db: np.ndarray) -> dict[str, Any]:
    """The counts and medians of paired runs: ``a``/``b`` log10 ratios of tanh/relu, ``da``/``db`` their mean φ′."""
    ok = ~np.isnan(a) & ~np.isnan(b)
    overflow = int(np.isnan(b).sum())
    a, b, da, db = a[ok], b[ok], da[ok], db[ok]
    with np.errstate(invalid="ignore"):
        diff = np.where(a == b, 0.0, b - a)  # -inf against -inf is the same, not NaN

    def median(v: np.ndarray) -> float:
        return float(np.median(v)) if v.size else math.nan

    return {
        "n": int(ok.sum()),
        "relu_more": int((diff > 1e-9).sum()),
        "relu_less": int((diff < -1e-9).sum()),
        "same": int((np.abs(diff) <= 1e-9).sum()),
        "relu_dead": int((b == -np.inf).sum()),
        "relu_overflow": overflow,
        "relu_explodes": int((b >= EXPLODE_DECADES).sum()),
        "tanh_explodes": int((a >= EXPLODE_DECADES).sum()),
        "median_tanh": median(a),
        "median_relu": median(b),
        "dphi_tanh": median(da),
        "dphi_relu": median(db),
    }


def summarise_activation(runs: pd.DataFrame, keys: tuple[str, ...] = ("scheme", "rho")) -> pd.DataFrame:
    """The comparison of ``activation_runs`` per group of ``keys`` (see ActivationResult)."""
    # one tanh and one relu run per scheme, ρ and seed: paired by sorting both alike
    order = ["scheme", "rho", "seed"]
    tanh = runs[runs["activation"] == "tanh"].sort_values(order, kind="stable").reset_index(drop=True)
    relu = runs[runs["activation"] == "relu"].sort_values(order, kind="stable").reset_index(drop=True)
    cols = [(f[c].to_numpy(dtype=float)) for f in (tanh, relu) for c in ("log10_ratio", "mean_dphi")]
    rows = []
    for group, idx in tanh.groupby(list(keys), sort=False).indices.items():
        values = group if isinstance(group, tuple) else (group,)
        a, da, b, db = (c[idx] for c in cols)
        rows.append(dict(zip(keys, values, strict=True)) | _compare_pair(a, b, da, db))
    out = pd.DataFrame(rows)
    out["share_more"] = out["relu_more"] / out["n"].where(out["n"] > 0)
    return out


def relu_vs_tanh(
    s: Settings = ACTIVATION_SETTINGS, n_seeds: int = ACTIVATION_SEEDS, rhos: tuple[float, ...] = ACTIVATION_RHOS
) -> ActivationResult:
    """ReLU against tanh on the same weights and inputs, for every scheme, each ρ of ``rhos`` and ``n_seeds``
    seeds (the page: the app's defaults, 20 seeds, 7 values of ρ: 1120 short runs, about 2 s)."""
    runs = activation_runs(s, n_seeds, rhos)
    return ActivationResult(runs=runs, summary=summarise_activation(runs), settings=s, n_seeds=n_seeds)


# ------------------------------------------------------------------------------- the chapter's long dependency
# DLFS2 ch. 6's language-model example: to predict the last word the model must remember "Tom", 17 words back
TOM_WORDS = ("Tom", "was", "watching", "TV", "in", "his", "room", ".", "Mary", "came", "into", "the", "room", ".",
             "Mary", "said", "hi", "to", "?")  # fmt: skip
TOM_SOURCE = 0
ADDING_EXAMPLE_T = 50  # the lab's default lag


def adding_example(T: int = ADDING_EXAMPLE_T, seed: int = 0) -> pd.DataFrame:
    """One sequence of the lab's adding problem (``rc.task_batch``): ``t`` = 1 … T with the value channel and
    ``role`` "input" or "marked" (the two marked steps), then t = T + 1, the answer (their sum, ``role`` "answer")."""
    x, y = rc.task_batch("adding", T, 1, seed, 0)
    marked = x[:, 0, 1] > 0
    out = pd.DataFrame({"t": np.arange(1, T + 1), "value": x[:, 0, 0], "role": np.where(marked, "marked", "input")})
    answer = pd.DataFrame({"t": [T + 1], "value": [float(y[0, 0])], "role": ["answer"]})
    return pd.concat([out, answer], ignore_index=True)


def activation_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary as the page's table: per scheme and ρ, the counts and the medians (log10 of the ratio at
    t = 0, and mean φ′), rounded for reading."""
    cols = ["scheme", "rho", "n", "relu_more", "relu_less", "relu_dead", "relu_explodes", "tanh_explodes",
            "median_tanh", "median_relu", "dphi_tanh", "dphi_relu"]  # fmt: skip
    out = summary[cols].rename(columns={"median_tanh": "median_log10_tanh", "median_relu": "median_log10_relu"})
    order = {k: i for i, k in enumerate(ACTIVATION_SCHEMES)}
    out = out.sort_values(["scheme", "rho"], key=lambda c: c.map(order) if c.name == "scheme" else c)
    return out.round(3).reset_index(drop=True)
