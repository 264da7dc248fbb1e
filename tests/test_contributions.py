"""Per-step contributions to the weight gradients, checked against PyTorch autograd with one copy of W_hh and W_ih
per step (the gradient of step t's copy is step t's contribution), for every kind and variant."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from helpers import STATE_KEYS, VARIANT_IDS, VARIANTS, problem, rel_err  # noqa: E402

import recurrent_core as rc  # noqa: E402


def torch_per_step_weight_grads(kind, option, state, x, dhs, h0, c0):
    """Gradients of L w.r.t. per-step copies of W_hh and W_ih: (T, kH, H) and (T, kH, D)."""
    W_ih, W_hh, b_ih, b_hh = (torch.tensor(state[k]) for k in STATE_KEYS)
    T, N, _ = x.shape
    H = W_hh.shape[1]
    W_hh_t = [W_hh.clone().requires_grad_(True) for _ in range(T)]
    W_ih_t = [W_ih.clone().requires_grad_(True) for _ in range(T)]
    h = torch.zeros(N, H, dtype=torch.float64) if h0 is None else torch.tensor(h0)
    c = None if kind != "lstm" else (torch.zeros(N, H, dtype=torch.float64) if c0 is None else torch.tensor(c0))
    loss = 0.0
    for t in range(T):
        gi = torch.tensor(x[t]) @ W_ih_t[t].T + b_ih
        Whh = W_hh_t[t]
        if kind == "rnn":
            a = gi + h @ Whh.T + b_hh
            h = torch.tanh(a) if option == "tanh" else torch.relu(a)
        elif kind == "lstm":
            a = gi + h @ Whh.T + b_hh
            i, f, g, o = (a[:, j * H : (j + 1) * H] for j in range(4))
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        elif option == "pytorch":
            gh = h @ Whh.T + b_hh
            r = torch.sigmoid(gi[:, :H] + gh[:, :H])
            z = torch.sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
            n = torch.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
            h = (1 - z) * n + z * h
        else:
            r = torch.sigmoid(gi[:, :H] + h @ Whh[:H].T + b_hh[:H])
            z = torch.sigmoid(gi[:, H : 2 * H] + h @ Whh[H : 2 * H].T + b_hh[H : 2 * H])
            n = torch.tanh(gi[:, 2 * H :] + (r * h) @ Whh[2 * H :].T + b_hh[2 * H :])
            h = (1 - z) * h + z * n
        loss = loss + (torch.tensor(dhs[t]) * h).sum()
    loss.backward()
    return np.stack([w.grad.numpy() for w in W_hh_t]), np.stack([w.grad.numpy() for w in W_ih_t])


@pytest.mark.parametrize("shape", [(1, 1, 3, 4), (7, 3, 4, 5)], ids=["T1N1", "T7N3"])
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_step_contributions(variant, shape):
    _, kind, option = variant
    T, N, D, H = shape
    layer, x, dhs, h0, c0, state = problem(variant, T, N, D, H, seed=11)
    hh, ih = rc.step_contribution_matrices(layer, x, dhs, h0, c0)
    ref_hh, ref_ih = torch_per_step_weight_grads(kind, option, state, x, dhs, h0, c0)
    assert hh.shape == ref_hh.shape and ih.shape == ref_ih.shape
    for t in range(T):
        assert rel_err(hh[t], ref_hh[t], floor=1e-12) < 1e-9, f"W_hh step {t}"
        assert rel_err(ih[t], ref_ih[t], floor=1e-12) < 1e-9, f"W_ih step {t}"
    trace = rc.bptt(layer, x, dhs, h0, c0)
    assert rel_err(hh.sum(axis=0), trace.grads["weight_hh_l0"]) < 1e-12
    assert rel_err(ih.sum(axis=0), trace.grads["weight_ih_l0"]) < 1e-12

    sc = rc.step_contributions(layer, x, dhs, h0, c0)
    k = len(sc.blocks)
    assert sc.blocks == {"rnn": ("a",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}[kind]
    assert sc.W_hh.shape == (T, k) and sc.W_ih.shape == (T, k) and sc.dx.shape == (T,)
    blocks_hh = np.linalg.norm(ref_hh.reshape(T, k, H, H), axis=(2, 3))
    blocks_ih = np.linalg.norm(ref_ih.reshape(T, k, H, D), axis=(2, 3))
    np.testing.assert_allclose(sc.W_hh, blocks_hh, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(sc.W_ih, blocks_ih, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(sc.W_hh_total, np.linalg.norm(ref_hh, axis=(1, 2)), rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(sc.W_ih_total, np.linalg.norm(ref_ih, axis=(1, 2)), rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(sc.dx, np.linalg.norm(trace.dx.reshape(T, -1), axis=1), rtol=1e-12)
    np.testing.assert_allclose(sc.dx_per_sample, np.linalg.norm(trace.dx, axis=2), rtol=1e-12)


def test_zero_recurrence_literal_values():
    """A literal case: with zero recurrent weights an RNN step t < T-1 never reaches the loss at T-1."""
    H, D = 3, 2
    layer = rc.RNNLayer(np.ones((H, D)), np.zeros((H, H)), np.zeros(H), np.zeros(H))
    x, dhs = np.ones((4, 1, D)), np.zeros((4, 1, H))
    dhs[-1] = 1.0
    sc = rc.step_contributions(layer, x, dhs)
    np.testing.assert_array_equal(sc.W_ih[:-1, 0], 0.0)
    # step 3: da = 1 - tanh(2)^2 per unit, x = (1, 1): ‖da^T x‖_F = sqrt(H · D) · (1 - tanh(2)^2)
    np.testing.assert_allclose(sc.W_ih[-1, 0], np.sqrt(H * D) * (1 - np.tanh(2.0) ** 2), rtol=1e-14)


def test_bad_input():
    layer = rc.init_layer("gru", 2, 3, 0)
    with pytest.raises(ValueError, match=r"dhs: expected shape \(4, 1, 3\)"):
        rc.step_contributions(layer, np.zeros((4, 1, 2)), np.zeros((4, 1, 2)))
    with pytest.raises(ValueError, match=r"layer: expected an RNNLayer, LSTMLayer or GRULayer"):
        rc.step_contributions("gru", np.zeros((4, 1, 2)), np.zeros((4, 1, 3)))


def test_stack_contributions_sum_to_the_stack_gradients():
    torch.manual_seed(0)
    mod = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    state = {k: v.detach().numpy().copy() for k, v in mod.state_dict().items()}
    stack = rc.from_pytorch(state)
    rng = np.random.default_rng(1)
    x, dhs = rng.normal(size=(5, 2, 3)), rng.normal(size=(5, 2, 8))
    trace = rc.bptt(stack, x, dhs)
    matrices = rc.step_contribution_matrices(stack, x, dhs)
    norms = rc.step_contributions(stack, x, dhs)
    assert set(matrices) == set(norms) == set(trace.layers)
    for (k, direction), (hh, ih) in matrices.items():
        assert rel_err(hh.sum(axis=0), trace.grads[rc.state_key("weight_hh", k, direction)]) < 1e-12
        assert rel_err(ih.sum(axis=0), trace.grads[rc.state_key("weight_ih", k, direction)]) < 1e-12
        sc = norms[(k, direction)]
        np.testing.assert_allclose(sc.W_hh, np.linalg.norm(hh.reshape(5, 4, 4, 4), axis=(2, 3)), rtol=1e-10)
        np.testing.assert_allclose(sc.W_ih_total, np.linalg.norm(ih, axis=(1, 2)), rtol=1e-10)
