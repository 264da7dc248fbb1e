"""Stacks (num_layers >= 1, bidirectional) against PyTorch float64 autograd: nn.RNN/LSTM/GRU's own output and
gradients, and a step-by-step torch stack (retain_grad on every h_t, c_t) for each layer's total dL/dh_t, dL/dc_t.
Also the state-dict round trip, bad state dicts and bad inputs."""

from __future__ import annotations

import io

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from helpers import rel_err  # noqa: E402
from test_torch_reference import torch_step_by_step  # noqa: E402

import recurrent_core as rc  # noqa: E402

TOL = 1e-9
KINDS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", None), ("gru", "pytorch")]
KIND_IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]
LAYOUTS = [(1, True), (2, False), (2, True), (3, False), (3, True)]  # (num_layers, bidirectional)
LAYOUT_IDS = [f"L{n}{'bi' if b else ''}" for n, b in LAYOUTS]


def module(kind, option, D, H, num_layers, bidirectional, seed):
    torch.manual_seed(seed)
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    extra = {"nonlinearity": option} if kind == "rnn" else {}
    return cls(D, H, num_layers=num_layers, bidirectional=bidirectional, **extra).double()


def numpy_state(mod):
    return {k: v.detach().numpy().copy() for k, v in mod.state_dict().items()}


def close(ours, ref, what):
    ref = ref.detach().numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} != {ref.shape}"
    err = rel_err(ours, ref, floor=1e-12)
    assert err < TOL, f"{what}: relative error {err:.3e}"


@pytest.mark.parametrize("T", [1, 6])
@pytest.mark.parametrize("layout", LAYOUTS, ids=LAYOUT_IDS)
@pytest.mark.parametrize("kind, option", KINDS, ids=KIND_IDS)
def test_stack_matches_pytorch(kind, option, layout, T):
    num_layers, bidirectional = layout
    dirs = 2 if bidirectional else 1
    N, D, H = 3, 4, 5
    mod = module(kind, option, D, H, num_layers, bidirectional, seed=T * 100 + num_layers)
    state = numpy_state(mod)
    stack = rc.from_pytorch(state, nonlinearity=option if kind == "rnn" else "tanh")
    assert isinstance(stack, rc.Stack) and stack.num_layers == num_layers and stack.bidirectional == bidirectional

    rng = np.random.default_rng(T + num_layers)
    x = rng.normal(size=(T, N, D))
    dhs = rng.normal(size=(T, N, dirs * H))
    h0 = rng.normal(0, 0.5, (num_layers * dirs, N, H))
    c0 = rng.normal(0, 0.5, (num_layers * dirs, N, H)) if kind == "lstm" else None

    # PyTorch's module: out, h_n, dx, dh0, dc0, every parameter gradient
    tx, th0 = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    tc0 = torch.tensor(c0, requires_grad=True) if c0 is not None else None
    out, hn = mod(tx, (th0, tc0) if tc0 is not None else th0)
    (out * torch.tensor(dhs)).sum().backward()

    trace = rc.bptt(stack, x, dhs, h0, c0)
    close(trace.hs, out, "out")
    close(trace.dx, tx.grad, "dx")
    close(trace.dh0, th0.grad, "dh0")
    if kind == "lstm":
        close(trace.dc0, tc0.grad, "dc0")
        close(trace.tape.cn, hn[1], "c_n")
    else:
        assert trace.dc0 is None
    close(trace.tape.hn, hn[0] if kind == "lstm" else hn, "h_n")
    assert list(trace.grads) == list(state)  # keyed exactly like the state_dict, in its order
    for name, p in mod.named_parameters():
        close(trace.grads[name], p.grad, name)
    np.testing.assert_array_equal(rc.forward(stack, x, h0, c0).hs, trace.hs)

    # a torch stack built step by step: the total dL/dh_t (and dL/dc_t) of every layer and direction
    params = {k: torch.tensor(v, requires_grad=True) for k, v in state.items()}
    level, states = torch.tensor(x), {}
    for k in range(num_layers):
        outs = []
        for j, direction in enumerate(stack.directions):
            i = k * dirs + j
            p = {
                f"{n}_l0": params[rc.state_key(n, k, direction)]
                for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            }
            xin = level if direction == "forward" else level.flip(0)
            hs, cs = torch_step_by_step(
                kind, option, p, xin, torch.tensor(h0[i]), torch.tensor(c0[i]) if c0 is not None else None
            )
            states[(k, direction)] = (hs, cs)
            seq = torch.stack(hs)
            outs.append(seq if direction == "forward" else seq.flip(0))
        level = torch.cat(outs, dim=-1)
    close(trace.hs, level, "step-by-step out")
    (level * torch.tensor(dhs)).sum().backward()
    for key, (hs, cs) in states.items():
        close(trace.layers[key].dh, torch.stack([h.grad for h in hs]), f"dh {key} (own step order)")
        close(trace.dh(*key), rc.time_ordered(key[1], torch.stack([h.grad for h in hs]).numpy()), f"dh {key}")
        if kind == "lstm":
            close(trace.dc(*key), rc.time_ordered(key[1], torch.stack([c.grad for c in cs]).numpy()), f"dc {key}")
        W_hh = stack.layer(*key).W_hh
        np.testing.assert_array_equal(W_hh, state[rc.state_key("weight_hh", *key)])


