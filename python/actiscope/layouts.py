"""Bin layouts of Run.watch, one per kind, as the C++ trainer's defaults (trainer/README.md).

Activations: ``bins`` linear bins over ``range`` (default 40 over [0, 10), fastai's
ActivationStats); gradients: ``bins`` over ``gradient_range`` ([-1e-3, 1e-3)); weights: ``bins``
over ``weight_range`` ([-0.5, 0.5)). ``log_bins=True`` switches every kind to 48 bins of |x|
log-spaced over [1e-8, 1e4) (the trainer's ``--bin_mode=log``). Values outside a range count as
below/above.
"""

from . import _core

KINDS = ("activation", "gradient", "weight")
GRADIENT_RANGE = (-1e-3, 1e-3)
WEIGHT_RANGE = (-0.5, 0.5)
LOG_BINS = 48
LOG_RANGE = (1e-8, 1e4)


def layouts_for(bins, range, log_bins, gradient_range, weight_range):
    """Returns {kind: _core.BinLayout}; raises ValueError for an invalid layout."""
    if log_bins:
        log = _core.BinLayout("log_magnitude", LOG_BINS, *LOG_RANGE)
        return {kind: log for kind in KINDS}
    ranges = {"activation": range, "gradient": gradient_range, "weight": weight_range}
    layouts = {}
    for kind, (lo, hi) in ranges.items():
        layouts[kind] = _core.BinLayout("linear", int(bins), float(lo), float(hi))
    return layouts
