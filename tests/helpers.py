"""Shared helpers of the core tests: random problems for every kind and variant, the loss, a relative error; and
of the page tests: the t an x-axis title names, checked against the axis it titles.

Plain functions, imported as ``from helpers import ...`` (pyproject.toml puts tests/ on pytest's pythonpath).
"""

from __future__ import annotations

import base64
import re
from typing import Any

import numpy as np

import recurrent_core as rc

STATE_KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")

# (name, kind, option) for every kind and variant the core implements.
VARIANTS = [
    ("rnn_tanh", "rnn", "tanh"),
    ("rnn_relu", "rnn", "relu"),
    ("lstm", "lstm", None),
    ("gru_pytorch", "gru", "pytorch"),
    ("gru_dlfs2", "gru", "dlfs2"),
]
VARIANT_IDS = [v[0] for v in VARIANTS]
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def random_state(rng: np.random.Generator, kind: str, D: int, H: int, scale: float = 0.5) -> dict:
    """A random PyTorch-shaped single-layer state dict (float64 numpy arrays)."""
    k = GATES[kind] * H
    return {
        "weight_ih_l0": rng.normal(0.0, scale, (k, D)),
        "weight_hh_l0": rng.normal(0.0, scale, (k, H)),
        "bias_ih_l0": rng.normal(0.0, scale, k),
        "bias_hh_l0": rng.normal(0.0, scale, k),
    }


def make_layer(kind: str, option, state: dict):
    """A layer of ``kind`` built from a state dict through the public constructors."""
    args = (state["weight_ih_l0"], state["weight_hh_l0"], state["bias_ih_l0"], state["bias_hh_l0"])
    if kind == "rnn":
        return rc.RNNLayer(*args, nonlinearity=option)
    if kind == "lstm":
        return rc.LSTMLayer(*args)
    return rc.GRULayer(*args, formulation=option)


def loss(layer, x, dhs, h0=None, c0=None) -> float:
    """L = Σ_t <dhs[t], h_t>, from the forward pass alone."""
    return float(np.sum(dhs * rc.forward(layer, x, h0, c0).hs))


def rnn_preactivations(layer, x, h0=None) -> np.ndarray:
    """(T, N, H) pre-activations a_t of an RNN layer, recomputed from the forward's hidden states."""
    hs = rc.forward(layer, x, h0).hs
    h0 = np.zeros_like(hs[0]) if h0 is None else h0
    h_prev = np.concatenate([h0[None], hs[:-1]], axis=0)
    return x @ layer.W_ih.T + layer.b_ih + layer.b_hh + h_prev @ layer.W_hh.T