@pytest.mark.parametrize("kind, option", KINDS, ids=KIND_IDS)
def test_round_trip_bit_for_bit(kind, option):
    state = numpy_state(module(kind, option, 3, 4, 3, True, seed=1))
    stack = rc.from_pytorch(state, nonlinearity=option if kind == "rnn" else "tanh")
    back = rc.to_pytorch(stack)
    assert list(back) == list(state)
    for key, value in state.items():
        assert back[key].dtype == np.float64 and back[key].tobytes() == value.tobytes(), key
    buf = io.BytesIO()
    rc.save_weights(stack, buf, fmt="npz")
    again = rc.to_pytorch(rc.load_weights(buf.getvalue(), nonlinearity=option if kind == "rnn" else "tanh"))
    assert all(again[k].tobytes() == state[k].tobytes() for k in state)
    # PyTorch loads it back, strictly
    mod = module(kind, option, 3, 4, 3, True, seed=2)
    mod.load_state_dict({k: torch.from_numpy(v) for k, v in back.items()}, strict=True)


def test_one_unidirectional_layer_is_still_a_layer():
    state = numpy_state(module("lstm", None, 3, 4, 1, False, seed=0))
    assert isinstance(rc.from_pytorch(state), rc.LSTMLayer)


def test_per_layer_access_and_flow_norms():
    state = numpy_state(module("gru", "pytorch", 3, 4, 2, True, seed=3))
    stack = rc.from_pytorch(state)
    rng = np.random.default_rng(0)
    x, dhs = rng.normal(size=(7, 2, 3)), np.zeros((7, 2, 8))
    dhs[-1] = 1.0
    trace = rc.bptt(stack, x, dhs)
    assert set(trace.layers) == {(0, "forward"), (0, "reverse"), (1, "forward"), (1, "reverse")}
    assert trace.dh(1, "reverse").shape == (7, 2, 4) and trace.dc(1, "reverse") is None
    assert trace.layers[(0, "reverse")].tape.z.shape == (7, 2, 4)
    np.testing.assert_array_equal(stack.layer(1, "reverse").W_hh, state["weight_hh_l1_reverse"])
    norms = rc.flow_norms(stack, x, dhs)
    for key, fn in norms.items():
        with np.errstate(divide="ignore"):  # steps the loss has not reached yet: -inf on both sides
            exact = np.log10(np.linalg.norm(trace.layers[key].dh, axis=-1))
        np.testing.assert_allclose(fn.log10_dh, exact, rtol=1e-12, atol=1e-12)


def base_state():
    return numpy_state(module("lstm", None, 3, 4, 2, True, seed=4))


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda s: s.pop("weight_ih_l1_reverse"),
            r"without the rest of layer 1 \(reverse\): missing \['weight_ih_l1_reverse'\]",
        ),
        (
            lambda s: [s.pop(k) for k in list(s) if k.endswith("l1_reverse")],
            r"missing \[.*'weight_ih_l1_reverse'.*\]: layer 1 \(reverse\) is absent",
        ),
        (lambda s: s.update(weight_hr_l0=np.zeros((16, 2))), r"unexpected keys \['weight_hr_l0'\].*proj_size"),
        (lambda s: s.update(weight_ih_l3=np.zeros((16, 8))), r"missing \['weight_ih_l2', .*\]: layer 2 is absent"),
        (lambda s: s.update(weight_ih_l1=np.zeros((16, 7))), r"D = 8 \(dirs·H = 2·4, layer 0's output\), got D = 7"),
        (
            lambda s: s.update(weight_hh_l1=np.zeros((20, 5)), weight_ih_l1=np.zeros((20, 8))),
            r"bias_ih_l1: expected shape \(20,\)",
        ),
        (
            lambda s: s.update(
                **{
                    k: np.zeros((20, 5) if "hh" in k else (20, 8) if "ih" in k else 20)
                    for k in s
                    if "_l1" in k and "weight" in k
                },
                **{k: np.zeros(20) for k in s if "_l1" in k and "bias" in k},
            ),
            r"layers\[2\] \(layer 1 forward\): expected H = 4 \(from layer 0\), got H = 5",
        ),
        (
            lambda s: s.update(weight_ih_l1=np.zeros((12, 8))),
            r"weight_hh_l1: expected shape \(3\*H, H\) with H >= 1 for a gru, got \(16, 4\)",
        ),
        (lambda s: s.update(weight_ih_l01=np.zeros((16, 8))), r"unexpected keys \['weight_ih_l01'\]"),
    ],
    ids=["missing_key", "missing_direction", "proj", "gap", "D", "bias", "H", "kind", "bad_name"],
)
def test_bad_state_dicts(edit, message):
    state = base_state()
    edit(state)
    with pytest.raises(ValueError, match=message):
        rc.from_pytorch(state)


