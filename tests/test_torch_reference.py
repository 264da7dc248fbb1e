"""rc.bptt against PyTorch autograd in float64: nn.RNN (tanh, relu), nn.LSTM, nn.GRU, and a hand-written torch
GRU for the 'dlfs2' formulation. Hidden states, dx, dh0, dc0, every parameter gradient, and the total dL/dh_t
(and dL/dc_t) at every step (from a step-by-step torch forward with retain_grad)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from helpers import STATE_KEYS, VARIANT_IDS, VARIANTS, random_state, rel_err  # noqa: E402

import recurrent_core as rc  # noqa: E402

TOL = 1e-9
SHAPES = [(1, 1, 3, 4), (5, 3, 4, 5), (50, 4, 6, 16)]  # (T, N, D, H)
SHAPE_IDS = ["T{}N{}D{}H{}".format(*s) for s in SHAPES]


def t64(a):
    return torch.tensor(np.asarray(a), dtype=torch.float64)


def assert_close(ours, ref, what):
    ref = ref.detach().numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} != {ref.shape}"
    err = rel_err(ours, ref, floor=1e-12)
    assert err < TOL, f"{what}: relative error {err:.3e}"


def torch_module(kind, option, D, H, state):
    if kind == "rnn":
        mod = torch.nn.RNN(D, H, nonlinearity=option)
    elif kind == "lstm":
        mod = torch.nn.LSTM(D, H)
    else:
        mod = torch.nn.GRU(D, H)
    mod = mod.double()
    mod.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()}, strict=True)
    return mod


def torch_step_by_step(kind, option, params, x, h0, c0):
    """Manual torch forward (one op graph per step) returning the lists of h_t and c_t with retain_grad()."""
    W_ih, W_hh, b_ih, b_hh = (params[k] for k in STATE_KEYS)
    H = W_hh.shape[1]
    h, c = h0, c0
    hs, cs = [], []
    for t in range(x.shape[0]):
        gi = x[t] @ W_ih.T + b_ih
        if kind == "rnn":
            a = gi + h @ W_hh.T + b_hh
            h = torch.tanh(a) if option == "tanh" else torch.relu(a)
        elif kind == "lstm":
            a = gi + h @ W_hh.T + b_hh
            i, f, g, o = (a[:, j * H : (j + 1) * H] for j in range(4))
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            c.retain_grad()
            cs.append(c)
        elif option == "pytorch":
            gh = h @ W_hh.T + b_hh
            r = torch.sigmoid(gi[:, :H] + gh[:, :H])
            z = torch.sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
            n = torch.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
            h = (1 - z) * n + z * h
        else:  # dlfs2: reset applied to h before W_hn; z is the update gate
            r = torch.sigmoid(gi[:, :H] + h @ W_hh[:H].T + b_hh[:H])
            z = torch.sigmoid(gi[:, H : 2 * H] + h @ W_hh[H : 2 * H].T + b_hh[H : 2 * H])
            n = torch.tanh(gi[:, 2 * H :] + (r * h) @ W_hh[2 * H :].T + b_hh[2 * H :])
            h = (1 - z) * h + z * n
        h.retain_grad()
        hs.append(h)
    return hs, cs


def make_problem(variant, shape, seed):
    T, N, D, H = shape
    _, kind, option = variant
    rng = np.random.default_rng(seed)
    scale = 1.0 / np.sqrt(H) if kind != "rnn" or option != "relu" else 0.5 / np.sqrt(H)
    state = random_state(rng, kind, D, H, scale=scale)
    x = rng.normal(size=(T, N, D))
    dhs = rng.normal(size=(T, N, H))
    h0 = rng.normal(0.0, 0.5, (N, H))
    c0 = rng.normal(0.0, 0.5, (N, H)) if kind == "lstm" else None
    return state, x, dhs, h0, c0


def our_layer(kind, option, state):
    if kind == "gru" and option == "dlfs2":
        return rc.GRULayer(*(state[k] for k in STATE_KEYS), formulation="dlfs2")
    layer = rc.from_pytorch(state, nonlinearity=option if kind == "rnn" else "tanh")
    assert layer.kind == kind
    return layer


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("variant", [v for v in VARIANTS if v[0] != "gru_dlfs2"], ids=VARIANT_IDS[:4])
def test_matches_torch_module(variant, shape):
    T, _N, D, H = shape
    _, kind, option = variant
    state, x, dhs, h0, c0 = make_problem(variant, shape, seed=100 + T)
    trace = rc.bptt(our_layer(kind, option, state), x, dhs, h0=h0, c0=c0)

    mod = torch_module(kind, option, D, H, state)
    xt = t64(x).requires_grad_()
    h0t = t64(h0[None]).requires_grad_()
    if kind == "lstm":
        c0t = t64(c0[None]).requires_grad_()
        out, _ = mod(xt, (h0t, c0t))
    else:
        out, _ = mod(xt, h0t)
    (out * t64(dhs)).sum().backward()

    assert_close(trace.hs, out, "hs")
    assert_close(trace.dx, xt.grad, "dx")
    assert_close(trace.dh0, h0t.grad[0], "dh0")
    if kind == "lstm":
        assert_close(trace.dc0, c0t.grad[0], "dc0")
    else:
        assert trace.dc0 is None
    params = dict(mod.named_parameters())
    assert set(trace.grads) == set(params) == set(STATE_KEYS)
    for key in STATE_KEYS:
        assert_close(trace.grads[key], params[key].grad, key)


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_matches_torch_step_by_step(variant, shape):
    """Every trace field, including the total dL/dh_t (and dL/dc_t) at each step, for all variants
    (the only reference for the 'dlfs2' GRU, which torch has no module for)."""
    T, _N, _D, _H = shape
    _, kind, option = variant
    state, x, dhs, h0, c0 = make_problem(variant, shape, seed=200 + T)
    trace = rc.bptt(our_layer(kind, option, state), x, dhs, h0=h0, c0=c0)

    params = {k: t64(v).requires_grad_() for k, v in state.items()}
    xt = t64(x).requires_grad_()
    h0t = t64(h0).requires_grad_()
    c0t = t64(c0).requires_grad_() if kind == "lstm" else None
    hs, cs = torch_step_by_step(kind, option, params, xt, h0t, c0t)
    out = torch.stack(hs)
    (out * t64(dhs)).sum().backward()

    assert_close(trace.hs, out, "hs")
    assert_close(trace.dh, torch.stack([h.grad for h in hs]), "dh")
    assert_close(trace.dx, xt.grad, "dx")
    assert_close(trace.dh0, h0t.grad, "dh0")
    if kind == "lstm":
        assert_close(trace.dc, torch.stack([c.grad for c in cs]), "dc")
        assert_close(trace.dc0, c0t.grad, "dc0")
    else:
        assert trace.dc is None and trace.dc0 is None
    for key in STATE_KEYS:
        assert_close(trace.grads[key], params[key].grad, key)


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v[0] != "gru_dlfs2"], ids=VARIANT_IDS[:4])
def test_torch_state_dict_round_trip(variant):
    """A torch module's own state dict -> rc.from_pytorch -> rc.to_pytorch is bit-identical and loads back."""
    _, kind, option = variant
    D, H = 3, 5
    torch.manual_seed(0)
    if kind == "rnn":
        mod = torch.nn.RNN(D, H, nonlinearity=option).double()
    elif kind == "lstm":
        mod = torch.nn.LSTM(D, H).double()
    else:
        mod = torch.nn.GRU(D, H).double()
    state = {k: v.detach().numpy().copy() for k, v in mod.state_dict().items()}
    layer = rc.from_pytorch(state, nonlinearity=option if kind == "rnn" else "tanh")
    back = rc.to_pytorch(layer)
    assert set(back) == set(state)
    for key in state:
        assert back[key].dtype == np.float64
        assert np.array_equal(back[key], state[key]), key
    fresh = torch_module(kind, option, D, H, back)
    for key, value in fresh.state_dict().items():
        assert np.array_equal(value.numpy(), state[key])
