"""Exact NumPy backpropagation through time for a vanilla RNN, an LSTM and a GRU, and analyses of the flow.

NumPy only. The public interface::

    layer = rc.from_pytorch(state)      # PyTorch single-layer names -> RNNLayer / GRULayer / LSTMLayer
    state = rc.to_pytorch(layer)
    trace = rc.bptt(layer, x, dhs)      # trace.hs, .dh, .dc, .dx, .grads
    stack = rc.from_pytorch(module_state)   # num_layers > 1 or bidirectional -> Stack
    trace = rc.bptt(stack, x, dhs)      # StackTrace: hs = PyTorch's out, .layers[(k, "forward")] -> Trace
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
from .cell import Cell, State, StepGrads
from .clipping import clip_elementwise, clip_global_norm, global_norm
from .contributions import StepContributions, step_contribution_matrices, step_contributions
from .init import SCHEMES, init_layer, init_stack, rescale
from .interop import STATE_KEYS, from_pytorch, load_npz, save_npz, to_pytorch
from .layers import DIRECTIONS, GRU_FORMULATIONS, NONLINEARITIES, GRULayer, Layer, LSTMLayer, RNNLayer, Stack, Tape
from .optim import OPTIMIZERS, SGD, Adam
from .stack import StackTape, StackTrace, state_key, time_ordered
from .tasks import TASKS, probe_batch, task_batch, task_spec
from .training import LAB_DEFAULTS, TrainingRun, lab_settings, save_run, save_state, train, train_iter

__all__ = [
    "DIRECTIONS",
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
    "Cell",
    "ChainNorms",
    "FlowNorms",
    "GRULayer",
    "GatePath",
    "LSTMLayer",
    "Layer",
    "RNNDecomposition",
    "RNNLayer",
    "SpectralFacts",
    "Stack",
    "StackTape",
    "StackTrace",
    "State",
    "StepContributions",
    "StepGrads",
    "Tape",
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
    "init_stack",
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
    "state_key",
    "step_contribution_matrices",
    "step_contributions",
    "task_batch",
    "task_spec",
    "time_ordered",
    "to_pytorch",
    "train",
    "train_iter",
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