def test_proj_size_module_is_refused():
    mod = torch.nn.LSTM(3, 4, num_layers=2, proj_size=2).double()
    with pytest.raises(ValueError, match=r"proj_size > 0.*not supported"):
        rc.from_pytorch(numpy_state(mod))


def test_mixed_kinds_refused():
    rnn = rc.init_layer("rnn", 3, 4, 0)
    gru = rc.init_layer("gru", 4, 4, 0)
    with pytest.raises(ValueError, match=r"layers\[1\] \(layer 1 forward\): expected every layer to be a rnn"):
        rc.Stack((rnn, gru), num_layers=2)
    with pytest.raises(ValueError, match=r"layers: expected a tuple of num_layers·dirs = 2 layers"):
        rc.Stack((rnn,), num_layers=1, bidirectional=True)
    relu = rc.init_layer("rnn", 4, 4, 0, nonlinearity="relu")
    with pytest.raises(ValueError, match=r"'nonlinearity': 'relu'"):
        rc.Stack((rnn, relu), num_layers=2)


def test_bad_inputs():
    stack = rc.from_pytorch(base_state())
    T, N = 5, 2
    x, dhs = np.zeros((T, N, 3)), np.zeros((T, N, 8))
    with pytest.raises(ValueError, match=r"x: expected shape \(T, N, 3\)"):
        rc.bptt(stack, np.zeros((T, N, 4)), dhs)
    with pytest.raises(ValueError, match=r"dhs: expected shape \(5, 2, 8\)"):
        rc.bptt(stack, x, np.zeros((T, N, 4)))
    with pytest.raises(ValueError, match=r"h0: expected shape \(4, 2, 4\)"):
        rc.bptt(stack, x, dhs, h0=np.zeros((N, 4)))
    with pytest.raises(ValueError, match=r"c0: expected shape \(4, 2, 4\)"):
        rc.forward(stack, x, c0=np.zeros((2, N, 4)))
    with pytest.raises(ValueError, match=r"truncate: .* single layer"):
        rc.bptt(stack, x, dhs, truncate=2)
    with pytest.raises(ValueError, match=r"direction: expected one of \('forward', 'reverse'\)"):
        stack.layer(0, "backward")
    with pytest.raises(ValueError, match=r"k: expected a layer index in 0..1"):
        stack.layer(2)
    gru = rc.from_pytorch(numpy_state(module("gru", "pytorch", 3, 4, 2, False, seed=0)))
    with pytest.raises(ValueError, match=r"c0: only an LSTM"):
        rc.bptt(gru, x, np.zeros((T, N, 4)), c0=np.zeros((2, N, 4)))


def test_init_stack():
    stack = rc.init_stack("lstm", 3, 4, num_layers=3, bidirectional=True, seed=5, forget_bias=1.0)
    assert stack.num_layers == 3 and stack.dirs == 2 and len(stack.layers) == 6
    assert [layer.D for layer in stack.layers] == [3, 3, 8, 8, 8, 8]
    again = rc.to_pytorch(rc.init_stack("lstm", 3, 4, num_layers=3, bidirectional=True, seed=5, forget_bias=1.0))
    state = rc.to_pytorch(stack)
    assert all(np.array_equal(state[k], again[k]) for k in state)  # same seed, same stack
    assert not np.array_equal(state["weight_hh_l0"], state["weight_hh_l0_reverse"])  # each layer its own draw
    mod = torch.nn.LSTM(3, 4, num_layers=3, bidirectional=True).double()
    mod.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=True)
    single = rc.init_stack("gru", 2, 3, num_layers=1)
    assert isinstance(single, rc.Stack) and rc.bptt(single, np.ones((2, 1, 2)), np.ones((2, 1, 3))).dh0.shape == (
        1,
        1,
        3,
    )
    with pytest.raises(ValueError, match=r"num_layers: expected a whole number from 1 to 16"):
        rc.init_stack("rnn", 2, 3, num_layers=0)
    with pytest.raises(ValueError, match=r"forget_bias: not an option of a rnn layer"):
        rc.init_stack("rnn", 2, 3, forget_bias=1.0)
