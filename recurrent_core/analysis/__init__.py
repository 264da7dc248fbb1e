"""Analyses of the flow, as arrays: log10 norms per step (flow.py) through the overflow-safe chains of
logdomain.py, each step's share of the weight gradient (contributions.py), gradient clipping as the book and
min-char-rnn write it (clipping.py), and the spectral facts of W_hh with the book's figure (spectral.py)."""

from . import clipping
from .clipping import clip_elementwise, clip_global_norm, global_norm
from .contributions import StepContributions, step_contribution_matrices, step_contributions
from .flow import FlowNorms, GatePath, RNNDecomposition, flow_norms, gru_direct_path, lstm_cell_path, rnn_decomposition
from .horizon import HorizonMap, connectivity, gradient_horizon, horizon_maps, horizon_reach
from .logdomain import (
    LN10,
    NORMS,
    OVERFLOW_MARGIN,
    ChainNorms,
    Step,
    aggregate,
    first_nonfinite_step,
    plain_overflow_step,
    run_chain,
)
from .spectral import BookExperiment, SpectralFacts, book_experiment, long_run_rate, per_step_rate, spectral_facts

__all__ = [
    "LN10",
    "NORMS",
    "OVERFLOW_MARGIN",
    "BookExperiment",
    "ChainNorms",
    "FlowNorms",
    "GatePath",
    "HorizonMap",
    "RNNDecomposition",
    "SpectralFacts",
    "Step",
    "StepContributions",
    "aggregate",
    "book_experiment",
    "clip_elementwise",
    "clip_global_norm",
    "clipping",
    "connectivity",
    "first_nonfinite_step",
    "flow_norms",
    "global_norm",
    "gradient_horizon",
    "gru_direct_path",
    "horizon_maps",
    "horizon_reach",
    "long_run_rate",
    "lstm_cell_path",
    "per_step_rate",
    "plain_overflow_step",
    "rnn_decomposition",
    "run_chain",
    "spectral_facts",
    "step_contribution_matrices",
    "step_contributions",
]
