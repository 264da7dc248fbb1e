"""Part 2 of the pages: every gate, and what the weights receive from each step, checked against the core."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import recurrent_core as rc
from explorer.flow import data
from explorer.shared.controls import Settings

VIEWS = {"rnn": data.rnn_view, "lstm": data.lstm_view, "gru": data.gru_view}


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("formulation", ["pytorch", "dlfs2"])
def test_step_terms_sum_to_the_gradients_the_core_returns(kind, loss, formulation):
    s = Settings(T=17, H=6, N=3, D=4, loss=loss, formulation=formulation, seed=5)
    layer, (x, dhs) = data.make_layer(s, kind), data.make_inputs(s)
    hh, ih = rc.step_contribution_matrices(layer, x, dhs)
    grads = rc.bptt(layer, x, dhs).grads
    # the same products summed in another order: equal to the last bits of float64
    np.testing.assert_allclose(hh.sum(axis=0), grads["weight_hh_l0"], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(ih.sum(axis=0), grads["weight_ih_l0"], rtol=1e-13, atol=1e-15)
    # what the page draws: the norm of each step's term per gate block, and over all blocks
    c = VIEWS[kind](s).contributions
    assert c is not None
    H = s.H
    for j, block in enumerate(c.blocks):
        drawn = c.curves.loc[c.curves["curve"] == f"hh_{block}", "log10_norm"].to_numpy()
        with np.errstate(divide="ignore"):
            want = np.log10(np.linalg.norm(hh[:, j * H : (j + 1) * H], axis=(1, 2)))
        np.testing.assert_allclose(drawn, want, rtol=1e-9, atol=1e-12)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(c.log10_step, np.log10(np.linalg.norm(hh, axis=(1, 2))), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(c.log10_whole, np.log10(np.linalg.norm(grads["weight_hh_l0"])), rtol=1e-12)
        dx = rc.bptt(layer, x, dhs).dx
        np.testing.assert_allclose(c.log10_dx, np.log10(np.linalg.norm(dx, axis=(1, 2))), rtol=1e-9)


def test_step_one_gives_nothing_from_a_zero_initial_state():
    c = data.rnn_view(Settings(T=10, H=4)).contributions
    assert c is not None and c.log10_step[0] == -np.inf and np.isfinite(c.log10_step[1:]).all()


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_gate_summaries_are_the_tape_gates(kind):
    s = Settings(T=30, H=8, N=2)
    r = VIEWS[kind](s)
    tape = rc.forward(data.make_layer(s, kind), data.make_inputs(s)[0])
    names = ("i", "f", "g", "o") if kind == "lstm" else ("r", "z")
    assert tuple(r.gate_summary) == names
    for name in names:
        g = tape.gate(name) if kind == "lstm" else getattr(tape, name)
        mean, lo, hi = r.gate_summary[name]
        assert mean == pytest.approx(g.mean()) and (lo, hi) == pytest.approx(tuple(np.percentile(g, [10, 90])))
        per_step = r.gate_stats[r.gate_stats["gate"] == name]["mean"].to_numpy()
        np.testing.assert_allclose(per_step, g.reshape(s.T, -1).mean(axis=1))
        np.testing.assert_allclose(r.gate_maps[name][:, 0, :], g[:, 0, :], rtol=1e-6)
        stats = r.gate_stats[r.gate_stats["gate"] == name]
        lo_t, hi_t = np.percentile(g.reshape(s.T, -1), [10, 90], axis=1)
        np.testing.assert_array_equal(stats["lo"].to_numpy(), lo_t)
        np.testing.assert_array_equal(stats["hi"].to_numpy(), hi_t)


@pytest.mark.parametrize("shape", [(1, 1), (3, 2), (50, 32), (7, 33), (1000, 256)])
@pytest.mark.parametrize("qs", [(10, 90), (0, 50, 100), (25.0, 75.0, 99.9)])
def test_row_percentiles_are_numpys_to_the_bit(shape, qs):
    a = np.random.default_rng(sum(shape)).standard_normal(shape)
    a[0, 0] = a[-1, -1]  # a tie
    for got, want in zip(data.row_percentiles(a, qs), np.percentile(a, qs, axis=1), strict=True):
        np.testing.assert_array_equal(got, want)


def _same(a, b) -> bool:
    """Equal to the bit, through DataFrames, arrays, dataclasses and dicts (NaN equal to NaN)."""
    import dataclasses

    import pandas as pd

    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b, equal_nan=True)
    if dataclasses.is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and np.isnan(a):
        return np.isnan(b)
    return a == b


@pytest.mark.parametrize(
    "kw", [{}, {"T": 80, "H": 12, "N": 3, "seed": 4, "loss": "every", "norm": "book"}, {"forget_bias": 1.0}]
)
def test_compare_from_the_kind_pages_flows_is_compare_computed_alone(kw, monkeypatch):
    from explorer.flow import cached
    from explorer.shared import work

    s = Settings(**kw)
    alone = data.compare(s, True)
    work.CACHE.clear(), work.FLOWS.clear()
    # the path visits these first: each leaves its curve for Compare
    cached.rnn_view(s), cached.lstm_view(s), cached.gru_view(s)
    calls: list[str] = []
    for name in ("lstm_cell_path", "gru_direct_path", "flow_norms"):
        real = getattr(rc, name)
        monkeypatch.setattr(rc, name, lambda *a, _f=real, _n=name, **k: calls.append(_n) or _f(*a, **k))
    reused = cached.compare(s, True)
    # only the two opened kinds, without their paths alone (Compare draws none of theirs)
    assert calls == ["flow_norms"] * 2
    assert _same(reused, alone)
    work.CACHE.clear(), work.FLOWS.clear()
    cached.lstm_view(s)  # a student who skipped the RNN's and the GRU's pages: Compare computes those two
    calls.clear()
    assert _same(cached.compare(s, True), alone)
    assert sorted(calls) == ["flow_norms"] * 3 + ["gru_direct_path"]
    work.CACHE.clear(), work.FLOWS.clear()


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("kw", [{}, {"T": 60, "H": 10, "N": 2, "seed": 3, "loss": "every", "norm": "mean"}])
def test_a_gated_kinds_flow_without_its_path_is_the_same_flow(kind, kw):
    s = Settings(**kw)
    bias = {"lstm": {"forget_bias": 3.0}, "gru": {"update_bias": 3.0}}[kind]
    whole = data.kind_flow_at(s, kind, **bias)
    lean = data.kind_flow_at(s, kind, with_path=False, **bias)
    assert lean.path is None
    assert _same(lean, replace(whole, path=None))
    assert np.isfinite(lean.gate_mean) and (lean.dc is not None) == (kind == "lstm")
