"""actiscope: see inside a PyTorch model while it trains.

    import actiscope
    with actiscope.init(server="127.0.0.1:50051", run_name="resnet18") as run:
        run.watch(model)                 # activations of the model's direct children
        for x, y in data:
            loss = loss_fn(model(x), y)  # each training-mode forward is one step
            ...
            run.log(loss=loss.item())

The histograms are computed and streamed by actiscope's C++ client library (the compiled
``actiscope._core``: the same kernel, Reporter, disk spool and wire as C++ trainers); this
package only installs the PyTorch hooks. Nothing called inside the training loop (the hooks,
``Run.log``, ``Run.step``) raises: bad input is logged and counted. ``init``, ``Run.watch`` and
``sync`` raise on invalid arguments.
"""

import torch  # noqa: F401  (loads libtorch_python before the extension that links it)

from . import _core
from .run import Alert, FinishReport, Run, init, sync
from .watch import Watcher

__all__ = ["Alert", "FinishReport", "Run", "Watcher", "init", "sync"]