def rel_err(a, b, floor: float = 1e-8) -> float:
    """Norm-based relative error ||a - b|| / max(||a||, ||b||, floor)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), floor))


def problem(variant, T, N, D, H, seed, *, with_h0=True, scale=0.5):
    """(layer, x, dhs, h0, c0, state) for a variant; c0 only for the LSTM. RNN-relu is made kink-free
    (no pre-activation within 1e-4 of 0) by trying successive seeds."""
    _, kind, option = variant
    for attempt in range(200):
        rng = np.random.default_rng(seed + 7919 * attempt)
        state = random_state(rng, kind, D, H, scale)
        layer = make_layer(kind, option, state)
        x = rng.normal(size=(T, N, D))
        dhs = rng.normal(size=(T, N, H))
        h0 = rng.normal(0.0, 0.5, (N, H)) if with_h0 else None
        c0 = rng.normal(0.0, 0.5, (N, H)) if (with_h0 and kind == "lstm") else None
        if kind == "rnn" and option == "relu":
            a = rnn_preactivations(layer, x, h0)
            if np.min(np.abs(a)) < 1e-4 or not np.any(a > 0):
                continue
        return layer, x, dhs, h0, c0, state
    raise AssertionError("no kink-free ReLU problem found")


# ------------------------------------------------------------------------------------- training-step oracles
def loss_and_grads(params, x, y, spec, kind, *, nonlinearity="tanh", formulation="pytorch", truncate=None):
    """One training step by definition, the oracle of the core's step: the public rc.forward for h_T, the readout
    nn.Linear, the task's loss, then rc.bptt from ∂L/∂h_T = dout W_fc (zero at every earlier step).
    Returns (loss, grads) with grads keyed like the state dict, readout included."""
    from recurrent_core.training.tasks import readout_loss

    W_ih, W_hh, b_ih, b_hh = (params[k] for k in STATE_KEYS)
    if kind == "rnn":
        layer = rc.RNNLayer(W_ih, W_hh, b_ih, b_hh, nonlinearity=nonlinearity)
    elif kind == "lstm":
        layer = rc.LSTMLayer(W_ih, W_hh, b_ih, b_hh)
    else:
        layer = rc.GRULayer(W_ih, W_hh, b_ih, b_hh, formulation=formulation)
    W_fc, b_fc = params["fc.weight"], params["fc.bias"]
    h_T = rc.forward(layer, x).hs[-1]
    loss, _, dout = readout_loss(spec, h_T @ W_fc.T + b_fc, y)
    dhs = np.zeros((*x.shape[:2], layer.H))
    dhs[-1] = dout @ W_fc
    grads = dict(rc.bptt(layer, x, dhs, truncate=truncate).grads)
    grads["fc.weight"] = dout.T @ h_T
    grads["fc.bias"] = dout.sum(axis=0)
    return StepOracle(loss, grads)


class StepOracle:
    def __init__(self, loss, grads):
        self.loss, self.grads = loss, grads


def probe_flow_reference(params, x, y, spec, kind, nonlinearity, formulation, probe=None):
    """(log10 ‖∂L/∂h_t‖ (T,), probe loss): with ``probe`` None, by definition (rc.forward, the readout loss,
    rc.flow_norms aggregated "l2"); otherwise the core's probe through that fused layer."""
    from recurrent_core.training.step import probe_flow
    from recurrent_core.training.tasks import readout_loss

    if probe is not None:
        return probe_flow(probe, params, x, y, spec)
    W_ih, W_hh, b_ih, b_hh = (params[k] for k in STATE_KEYS)
    if kind == "rnn":
        layer = rc.RNNLayer(W_ih, W_hh, b_ih, b_hh, nonlinearity=nonlinearity)
    elif kind == "lstm":
        layer = rc.LSTMLayer(W_ih, W_hh, b_ih, b_hh)
    else:
        layer = rc.GRULayer(W_ih, W_hh, b_ih, b_hh, formulation=formulation)
    W_fc = params["fc.weight"]
    h_T = rc.forward(layer, x).hs[-1]
    loss, _, dout = readout_loss(spec, h_T @ W_fc.T + params["fc.bias"], y)
    dhs = np.zeros((*x.shape[:2], layer.H))
    dhs[-1] = dout @ W_fc
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return rc.aggregate(rc.flow_norms(layer, x, dhs).log10_dh, "l2"), loss


# ------------------------------------------------------------------------------------------------ chart axes
# "(the loss at t = T)", "(손실은 t = T − 1)", "(… t = 49)": the t a time axis's title names as the loss's
NAMED_T = re.compile(r"t = (T(?: ?[−-] ?(\d+))?|\d+)\)")


def plotly_array(values: Any) -> np.ndarray:
    """A Plotly JSON array as floats: a list, or plotly>=6's base64 typed array {'dtype', 'bdata'}."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).astype(float)
    return np.asarray(values, dtype=float)


def loss_t_named(x_title: str, T: int) -> int | None:
    """The t that ``x_title`` names ("the loss at t = T − 1" with ``T`` = 6 → 5), None if it names none."""
    m = NAMED_T.search(x_title)
    if m is None:
        return None
    if not m.group(1).startswith("T"):
        return int(m.group(1))
    return T - int(m.group(2) or 0)


def assert_the_named_t_is_on_the_axis(fig: dict, T: int) -> int:
    """A figure (Plotly JSON) whose x-axis title names the loss's t: that t is the last x of its data and the last
    tick the axis labels. Returns the t named."""
    # its lines joined, without the settings footer (base_layout's span in smaller type)
    title = fig["layout"]["xaxis"]["title"]["text"].split("<br><span")[0].replace("<br>", " ")
    named = loss_t_named(title, T)
    assert named is not None, f"the x-axis title names no t: {title!r}"
    xs = np.concatenate([plotly_array(trace["x"]) for trace in fig["data"] if "x" in trace])
    xs = xs[np.isfinite(xs)]  # a vertical marker's gaps (NaN) are no t
    assert xs.size and named == xs.max(), f"{title!r} names t = {named}, the axis runs {xs.min():g} … {xs.max():g}"
    ticks = fig["layout"]["xaxis"].get("tickvals")
    if ticks is not None:
        assert named == max(plotly_array(ticks)), f"{title!r} names t = {named}, the ticks end at {max(ticks)}"
    return named
