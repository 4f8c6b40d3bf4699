"""Run.watch: the PyTorch hooks that feed a model's histograms to the C++ Reporter.

For each watched module a forward hook records its output (kind "activation") and, when the
output requires grad, registers a tensor hook that records its gradient ("gradient") at the same
step. Weights ("weight": the parameters of 2 or more dimensions under the watched modules, named
by their parameter name) are recorded by a forward pre-hook on the model, so the weights of step
n are those the optimizer left after step n - 1. A forward pre-hook on the model also advances the
run's step on each training-mode forward; eval-mode forwards record nothing.

The hot path is one C++ call per tensor (_core.Probe.record): no copy, no .cpu(), no Python loop
over elements, nothing that waits for the GPU. No hook raises: a failure (a module returning a
tuple or None, a tensor the C++ side cannot take) is logged and counted in the run's hook_errors;
an integer tensor is dropped and counted by the Reporter.
"""

import torch

from . import _core
from .layouts import KINDS


def _resolve_modules(model, modules):
    """[(module, layer name)] for watch's `modules` argument; raises ValueError/TypeError."""
    named = dict(model.named_modules())
    if modules is None:
        children = list(model.named_children())
        if not children:
            return [(model, type(model).__name__.lower())]
        return [(module, name) for name, module in children]
    if isinstance(modules, dict):
        pairs = list(modules.items())
    elif isinstance(modules, (str, type)):
        pairs = [(modules, None)]
    else:
        pairs = [(m, None) for m in modules]
    chosen = []
    for key, layer in pairs:
        if isinstance(key, str):
            if key not in named:
                raise ValueError(f"watch: no module {key!r} in the model; it has "
                                 f"{', '.join(n for n in named if n)}")
            chosen.append((named[key], layer or key))
        elif isinstance(key, type) and issubclass(key, torch.nn.Module):
            found = [(m, n) for n, m in named.items() if n and isinstance(m, key)]
            if not found:
                raise ValueError(f"watch: no module of type {key.__name__} in the model")
            chosen.extend(found)
        else:
            raise TypeError(f"watch: modules takes names or nn.Module types, not {key!r}")
    return chosen


class Watcher:
    """The hooks of one Run.watch call; remove() takes them off the model."""

    def __init__(self, run, model, modules, kinds, every, layouts):
        kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
        for kind in kinds:
            if kind not in KINDS:
                raise ValueError(f"watch: kind {kind!r} is none of {', '.join(KINDS)}")
        if int(every) < 1:
            raise ValueError(f"watch: every must be >= 1, not {every}")
        self._run = run
        self._every = int(every)
        self._due_step = None  # The step being recorded, None when this forward is not.
        self._handles = []
        reporter = run._reporter
        chosen = _resolve_modules(model, modules)
        self._weights = []
        if "weight" in kinds:
            seen = set()
            for module, layer in chosen:
                module_name = next(n for n, m in model.named_modules() if m is module)
                for name, param in module.named_parameters():
                    full = f"{module_name}.{name}" if module_name else name
                    if param.dim() < 2 or full in seen:
                        continue
                    seen.add(full)
                    series = f"{layer}.{name}"
                    self._weights.append((_core.Probe(reporter, _core.Kind.weight, series,
                                                      layouts["weight"]), param))
        self._handles.append(model.register_forward_pre_hook(self._before_forward))
        for module, layer in chosen:
            activation = gradient = None
            if "activation" in kinds:
                activation = _core.Probe(reporter, _core.Kind.activation, layer,
                                         layouts["activation"])
            if "gradient" in kinds:
                gradient = _core.Probe(reporter, _core.Kind.gradient, layer, layouts["gradient"])
            if activation is not None or gradient is not None:
                self._handles.append(
                    module.register_forward_hook(self._output_hook(layer, activation, gradient)))

    def remove(self):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._run._unwatch(self)

    def _before_forward(self, model, inputs):
        try:
            step = self._run._forward_step(model.training, self)
            self._due_step = step if step is not None and step % self._every == 0 else None
            if self._due_step is not None:
                for probe, param in self._weights:
                    probe.record(self._due_step, param)
        except Exception as e:  # Never into training.
            self._due_step = None
            self._run._hook_error("weights", e)

    def _output_hook(self, layer, activation, gradient):
        def hook(module, inputs, output):
            step = self._due_step
            if step is None:
                return
            try:
                if not isinstance(output, torch.Tensor):
                    self._run._hook_error(layer, f"output is {type(output).__name__}, not a tensor")
                    return
                if activation is not None:
                    activation.record(step, output)
                if gradient is not None and output.requires_grad:
                    output.register_hook(self._gradient_hook(layer, gradient, step))
            except Exception as e:  # Never into training.
                self._run._hook_error(layer, e)

        return hook

    def _gradient_hook(self, layer, probe, step):
        def hook(grad):
            try:
                probe.record(step, grad)
            except Exception as e:  # Never into backward.
                self._run._hook_error(layer, e)

        return hook
