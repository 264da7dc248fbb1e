"""Seeded initialisation of a layer: the schemes users meet, and gate-bias controls.

Every scheme draws from ``np.random.default_rng(seed)``, so the same seed gives the same layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..validate import check_seed, finite, one_of, whole
from .gates import GATE_ACTIVATIONS
from .gru import GRU_FORMULATIONS, GRULayer
from .layers import Layer
from .lstm import LSTMLayer
from .rnn import NONLINEARITIES, RNNLayer
from .stack import Stack

SCHEMES = ("pytorch", "dlfs2", "gaussian", "orthogonal", "identity", "book")
KINDS: dict[str, type[Layer]] = {"rnn": RNNLayer, "lstm": LSTMLayer, "gru": GRULayer}
MAX_SIZE = 4096


def _recurrent_block(scheme: str, H: int, scale: float, rng: np.random.Generator) -> np.ndarray:
    """One (H, H) block of W_hh under ``scheme`` (before any spectral rescaling)."""
    if scheme == "pytorch":
        bound = 1.0 / np.sqrt(H)
        return rng.uniform(-bound, bound, (H, H))
    if scheme == "dlfs2":
        W: np.ndarray = rng.standard_normal((H, H)) / np.sqrt(H)
        return W
    if scheme == "gaussian":
        W = rng.standard_normal((H, H)) * (scale / np.sqrt(H))
        return W
    if scheme == "orthogonal":  # Saxe et al. 2013: Q of a Gaussian's QR, signs fixed so Q is Haar-distributed
        q, r = np.linalg.qr(rng.standard_normal((H, H)))
        return scale * q * np.sign(np.where(np.diag(r) == 0, 1.0, np.diag(r)))
    if scheme == "identity":  # IRNN, Le et al. 2015
        return scale * np.eye(H)
    raise AssertionError(scheme)


def rescale(W: np.ndarray, spectral_radius: float | None = None, sigma_max: float | None = None) -> np.ndarray:
    """``W`` scaled so that its spectral radius ρ(W) (or its largest singular value) is the target."""
    if spectral_radius is not None:
        current = float(np.max(np.abs(np.linalg.eigvals(W))))
        target = spectral_radius
    elif sigma_max is not None:
        current = float(np.linalg.norm(W, 2))
        target = sigma_max
    else:
        raise ValueError("rescale: give spectral_radius or sigma_max")
    if current == 0:
        raise ValueError("cannot rescale an all-zero recurrent matrix to a spectral target")
    scaled: np.ndarray = W * (target / current)
    return scaled


def chrono_bias(H: int, t_max: float, rng: np.random.Generator) -> np.ndarray:
    """Chrono init (Tallec & Ollivier 2018): log(U[1, T_max - 1]), a memory of about T_max steps."""
    t_max = finite("chrono_tmax", t_max, 2.0, strict=True)
    return np.log(rng.uniform(1.0, t_max - 1.0, H))


def check_options(
    kind: str,
    *,
    scheme: str = "pytorch",
    nonlinearity: str = "tanh",
    forget_bias: float = 0.0,
    update_bias: float = 0.0,
    chrono_tmax: float | None = None,
    formulation: str = "pytorch",
    gate_activation: str = "sigmoid",
) -> tuple[float, float, float | None]:
    """The kind-dependent options of :func:`init_layer`, checked: ``(forget_bias, update_bias, chrono_tmax)`` as
    floats, or ValueError. Options of another kind are refused, not silently ignored."""
    one_of("kind", kind, tuple(KINDS))
    one_of("scheme", scheme, SCHEMES)
    one_of("nonlinearity", nonlinearity, NONLINEARITIES)
    one_of("formulation", formulation, GRU_FORMULATIONS)
    one_of("gate_activation", gate_activation, GATE_ACTIVATIONS)
    forget_bias, update_bias = finite("forget_bias", forget_bias), finite("update_bias", update_bias)
    inapplicable = {
        "rnn": {
            "forget_bias": forget_bias != 0,
            "update_bias": update_bias != 0,
            "chrono_tmax": chrono_tmax is not None,
            "formulation": formulation != "pytorch",
            "gate_activation": gate_activation != "sigmoid",
        },
        "lstm": {
            "nonlinearity": nonlinearity != "tanh",
            "update_bias": update_bias != 0,
            "formulation": formulation != "pytorch",
        },
        "gru": {"nonlinearity": nonlinearity != "tanh", "forget_bias": forget_bias != 0},
    }[kind]
    given = [name for name, is_set in inapplicable.items() if is_set]
    if given:
        raise ValueError(f"{', '.join(given)}: not an option of a {kind} layer")
    tmax = None if chrono_tmax is None else finite("chrono_tmax", chrono_tmax, 2.0, strict=True)
    return forget_bias, update_bias, tmax


def init_layer(
    kind: str,
    D: int,
    H: int,
    seed: int = 0,
    *,
    scheme: str = "pytorch",
    scale: float = 1.0,
    spectral_radius: float | None = None,
    sigma_max: float | None = None,
    nonlinearity: str = "tanh",
    forget_bias: float = 0.0,
    update_bias: float = 0.0,
    chrono_tmax: float | None = None,
    formulation: str = "pytorch",
    gate_activation: str = "sigmoid",
) -> Layer:
    """A seeded layer of ``kind`` ("rnn", "lstm", "gru") with input size D and hidden size H.

    Recurrent weights ``W_hh`` by ``scheme``:

    - ``"pytorch"``: U(-1/√H, 1/√H) for every weight and bias (PyTorch's default);
    - ``"dlfs2"``: N(0, 1/fan_in) weights, zero biases (the book's ``randn / sqrt(fan_in)``);
    - ``"gaussian"``: N(0, scale²/H); ``"orthogonal"``: scale × a random orthogonal matrix;
      ``"identity"``: scale × I (IRNN); ``"book"``: DLFS2 chapter 6's ``np.random.seed(seed);
      Wh = np.random.randn(H, H) * scale`` (legacy seeding), as ``W_hh = Wh^T``. These four take ``W_ih``
      as in "dlfs2" and zero biases.

    Gated kinds get the scheme in each (H, H) gate block. ``spectral_radius`` or ``sigma_max`` then rescales
    each block of W_hh to that ρ or σ_max. Gate biases are *added* to the ``b_ih`` slice of the gate:
    ``forget_bias`` to the LSTM's f, ``update_bias`` to the GRU gate that keeps the old state (z in PyTorch's
    formulation, -z in the book's), so + always means "keep more". ``chrono_tmax`` instead *sets* the LSTM's
    forget (and input = -forget) bias, or the GRU's keep-gate bias, to chrono init. ``gate_activation`` (LSTM,
    GRU) is "sigmoid" or a hard sigmoid, "hard_sigmoid_keras2" / "hard_sigmoid_keras3" (cells/gates.py).
    """
    forget_bias, update_bias, chrono_tmax = check_options(
        kind,
        scheme=scheme,
        nonlinearity=nonlinearity,
        forget_bias=forget_bias,
        update_bias=update_bias,
        chrono_tmax=chrono_tmax,
        formulation=formulation,
        gate_activation=gate_activation,
    )
    D, H = whole("D", D, 1, MAX_SIZE), whole("H", H, 1, MAX_SIZE)
    seed = check_seed(seed)
    scale = finite("scale", scale, 0.0)
    if spectral_radius is not None and sigma_max is not None:
        raise ValueError("give spectral_radius or sigma_max, not both")
    cls = KINDS[kind]
    k = cls.GATES
    rng = np.random.default_rng(seed)
    if scheme == "book":
        # DLFS2 ch06/rnn_gradient_graph.py: np.random.seed(seed); Wh = np.random.randn(H, H) * scale, used as
        # h @ Wh, i.e. W_hh = Wh^T in PyTorch's layout; the same Wh in every gate block.
        Wh = np.random.RandomState(seed).randn(H, H) * scale
        W_hh = np.concatenate([Wh.T] * k)
        W_ih = rng.standard_normal((k * H, D)) / np.sqrt(D)
        b_ih = np.zeros(k * H)
        b_hh = np.zeros(k * H)
    elif scheme == "pytorch":
        bound = 1.0 / np.sqrt(H)
        W_ih = rng.uniform(-bound, bound, (k * H, D))
        W_hh = np.concatenate([_recurrent_block(scheme, H, scale, rng) for _ in range(k)])
        b_ih = rng.uniform(-bound, bound, k * H)
        b_hh = rng.uniform(-bound, bound, k * H)
    else:
        W_ih = rng.standard_normal((k * H, D)) / np.sqrt(D)
        W_hh = np.concatenate([_recurrent_block(scheme, H, scale, rng) for _ in range(k)])
        b_ih = np.zeros(k * H)
        b_hh = np.zeros(k * H)
    if spectral_radius is not None or sigma_max is not None:
        if spectral_radius is not None:
            spectral_radius = finite("spectral_radius", spectral_radius, 0.0)
        else:
            sigma_max = finite("sigma_max", sigma_max, 0.0)
        W_hh = np.concatenate([rescale(W_hh[j * H : (j + 1) * H], spectral_radius, sigma_max) for j in range(k)])

    if kind == "lstm":
        f = slice(H, 2 * H)
        if chrono_tmax is not None:
            b_f = chrono_bias(H, chrono_tmax, rng)
            b_ih[f], b_hh[f] = b_f, 0.0
            b_ih[:H], b_hh[:H] = -b_f, 0.0
        b_ih[f] += forget_bias
        return LSTMLayer(W_ih, W_hh, b_ih, b_hh, gate_activation=gate_activation)
    if kind == "gru":
        z = slice(H, 2 * H)
        sign = 1.0 if formulation == "pytorch" else -1.0  # the book's z updates: keep = 1 - z = σ(-a_z)
        if chrono_tmax is not None:
            b_ih[z], b_hh[z] = sign * chrono_bias(H, chrono_tmax, rng), 0.0
        b_ih[z] += sign * update_bias
        return GRULayer(W_ih, W_hh, b_ih, b_hh, formulation=formulation, gate_activation=gate_activation)
    return RNNLayer(W_ih, W_hh, b_ih, b_hh, nonlinearity=nonlinearity)


def init_stack(
    kind: str, D: int, H: int, num_layers: int = 2, bidirectional: bool = False, seed: int = 0, **options: Any
) -> Stack:
    """A seeded ``Stack``: ``init_layer(kind, D_k, H, seed_k, **options)`` for every layer and direction, with
    D_0 = D and D_k = dirs·H above; seed_k are drawn from ``default_rng(seed)`` (one per layer-direction).

    ``num_layers=1, bidirectional=False`` still gives a Stack (h0 of shape (1, N, H)).
    """
    num_layers = whole("num_layers", num_layers, 1, 16)
    if not isinstance(bidirectional, bool):
        raise ValueError(f"bidirectional: expected True or False, got {bidirectional!r}")
    seed = check_seed(seed)
    dirs = 2 if bidirectional else 1
    seeds = np.random.default_rng(seed).integers(0, 2**32, size=num_layers * dirs)
    H = whole("H", H, 1, MAX_SIZE)
    layers = tuple(
        init_layer(kind, D if i < dirs else dirs * H, H, int(seeds[i]), **options) for i in range(num_layers * dirs)
    )
    return Stack(layers, num_layers=int(num_layers), bidirectional=bidirectional)
