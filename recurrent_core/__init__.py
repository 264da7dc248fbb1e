"""Exact NumPy backpropagation through time for a vanilla RNN, an LSTM and a GRU, and analyses of the flow.

NumPy only. The public interface::

    layer = rc.from_pytorch(state)      # PyTorch single-layer names -> RNNLayer / GRULayer / LSTMLayer
    state = rc.to_pytorch(layer)
    trace = rc.bptt(layer, x, dhs)      # trace.hs, .dh, .dc, .dx, .grads
"""

from . import analysis, clipping
from .analysis import (
    BookExperiment,
    ChainNorms,
    FlowNorms,
    GatePath,
    RNNDecomposition,
    SpectralFacts,
    aggregate,
    book_experiment,
    flow_norms,
    gru_direct_path,
    long_run_rate,
    lstm_cell_path,
    per_step_rate,
    rnn_decomposition,
    spectral_facts,
)
from .bptt import Trace, bptt, forward
from .clipping import clip_elementwise, clip_global_norm, global_norm
from .init import SCHEMES, init_layer, rescale
from .interop import STATE_KEYS, from_pytorch, load_npz, save_npz, to_pytorch
from .layers import GRU_FORMULATIONS, NONLINEARITIES, GRULayer, LSTMLayer, RNNLayer

__all__ = [
    "GRU_FORMULATIONS",
    "NONLINEARITIES",
    "SCHEMES",
    "STATE_KEYS",
    "BookExperiment",
    "ChainNorms",
    "FlowNorms",
    "GRULayer",
    "GatePath",
    "LSTMLayer",
    "RNNDecomposition",
    "RNNLayer",
    "SpectralFacts",
    "Trace",
    "aggregate",
    "analysis",
    "book_experiment",
    "bptt",
    "clip_elementwise",
    "clip_global_norm",
    "clipping",
    "flow_norms",
    "forward",
    "from_pytorch",
    "global_norm",
    "gru_direct_path",
    "init_layer",
    "load_npz",
    "long_run_rate",
    "lstm_cell_path",
    "per_step_rate",
    "rescale",
    "rnn_decomposition",
    "save_npz",
    "spectral_facts",
    "to_pytorch",
]

from . import reference
from .weights import MAX_BYTES, load_weights, read_safetensors_header, read_state, save_weights, write_safetensors

__all__ += [
    "MAX_BYTES",
    "load_weights",
    "read_safetensors_header",
    "read_state",
    "reference",
    "save_weights",
    "write_safetensors",
]
