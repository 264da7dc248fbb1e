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
from .optim import OPTIMIZERS, SGD, Adam
from .tasks import TASKS, probe_batch, task_batch, task_spec
from .training import LAB_DEFAULTS, TrainingRun, lab_settings, save_run, save_state, train, train_iter

__all__ = [
    "GRU_FORMULATIONS",
    "LAB_DEFAULTS",
    "NONLINEARITIES",
    "OPTIMIZERS",
    "SCHEMES",
    "SGD",
    "STATE_KEYS",
    "TASKS",
    "Adam",
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
    "TrainingRun",
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
    "lab_settings",
    "load_npz",
    "long_run_rate",
    "lstm_cell_path",
    "per_step_rate",
    "probe_batch",
    "rescale",
    "rnn_decomposition",
    "save_npz",
    "save_run",
    "save_state",
    "spectral_facts",
    "task_batch",
    "task_spec",
    "to_pytorch",
    "train",
    "train_iter",
]
