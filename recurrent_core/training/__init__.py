"""Training a recurrent layer and a linear readout on a long-lag task, exactly as PyTorch would: the configuration
(config.py, one field per option), the loop (loop.py), one step and one probe (step.py) with the fused fast path
(fused.py), PyTorch's optimizers and clipping (optim.py), the tasks (tasks.py), files (files.py) and the command
line (cli.py; ``python -m recurrent_core.train``)."""

from .config import LAB_DEFAULTS, TrainConfig, lab_settings
from .files import save_run, save_state
from .loop import TrainingRun, initial_state, train, train_iter
from .optim import OPTIMIZERS, SGD, Adam
from .tasks import TASKS, probe_batch, task_batch, task_spec

__all__ = [
    "LAB_DEFAULTS",
    "OPTIMIZERS",
    "SGD",
    "TASKS",
    "Adam",
    "TrainConfig",
    "TrainingRun",
    "initial_state",
    "lab_settings",
    "probe_batch",
    "save_run",
    "save_state",
    "task_batch",
    "task_spec",
    "train",
    "train_iter",
]
