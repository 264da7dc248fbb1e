"""rc.train against the same training written in PyTorch (float64), batch by batch from ``run.initial``.

The reference is an ordinary PyTorch loop: ``nn.RNN/LSTM/GRU`` + ``nn.Linear`` on the last hidden state,
``nn.MSELoss`` / ``nn.CrossEntropyLoss``, ``torch.optim.SGD/Adam``, ``clip_grad_norm_`` / ``clip_grad_value_``;
truncated BPTT runs the module on blocks ``x[j:j+k]`` with the state detached between blocks.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import rel_err

import recurrent_core as rc

torch.set_default_dtype(torch.float64)

MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
# (id, kind, options of rc.train for the kind)
KINDS = [
    ("rnn_tanh", "rnn", {"nonlinearity": "tanh"}),
    ("rnn_relu", "rnn", {"nonlinearity": "relu"}),
    ("lstm", "lstm", {"forget_bias": 1.0}),
    ("gru", "gru", {"update_bias": 1.0}),
]
# (id, optimizer settings) — every one is run for every kind
CONFIGS = [
    ("sgd", {"optimizer": "sgd", "lr": 0.3}),
    ("sgd_momentum_wd", {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    ("adam", {"optimizer": "adam", "lr": 0.02}),
    ("adam_wd_clipnorm", {"optimizer": "adam", "lr": 0.02, "weight_decay": 0.05, "clip": ("norm", 0.05)}),
    ("sgd_clipvalue", {"optimizer": "sgd", "lr": 0.5, "clip": ("value", 0.01)}),
    ("adam_truncate", {"optimizer": "adam", "lr": 0.02, "truncate": 3}),
    ("sgd_truncate_clip", {"optimizer": "sgd", "lr": 0.5, "truncate": 4, "clip": ("norm", 0.1)}),
]
T, H, BATCH, STEPS, SEED = 9, 5, 4, 6, 11


def torch_train(run: rc.TrainingRun) -> tuple[list[float], dict[str, np.ndarray]]:
    """The same training in PyTorch from ``run.initial``: (loss per step, final state dict)."""
    s = run.settings
    spec = rc.task_spec(s["task"], s["n_symbols"] or 4)
    kwargs = {"nonlinearity": s["nonlinearity"]} if s["kind"] == "rnn" else {}
    module = MODULES[s["kind"]](spec.D, s["H"], **kwargs)
    fc = torch.nn.Linear(s["H"], spec.out)
    with torch.no_grad():
        for name, p in [*module.named_parameters(), *(("fc." + n, p) for n, p in fc.named_parameters())]:
            p.copy_(torch.from_numpy(run.initial[name]))
    params = [*module.parameters(), *fc.parameters()]
    if s["optimizer"] == "sgd":
        opt = torch.optim.SGD(params, lr=s["lr"], momentum=s["momentum"], weight_decay=s["weight_decay"])
    else:
        opt = torch.optim.Adam(params, lr=s["lr"], weight_decay=s["weight_decay"])
    criterion = torch.nn.MSELoss() if s["task"] == "adding" else torch.nn.CrossEntropyLoss()
    k = s["truncate"] or s["T"]
    losses = []
    for step in range(s["steps"]):
        x, y = rc.task_batch(s["task"], s["T"], s["batch"], s["seed"], step, n_symbols=s["n_symbols"] or 4)
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        opt.zero_grad()
        state = None
        for j in range(0, s["T"], k):  # blocks of k steps, the state detached between them
            if state is not None:
                state = tuple(v.detach() for v in state) if isinstance(state, tuple) else state.detach()
            out, state = module(x[j : j + k], state)
        loss = criterion(fc(out[-1]), y)
        loss.backward()
        if s["clip"] is not None:
            mode, v = s["clip"]
            if mode == "norm":
                torch.nn.utils.clip_grad_norm_(params, v)
            else:
                torch.nn.utils.clip_grad_value_(params, v)
        opt.step()
        losses.append(loss.item())
    final = {n: p.detach().numpy().copy() for n, p in module.named_parameters()}
    final.update({"fc." + n: p.detach().numpy().copy() for n, p in fc.named_parameters()})
    return losses, final


def assert_matches_torch(run: rc.TrainingRun) -> None:
    losses, final = torch_train(run)
    assert run.status == "done" and run.steps_done == run.steps
    assert rel_err(run.loss, losses) < 1e-8, (run.loss, losses)
    assert set(run.final) == set(final)
    for name in final:
        assert rel_err(run.final[name], final[name]) < 1e-8, name
    # the run moved: the comparison is not of two untouched initial states
    assert max(rel_err(run.final[n], run.initial[n]) for n in final) > 1e-4


@pytest.mark.parametrize("config", CONFIGS, ids=[c[0] for c in CONFIGS])
@pytest.mark.parametrize("variant", KINDS, ids=[k[0] for k in KINDS])
def test_adding_matches_pytorch(variant, config):
    _, kind, options = variant
    run = rc.train(kind, "adding", T, H, STEPS, SEED, batch=BATCH, **options, **config[1])
    assert_matches_torch(run)


@pytest.mark.parametrize("variant", KINDS, ids=[k[0] for k in KINDS])
def test_first_symbol_cross_entropy_matches_pytorch(variant):
    _, kind, options = variant
    run = rc.train(
        kind, "first", 7, 6, 5, 3, batch=5, optimizer="adam", lr=0.05, clip=("norm", 0.5), n_symbols=3, **options
    )
    assert run.baseline == pytest.approx(np.log(3))
    assert_matches_torch(run)


def test_clip_norm_is_torch_clip_grad_norm_over_every_parameter():
    rng = np.random.default_rng(0)
    grads = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=5), "fc.weight": rng.normal(size=(1, 2))}
    tensors = {k: torch.from_numpy(v.copy()).requires_grad_() for k, v in grads.items()}
    for k, t in tensors.items():
        t.grad = torch.from_numpy(grads[k].copy())
    total = torch.nn.utils.clip_grad_norm_(list(tensors.values()), 0.7)
    from recurrent_core.training.optim import clip_grads_

    ours = {k: v.copy() for k, v in grads.items()}
    norm = clip_grads_(ours, ("norm", 0.7))
    assert norm == pytest.approx(total.item(), rel=1e-14)
    for k in grads:
        assert rel_err(ours[k], tensors[k].grad.numpy()) < 1e-14


def test_flow_is_the_total_gradient_of_the_probe_loss_per_step():
    """run.flow[0, t] = log10 ‖∂L/∂h_t‖ (Frobenius over the probe batch) of the untrained model, where h_t is the
    state leaving step t: checked with a step-by-step torch loop and retain_grad on each state."""
    run = rc.train("lstm", "adding", 8, 4, 2, 5, batch=3, optimizer="sgd", lr=0.1, record_every=1, probe_batch_size=6)
    assert list(run.checkpoints) == [0, 1, 2]
    module = torch.nn.LSTM(2, 4)
    fc = torch.nn.Linear(4, 1)
    with torch.no_grad():
        for name, p in [*module.named_parameters(), *(("fc." + n, p) for n, p in fc.named_parameters())]:
            p.copy_(torch.from_numpy(run.initial[name]))
    x, y = rc.probe_batch("adding", 8, 6, 5)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    state, hs = None, []
    for t in range(8):
        _, state = module(x[t : t + 1], state)
        state[0].retain_grad()
        hs.append(state[0])
    loss = torch.nn.MSELoss()(fc(hs[-1][0]), y)
    loss.backward()
    expected = [np.log10(np.linalg.norm(h.grad.numpy())) for h in hs]
    assert np.max(np.abs(run.flow[0] - expected)) < 1e-10
    assert run.probe_loss[0] == pytest.approx(loss.item(), rel=1e-12)


def test_the_lstm_probe_keeps_the_memory_cells_gradient_and_rho_per_gate_block():
    """run.flow_c[c, t] = log10 ‖∂L/∂c_t‖ on the probe batch (the cell of step t in PyTorch's LSTM equations written
    out in torch, retain_grad on each c_t), beside run.flow; run.rho[c, g] = ρ of gate block g of W_hh, at the first
    and the last checkpoint."""
    run = rc.train("lstm", "adding", 8, 4, 2, 5, batch=3, optimizer="adam", lr=0.05, record_every=1, probe_batch_size=6)
    assert run.flow_c is not None and run.flow_c.shape == run.flow.shape == (3, 8)
    assert run.rho is not None and run.rho.shape == (3, 4)
    x, y = rc.probe_batch("adding", 8, 6, 5)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    for row, state_dict in ((0, run.initial), (-1, run.final)):
        p = {k: torch.from_numpy(v).requires_grad_() for k, v in state_dict.items()}
        h, c = torch.zeros(6, 4), torch.zeros(6, 4)
        hs, cs = [], []
        for t in range(8):
            a = x[t] @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h @ p["weight_hh_l0"].T + p["bias_hh_l0"]
            i, f, g, o = a.chunk(4, dim=1)  # PyTorch's gate order
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            h.retain_grad()
            c.retain_grad()
            hs.append(h)
            cs.append(c)
        torch.nn.MSELoss()(hs[-1] @ p["fc.weight"].T + p["fc.bias"], y).backward()
        dh = [np.log10(np.linalg.norm(h.grad.numpy())) for h in hs]
        dc = [np.log10(np.linalg.norm(c.grad.numpy())) for c in cs]
        assert np.max(np.abs(run.flow[row] - dh)) < 1e-10 and np.max(np.abs(run.flow_c[row] - dc)) < 1e-10
        W = p["weight_hh_l0"].detach()
        rho = [torch.linalg.eigvals(W[4 * g : 4 * g + 4]).abs().max().item() for g in range(4)]
        np.testing.assert_allclose(run.rho[row], rho, rtol=1e-10)
    for kind, blocks in (("rnn", 1), ("gru", 3)):
        other = rc.train(kind, "adding", 6, 3, 2, 0, batch=2, optimizer="sgd", lr=0.1, record_every=1)
        assert other.flow_c is None and other.rho is not None and other.rho.shape == (3, blocks)
