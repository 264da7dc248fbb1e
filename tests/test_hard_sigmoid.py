"""Hard-sigmoid gates (recurrent_core/cells/gates.py) in the LSTM and GRU: the forward against independent NumPy
cells, every gradient against central finite differences (float64) and, for Keras 3's / PyTorch's variant, against
PyTorch autograd through a hand-written cell loop; the derivative's convention at the kinks against PyTorch's
hardsigmoid backward; back_all against step_loop bit for bit; the default sigmoid untouched; other names refused.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import rel_err

import recurrent_core as rc
from recurrent_core import reference as ref
from recurrent_core.cells import State, step_loop
from recurrent_core.cells.gates import hard_sigmoid_slope
from recurrent_core.io._spec import RecurrentSpec

HARD = ("hard_sigmoid_keras2", "hard_sigmoid_keras3")
KINK = {"hard_sigmoid_keras2": 2.5, "hard_sigmoid_keras3": 3.0}
# the definitions as the issue states them (not the kernels' order of operations: equal to ~1e-16)
GATE = {
    "hard_sigmoid_keras2": lambda a: np.clip(0.2 * a + 0.5, 0.0, 1.0),
    "hard_sigmoid_keras3": lambda a: np.clip(a / 6.0 + 0.5, 0.0, 1.0),
}
VARIANTS = [("lstm", "pytorch"), ("gru", "pytorch"), ("gru", "dlfs2")]
VARIANT_IDS = ["lstm", "gru_pytorch", "gru_dlfs2"]
KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


# --- an independent NumPy implementation of the cells' equations, with the pre-activations of the gates -----------
def numpy_cell_loop(kind: str, formulation: str, gate: str, state: dict, x, h0, c0=None):
    """(hs, cs, pre, f) for PyTorch's LSTM (rows i, f, g, o) or a GRU (rows r, z, n) in ``formulation``, the
    gates through GATE[gate]; ``pre`` (T, N, kH) holds the pre-activations of the hard-sigmoid gates (0 elsewhere),
    ``f`` (T, N, H) the LSTM's forget gates."""
    W_ih, W_hh, b_ih, b_hh = (state[k] for k in KEYS)
    act = GATE[gate]
    H = W_hh.shape[1]
    h, c = h0, c0
    hs, cs, pres, fs = [], [], [], []
    for xt in x:
        gi, gh = xt @ W_ih.T + b_ih, h @ W_hh.T + b_hh
        pre = np.zeros_like(gi)
        if kind == "lstm":
            a = gi + gh
            pre[:, : 2 * H], pre[:, 3 * H :] = a[:, : 2 * H], a[:, 3 * H :]
            i, f, g, o = act(a[:, :H]), act(a[:, H : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), act(a[:, 3 * H :])
            c = f * c + i * g
            h = o * np.tanh(c)
            cs.append(c)
            fs.append(f)
        else:
            a_r, a_z = gi[:, :H] + gh[:, :H], gi[:, H : 2 * H] + gh[:, H : 2 * H]
            pre[:, :H], pre[:, H : 2 * H] = a_r, a_z
            r, z = act(a_r), act(a_z)
            if formulation == "pytorch":
                n = np.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
                h = (1.0 - z) * n + z * h
            else:
                n = np.tanh(gi[:, 2 * H :] + (r * h) @ W_hh[2 * H :].T + b_hh[2 * H :])
                h = (1.0 - z) * h + z * n
        hs.append(h)
        pres.append(pre)
    return np.stack(hs), (np.stack(cs) if cs else None), np.stack(pres), (np.stack(fs) if fs else None)


def build(kind: str, formulation: str, gate: str, state: dict):
    args = [state[k] for k in KEYS]
    if kind == "lstm":
        return rc.LSTMLayer(*args, gate_activation=gate)
    return rc.GRULayer(*args, formulation=formulation, gate_activation=gate)


def hard_problem(kind: str, formulation: str, gate: str, T=5, N=2, D=3, H=4, seed=0, margin=1e-3):
    """(layer, state, x, dhs, h0, c0, pre) whose hard-gate pre-activations keep ``margin`` from the kinks, with
    some clipped and some inside (so both the slope and the zero derivative are exercised)."""
    k = {"lstm": 4, "gru": 3}[kind] * H
    kink = KINK[gate]
    for attempt in range(500):
        rng = np.random.default_rng([seed, attempt])
        state = {
            "weight_ih_l0": rng.normal(0.0, 1.0, (k, D)),
            "weight_hh_l0": rng.normal(0.0, 1.0, (k, H)),
            "bias_ih_l0": rng.normal(0.0, 0.5, k),
            "bias_hh_l0": rng.normal(0.0, 0.5, k),
        }
        x = rng.normal(0.0, 1.5, (T, N, D))
        dhs = rng.normal(size=(T, N, H))
        h0 = rng.normal(0.0, 0.5, (N, H))
        c0 = rng.normal(0.0, 0.5, (N, H)) if kind == "lstm" else None
        _, _, pre, _ = numpy_cell_loop(kind, formulation, gate, state, x, h0, c0)
        gated = pre[pre != 0.0]
        inside = np.abs(gated) < kink
        if np.min(np.abs(np.abs(gated) - kink)) > margin and inside.mean() > 0.3 and (~inside).sum() >= 3:
            return build(kind, formulation, gate, state), state, x, dhs, h0, c0, pre
    raise AssertionError("no kink-free problem found")


def fd_grad(f, arr: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(arr)
    for idx in np.ndindex(arr.shape):
        plus, minus = arr.copy(), arr.copy()
        plus[idx] += eps
        minus[idx] -= eps
        grad[idx] = (f(plus) - f(minus)) / (2 * eps)
    return grad


def loss(layer, x, dhs, h0, c0) -> float:
    return float(np.sum(dhs * rc.forward(layer, x, h0, c0).hs))


# --- forward ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("gate", HARD)
@pytest.mark.parametrize("kind,formulation", VARIANTS, ids=VARIANT_IDS)
def test_forward_equals_the_independent_cells(kind, formulation, gate):
    layer, state, x, _, h0, c0, _ = hard_problem(kind, formulation, gate, T=8, seed=1)
    hs, cs, _, _ = numpy_cell_loop(kind, formulation, gate, state, x, h0, c0)
    tape = rc.forward(layer, x, h0, c0)
    np.testing.assert_allclose(tape.hs, hs, atol=1e-13, rtol=0)
    if cs is not None:
        np.testing.assert_allclose(tape.cs, cs, atol=1e-13, rtol=0)
    assert np.any(tape.gates == 0.0) or np.any(tape.gates == 1.0)  # the clip is reached


def test_keras2_hard_sigmoid_lstm_against_keras2_equations():
    """Keras 2's LSTMCell in Keras's own layout (kernel (D, 4H), gates i, f, c, o along the columns,
    hard_sigmoid = clip(0.2x + 0.5, 0, 1)) against the core's layer of the same weights."""
    layer, state, x, _, _, _, _ = hard_problem("lstm", "pytorch", "hard_sigmoid_keras2", T=10, seed=2)
    kernel, recurrent = state["weight_ih_l0"].T, state["weight_hh_l0"].T  # PyTorch's i, f, g, o = Keras's i, f, c, o
    bias = state["bias_ih_l0"] + state["bias_hh_l0"]
    H = layer.H
    h = np.zeros((x.shape[1], H))
    c = np.zeros_like(h)
    want = []
    for xt in x:
        z = xt @ kernel + h @ recurrent + bias
        i = np.clip(0.2 * z[:, :H] + 0.5, 0, 1)
        f = np.clip(0.2 * z[:, H : 2 * H] + 0.5, 0, 1)
        c = f * c + i * np.tanh(z[:, 2 * H : 3 * H])
        o = np.clip(0.2 * z[:, 3 * H :] + 0.5, 0, 1)
        h = o * np.tanh(c)
        want.append(h)
    np.testing.assert_allclose(rc.forward(layer, x).hs, np.stack(want), atol=1e-13, rtol=0)


# --- finite differences -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("gate", HARD)
@pytest.mark.parametrize("kind,formulation", VARIANTS, ids=VARIANT_IDS)
def test_every_gradient_matches_central_finite_differences(kind, formulation, gate):
    layer, state, x, dhs, h0, c0, _ = hard_problem(kind, formulation, gate, seed=3)
    trace = rc.bptt(layer, x, dhs, h0, c0)
    for key in KEYS:

        def f(value, key=key):
            return loss(build(kind, formulation, gate, {**state, key: value}), x, dhs, h0, c0)

        assert rel_err(trace.grads[key], fd_grad(f, state[key])) < 1e-6, key
    assert rel_err(trace.dx, fd_grad(lambda v: loss(layer, v, dhs, h0, c0), x)) < 1e-6
    assert rel_err(trace.dh0, fd_grad(lambda v: loss(layer, x, dhs, v, c0), h0)) < 1e-6
    if kind == "lstm":
        assert rel_err(trace.dc0, fd_grad(lambda v: loss(layer, x, dhs, h0, v), c0)) < 1e-6
    assert np.any(trace.grads["bias_ih_l0"] != 0.0)


def test_a_saturated_gate_passes_no_gradient_to_its_rows():
    """Every forget pre-activation far past the upper kink: f = 1 exactly, σ'(a_f) = 0, so the f rows' gradients
    are exactly 0 and the cell path carries dc unchanged (dc_{t-1} = dc_t ⊙ 1)."""
    layer, state, x, dhs, h0, c0, _ = hard_problem("lstm", "pytorch", "hard_sigmoid_keras3", seed=4)
    H = layer.H
    b_ih = state["bias_ih_l0"].copy()
    b_ih[H : 2 * H] = 100.0
    layer = layer.replace(b_ih=b_ih)
    trace = rc.bptt(layer, x, dhs, h0, c0)
    assert np.all(trace.tape.gate("f") == 1.0)
    assert not trace.grads["weight_ih_l0"][H : 2 * H].any() and not trace.grads["bias_ih_l0"][H : 2 * H].any()
    np.testing.assert_array_equal(trace.dc0, trace.dc[0])


# --- PyTorch autograd (Keras 3's / torch.nn.Hardsigmoid's variant) ----------------------------------------------
def torch_cell_loop(kind: str, formulation: str, state: dict, x, h0, c0, gate):
    """The same cells in PyTorch, float64, stepped in a Python loop with ``gate`` as the gate function; returns
    the loss L = Σ <dhs, h> builder's outputs: (hs, leaves) with every parameter, x, h0 (c0) a leaf."""
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in state.items()}
    xt = torch.tensor(x, requires_grad=True)
    h = h0t = torch.tensor(h0, requires_grad=True)
    leaves = {**p, "x": xt, "h0": h0t}
    if kind == "lstm":
        c = c0t = torch.tensor(c0, requires_grad=True)
        leaves["c0"] = c0t
    H = h0.shape[1]
    W_ih, W_hh, b_ih, b_hh = (p[k] for k in KEYS)
    hs = []
    for t in range(x.shape[0]):
        gi, gh = xt[t] @ W_ih.T + b_ih, h @ W_hh.T + b_hh
        if kind == "lstm":
            a = gi + gh
            i, f, g, o = gate(a[:, :H]), gate(a[:, H : 2 * H]), torch.tanh(a[:, 2 * H : 3 * H]), gate(a[:, 3 * H :])
            c = f * c + i * g
            h = o * torch.tanh(c)
        else:
            r, z = gate(gi[:, :H] + gh[:, :H]), gate(gi[:, H : 2 * H] + gh[:, H : 2 * H])
            if formulation == "pytorch":
                n = torch.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
                h = (1 - z) * n + z * h
            else:
                n = torch.tanh(gi[:, 2 * H :] + (r * h) @ W_hh[2 * H :].T + b_hh[2 * H :])
                h = (1 - z) * h + z * n
        hs.append(h)
    return torch.stack(hs), leaves


def torch_grads(kind, formulation, state, x, dhs, h0, c0, gate):
    hs, leaves = torch_cell_loop(kind, formulation, state, x, h0, c0, gate)
    (hs * torch.tensor(dhs)).sum().backward()
    return hs.detach().numpy(), {k: v.grad.numpy() for k, v in leaves.items()}


def ours(layer, x, dhs, h0, c0):
    trace = rc.bptt(layer, x, dhs, h0, c0)
    got = {**trace.grads, "x": trace.dx, "h0": trace.dh0}
    if c0 is not None:
        got["c0"] = trace.dc0
    return trace.hs, got


@pytest.mark.parametrize("kind,formulation", VARIANTS, ids=VARIANT_IDS)
def test_keras3_variant_equals_pytorch_autograd(kind, formulation):
    """Against ``torch.nn.functional.hardsigmoid``: the forward to 1e-13. Its float64 backward multiplies by
    ``1.0f / 6.0f``, 1/6 rounded to float32 (0.16666667163…, 3e-8 relative; ATen's hardsigmoid_backward kernel),
    so the gradients agree to that; against autograd through clamp(a + 3, 0, 6) / 6, whose slope is 1/6 in
    float64, they agree to 1e-9 (no pre-activation is at a kink, where the two conventions differ)."""
    layer, state, x, dhs, h0, c0, _ = hard_problem(kind, formulation, "hard_sigmoid_keras3", T=12, N=3, seed=5)
    hs, got = ours(layer, x, dhs, h0, c0)
    want_hs, want = torch_grads(kind, formulation, state, x, dhs, h0, c0, torch.nn.functional.hardsigmoid)
    np.testing.assert_allclose(hs, want_hs, atol=1e-13, rtol=0)
    for name, value in want.items():
        assert rel_err(got[name], value) < 1e-7, name
    _, exact = torch_grads(kind, formulation, state, x, dhs, h0, c0, lambda a: torch.clamp(a + 3.0, 0.0, 6.0) / 6.0)
    for name, value in exact.items():
        assert rel_err(got[name], value) < 1e-9, name


# --- the derivative at the kinks --------------------------------------------------------------------------------
def test_kink_convention_is_pytorchs_hardsigmoid_backward():
    """σ' is nonzero exactly where -3 < a < 3 (strict), as PyTorch's hardsigmoid_backward decides it; zero at ±3,
    decided on a itself (one ulp inside the kink the slope is 1/6 even when the clipped value rounds to 1)."""
    a = np.array([-100.0, -3.0, np.nextafter(-3.0, 0.0), -1.0, 0.0, 2.0, np.nextafter(3.0, 0.0), 3.0, 7.0])
    t = torch.tensor(a, requires_grad=True)
    torch.nn.functional.hardsigmoid(t).sum().backward()
    slope = hard_sigmoid_slope("hard_sigmoid_keras3", a, np.empty_like(a))
    np.testing.assert_array_equal(slope != 0, t.grad.numpy() != 0)
    assert set(slope[slope != 0]) == {1.0 / 6.0}
    k2 = np.array([-2.5, np.nextafter(-2.5, 0.0), 0.0, np.nextafter(2.5, 0.0), 2.5, 3.0])
    np.testing.assert_array_equal(
        hard_sigmoid_slope("hard_sigmoid_keras2", k2, np.empty_like(k2)), [0, 0.2, 0.2, 0.2, 0, 0]
    )


@pytest.mark.parametrize("gate", HARD)
def test_kink_convention_through_bptt(gate):
    """Zero weights, so every gate pre-activation is its bias exactly: gates whose a sits on a kink get no
    gradient; one ulp inside, the slope."""
    H, kink = 4, KINK[gate]
    slope = {"hard_sigmoid_keras2": 0.2, "hard_sigmoid_keras3": 1.0 / 6.0}[gate]
    b = np.array([kink, -kink, np.nextafter(kink, 0.0), np.nextafter(-kink, 0.0)])
    b_ih = np.concatenate([b, b, np.zeros(H), b])
    layer = rc.LSTMLayer(np.zeros((4 * H, 2)), np.zeros((4 * H, H)), b_ih, np.zeros(4 * H), gate_activation=gate)
    x, dhs = np.ones((1, 1, 2)), np.ones((1, 1, H))
    c0 = np.ones((1, H))
    trace = rc.bptt(layer, x, dhs, np.zeros((1, H)), c0)
    db_f = trace.grads["bias_ih_l0"][H : 2 * H]  # dL/da_f = dc ⊙ c0 ⊙ σ'(a_f)
    dc = trace.dc[0, 0]
    np.testing.assert_array_equal(db_f, dc * np.array([0.0, 0.0, slope, slope]))


# --- back_all against step_loop, the default untouched, other names refused ----------------------------------------
@pytest.mark.parametrize("gate", HARD)
@pytest.mark.parametrize("kind,formulation", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("shape", [(1, 1, 2, 3), (7, 3, 4, 5), (12, 16, 8, 128)])
@pytest.mark.parametrize("truncate", [None, 3])
def test_back_all_equals_the_step_loop_bit_for_bit(kind, formulation, gate, shape, truncate):
    T, N, D, H = shape
    options = {"formulation": formulation} if kind == "gru" else {}
    layer = rc.init_layer(kind, D, H, seed=1, scale=3.0, scheme="gaussian", gate_activation=gate, **options)
    rng = np.random.default_rng([T, N, H])
    x, dhs, h0 = 3 * rng.standard_normal((T, N, D)), rng.standard_normal((T, N, H)), rng.standard_normal((N, H))
    c0 = rng.standard_normal((N, H)) if kind == "lstm" else None
    tape = layer.forward(x, State(h0, c0))
    assert tape.slopes is not None and np.any(tape.slopes == 0.0)  # some gates clipped
    got, want = layer.back_all(tape, dhs, truncate), step_loop(layer, tape, dhs, truncate)
    for name in want._fields:
        if getattr(want, name) is None:
            assert getattr(got, name) is None, name
        else:
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)


@pytest.mark.parametrize("kind,formulation", VARIANTS, ids=VARIANT_IDS)
def test_the_default_is_the_sigmoid_and_unchanged(kind, formulation):
    """No gate_activation, or "sigmoid", is the same layer and the same numbers bit for bit (the tanh-trick
    kernels; no slopes on the tape), equal to the book's sigmoid cells."""
    options = {"formulation": formulation} if kind == "gru" else {}
    default = rc.init_layer(kind, 3, 4, seed=7, **options)
    explicit = rc.init_layer(kind, 3, 4, seed=7, gate_activation="sigmoid", **options)
    assert default.gate_activation == "sigmoid"
    rng = np.random.default_rng(8)
    x, dhs = rng.normal(size=(6, 2, 3)), rng.normal(size=(6, 2, 4))
    a, b = rc.bptt(default, x, dhs), rc.bptt(explicit, x, dhs)
    assert a.tape.slopes is None
    np.testing.assert_array_equal(a.hs, b.hs)
    for key in KEYS:
        np.testing.assert_array_equal(a.grads[key], b.grads[key])
    book = ref.bptt(default, x, dhs)
    assert rel_err(a.hs, book.hs) < 1e-12 and all(rel_err(a.grads[k], book.grads[k]) < 1e-12 for k in KEYS)


def test_unknown_gate_activations_are_refused_by_name():
    state = dict(zip(KEYS, (np.zeros((16, 2)), np.zeros((16, 4)), np.zeros(16), np.zeros(16)), strict=True))
    for name in ("hard_sigmoid", "relu", "tanh", ""):
        with pytest.raises(ValueError, match=f"gate_activation.*{name!r}"):
            rc.LSTMLayer(*(state[k] for k in KEYS), gate_activation=name)
        with pytest.raises(ValueError, match=f"gate_activation.*{name!r}"):
            rc.GRULayer(*(state[k][:12] for k in KEYS), gate_activation=name)
        with pytest.raises(ValueError, match="gate_activation"):
            rc.init_layer("gru", 2, 4, gate_activation=name)
    with pytest.raises(ValueError, match="gate_activation: not an option of a rnn layer"):
        rc.init_layer("rnn", 2, 4, gate_activation="hard_sigmoid_keras3")
    spec = RecurrentSpec("m", "lstm", 2, 4, 1, False, "keras", "tanh", "relu", "pytorch", state)
    with pytest.raises(ValueError, match=r"gate .*'relu'"):
        spec.build()


@pytest.mark.parametrize("gate", HARD)
def test_pytorch_exports_refuse_a_hard_gate_by_name(gate, tmp_path):
    layer = rc.init_layer("lstm", 2, 3, gate_activation=gate)
    stack = rc.init_stack("gru", 2, 3, num_layers=2, bidirectional=True, gate_activation=gate)
    for model in (layer, stack):
        with pytest.raises(ValueError, match=f"to_pytorch: .*{gate}"):
            rc.to_pytorch(model)
        with pytest.raises(ValueError, match=gate):
            rc.save_weights(model, tmp_path / "w.safetensors")
    assert not (tmp_path / "w.safetensors").exists()
    with pytest.raises(ValueError, match=gate):
        ref.bptt(layer, np.zeros((2, 1, 2)), np.ones((2, 1, 3)))


# --- stacks, specs, analyses -------------------------------------------------------------------------------------
def test_a_stack_carries_the_gate_per_layer_and_its_gradients_are_exact():
    stack = rc.init_stack("lstm", 3, 4, num_layers=2, bidirectional=True, seed=9, gate_activation="hard_sigmoid_keras2")
    assert {layer.gate_activation for layer in stack.layers} == {"hard_sigmoid_keras2"}
    rng = np.random.default_rng(10)
    x, dhs = 2 * rng.normal(size=(5, 2, 3)), rng.normal(size=(5, 2, 8))
    trace = rc.bptt(stack, x, dhs)

    def f(v):
        return float(np.sum(dhs * rc.forward(stack, v).hs))

    assert rel_err(trace.dx, fd_grad(f, x)) < 1e-6
    mixed = (stack.layers[0], stack.layers[1].replace(gate_activation="sigmoid"), *stack.layers[2:])
    with pytest.raises(ValueError, match="gate_activation"):
        rc.Stack(mixed, num_layers=2, bidirectional=True)


@pytest.mark.parametrize("gate", HARD)
@pytest.mark.parametrize("kind,formulation", VARIANTS, ids=VARIANT_IDS)
def test_a_spec_with_a_hard_gate_builds_that_layer(kind, formulation, gate):
    layer = rc.init_layer(kind, 3, 4, seed=11, **({"formulation": formulation} if kind == "gru" else {}))
    state = {k: getattr(layer, f) for k, f in zip(KEYS, ("W_ih", "W_hh", "b_ih", "b_hh"), strict=True)}
    two = {**state, **{k.replace("_l0", "_l0_reverse"): v for k, v in state.items()}}
    single = RecurrentSpec("m", kind, 3, 4, 1, False, "keras", "tanh", gate, formulation, state).build()
    assert type(single) is type(layer) and single.gate_activation == gate
    assert getattr(single, "formulation", formulation) == formulation
    stack = RecurrentSpec("m", kind, 3, 4, 1, True, "keras", "tanh", gate, formulation, two).build()
    assert [lay.gate_activation for lay in stack.layers] == [gate, gate]


@pytest.mark.parametrize("gate", HARD)
def test_lstm_cell_path_is_the_product_of_forget_gates(gate):
    """rc.lstm_cell_path on a hard-sigmoid LSTM: with the loss at the last step only, the path's dc_t is
    dhs ⊙ o ⊙ tanh'(c) at T-1 times ∏_{s>t} f_s, f from the independent cells (some f exactly 0 or 1)."""
    layer, state, x, _, h0, c0, _ = hard_problem("lstm", "pytorch", gate, T=10, N=3, seed=12)
    H = layer.H
    dhs = np.zeros((10, 3, H))
    dhs[-1] = np.random.default_rng(13).normal(size=(3, H))
    _, cs, pre, f = numpy_cell_loop("lstm", "pytorch", gate, state, x, h0, c0)
    o = GATE[gate](pre[..., 3 * H :])
    dc = dhs[-1] * o[-1] * (1.0 - np.tanh(cs[-1]) ** 2)
    want = np.empty((10, 3))
    for t in range(9, -1, -1):
        want[t] = np.linalg.norm(dc, axis=-1)
        dc = dc * f[t]
    result = rc.lstm_cell_path(layer, x, dhs, h0, c0)
    np.testing.assert_allclose(result.gate, f, atol=1e-13, rtol=0)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(result.path.log10["c"], np.log10(want), atol=1e-10, rtol=0)


@pytest.mark.parametrize("gate", HARD)
@pytest.mark.parametrize("formulation", ["pytorch", "dlfs2"])
def test_gru_direct_path_is_the_product_of_keep_gates(formulation, gate):
    """rc.gru_direct_path on a hard-sigmoid GRU: with the loss at the last step only, the path's dh_t is
    dhs[T-1] ⊙ ∏_{s>t} k_s, k = z (PyTorch's) or 1 - z (the book's), z from the independent cells."""
    layer, state, x, _, h0, _, _ = hard_problem("gru", formulation, gate, T=10, N=3, seed=14)
    H = layer.H
    dhs = np.zeros((10, 3, H))
    dhs[-1] = np.random.default_rng(15).normal(size=(3, H))
    _, _, pre, _ = numpy_cell_loop("gru", formulation, gate, state, x, h0)
    z = GATE[gate](pre[..., H : 2 * H])
    keep = z if formulation == "pytorch" else 1.0 - z
    dh, want = dhs[-1], np.empty((10, 3))
    for t in range(9, -1, -1):
        want[t] = np.linalg.norm(dh, axis=-1)
        dh = dh * keep[t]
    result = rc.gru_direct_path(layer, x, dhs, h0)
    np.testing.assert_allclose(result.gate, keep, atol=1e-13, rtol=0)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(result.path.log10["h"], np.log10(want), atol=1e-10, rtol=0)
