"""actiscope.init, Run and actiscope.sync: one training process's connection to the collector.

A Run wraps one C++ Reporter (client/include/actiscope/client/reporter.h): histograms and
scalars go into its bounded queue and stream to the collector in the background, spilling to
`spool_dir` while the collector is unreachable. The step: the first training-mode forward of the
first watched model is step 0 and each later one the next, until `run.step = n` is assigned,
after which the step is what the caller last assigned (forwards no longer advance it).
"""

import atexit
import dataclasses
import logging
import os
import threading
import weakref

import torch

from . import _core
from .distributed import rank_and_world_size, shared_run_id
from .layouts import GRADIENT_RANGE, WEIGHT_RANGE, layouts_for
from .watch import Watcher

_log = logging.getLogger("actiscope")
_live_runs = weakref.WeakSet()


@dataclasses.dataclass(frozen=True)
class FinishReport:
    """What Run.finish achieved. Every histogram recorded is in exactly one of acked, in_spool,
    dropped and rejected (client/include/actiscope/client/reporter.h, FinishReport)."""
    acked: int  # Acknowledged by the collector.
    in_spool: int  # Left in spool_dir for a later run or actiscope.sync.
    dropped: int  # Lost to full bounds or invalid input (e.g. an integer tensor).
    rejected: int  # Refused for good by the collector.
    all_delivered: bool
    wire_bytes: int
    hook_errors: int  # Hook calls that recorded nothing (e.g. a module returning a tuple).


@dataclasses.dataclass(frozen=True)
class Alert:
    """An alert the collector announced for the run: what its detectors flagged on one series
    (server/alerts/alert_rules.h has the rules). kind: "activation", "gradient" or "weight";
    type: "collapse", "dead", "frozen", "exploding", "saturated", "nonfinite",
    "vanishing_gradient" or "exploding_gradient"; first_step: the step the condition began."""
    layer: str
    kind: str
    rank: int
    type: str
    severity: str
    first_step: int
    value: float  # The rule's measure when it was flagged.
    threshold: float  # The rule's limit on it.
    message: str  # One sentence: what it shows, the usual cause, what to try.


class Run:
    """One process's part of a run; create it with actiscope.init. A context manager: leaving
    the block finishes the run, marked failed when an exception leaves it."""

    def __init__(self, reporter, rank, world_size):
        self._reporter = reporter
        self.rank = rank
        self.world_size = world_size
        self._lock = threading.Lock()
        self._step = 0
        self._next_step = 0
        self._explicit_step = False
        self._stepper = None  # The Watcher whose forwards advance the step.
        self._watchers = []
        self._hook_errors = 0
        self._alerts = []
        self._report = None
        _live_runs.add(self)

    @property
    def run_id(self):
        return self._reporter.run_id

    @property
    def step(self):
        """The current step: of the last training-mode forward, or as last assigned."""
        return self._step

    @step.setter
    def step(self, value):
        self._step = int(value)
        self._explicit_step = True

    @property
    def alerts(self):
        """The alerts the collector announced for this run so far (each once, oldest first): a
        list of Alert(layer, kind, rank, type, severity, first_step, value, threshold, message).
        Each is also logged once, as a warning of the "actiscope" logger, when it arrives; the
        run looks for new ones at each training forward and at finish."""
        self._take_alerts()
        return list(self._alerts)

    def watch(self, model, modules=None, kinds=("activation",), every=1, bins=40, range=(0, 10),
              log_bins=False, gradient_range=GRADIENT_RANGE, weight_range=WEIGHT_RANGE):
        """Records histograms of `model` every `every` steps; returns a Watcher (remove() ends it).

        modules: None (the model's direct children), module names, nn.Module types, or a dict
        {module name: layer name} to rename. kinds: any of "activation", "gradient", "weight".
        Layouts: layouts.py. Raises ValueError/TypeError for invalid arguments."""
        if self._report is not None:
            raise RuntimeError("watch: the run is finished")
        layouts = layouts_for(bins, range, log_bins, gradient_range, weight_range)
        watcher = Watcher(self, model, modules, kinds, every, layouts)
        self._watchers.append(watcher)
        if self._stepper is None:
            self._stepper = watcher
        return watcher

    def log(self, step=None, **scalars):
        """Records scalars (name=number) at `step` (default: the current step). Never raises;
        a tensor value is converted with float(), which waits for its device."""
        step = self._step if step is None else step
        for name, value in scalars.items():
            try:
                self._reporter.record_scalar(int(step), name, float(value))
            except Exception as e:
                self._hook_error(f"log {name}", e)

    def finish(self, success=True, timeout=30):
        """Removes the hooks, flushes (waiting at most `timeout` seconds for acknowledgements)
        and marks the run finished, or failed when success is False. Returns a FinishReport;
        idempotent (later calls return the first report)."""
        if self._report is not None:
            return self._report
        for watcher in list(self._watchers):
            watcher.remove()
        r = self._reporter.finish(bool(success), float(timeout))
        self._take_alerts()
        self._report = FinishReport(acked=r.acked, in_spool=r.in_spool, dropped=r.dropped,
                                    rejected=r.rejected, all_delivered=r.all_delivered,
                                    wire_bytes=r.wire_bytes, hook_errors=self._hook_errors)
        _live_runs.discard(self)
        return self._report

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.finish(success=exc_type is None)
        return False

    def _unwatch(self, watcher):
        """Forgets a removed watcher; the next one, if any, advances the step."""
        if watcher in self._watchers:
            self._watchers.remove(watcher)
        if self._stepper is watcher:
            self._stepper = self._watchers[0] if self._watchers else None

    def _forward_step(self, training, watcher=None):
        """Called by a watcher before each forward: the step it records, None in eval mode."""
        if not training:
            return None
        if watcher is self._stepper:
            self._take_alerts()
        if watcher is self._stepper and not self._explicit_step:
            with self._lock:
                self._step = self._next_step
                self._next_step += 1
        return self._step

    def _take_alerts(self):
        """Logs and keeps the alerts announced since the last call (never waits)."""
        for notice in self._reporter.take_alerts():
            alert = Alert(layer=notice.layer, kind=notice.kind.name, rank=notice.rank,
                          type=notice.type, severity=notice.severity,
                          first_step=notice.first_step, value=notice.value,
                          threshold=notice.threshold, message=notice.message)
            with self._lock:
                self._alerts.append(alert)
            _log.warning("actiscope alert at step %d: %s on %s (%s%s): %s", alert.first_step,
                         alert.type, alert.layer, alert.kind,
                         f", rank {alert.rank}" if self.world_size > 1 else "", alert.message)

    def _hook_error(self, where, error):
        with self._lock:
            self._hook_errors += 1
            count = self._hook_errors
        if count <= 10 or count % 1000 == 0:
            _log.warning("actiscope: %s: %s (%d hook errors so far)", where, error, count)


def init(server="127.0.0.1:50051", run_name=None, config=None, run_id=None, spool_dir=None,
         offline=False, token=None, tls_ca=None):
    """Starts reporting one run (this process's rank of it) to the collector at `server`.

    Does not wait for the collector (it is retried in the background; with `spool_dir` nothing
    is lost while it is away). Rank and world size come from torch.distributed when initialized,
    else RANK / WORLD_SIZE. Raises ValueError for invalid options, RuntimeError when spool_dir
    cannot be written."""
    rank, world_size = rank_and_world_size()
    reporter = _core.Reporter(
        server=server, run_id=shared_run_id(run_id, world_size), name=run_name or "",
        config={str(k): str(v) for k, v in (config or {}).items()},
        device="cuda" if torch.cuda.is_available() else "cpu", world_size=world_size, rank=rank,
        spool_dir=os.fspath(spool_dir or ""), offline=bool(offline), token=token or "", tls_ca=tls_ca or "")
    return Run(reporter, rank, world_size)


def sync(spool_dir, server="127.0.0.1:50051", timeout=60, token=None, tls_ca=None):
    """Resends what ended processes left in `spool_dir` (`actiscope sync DIR`). Returns the
    _core.SyncReport (acked, rejected, dropped, in_spool, of_live_writers); raises
    FileNotFoundError (no such directory), TimeoutError (not all delivered within `timeout`
    seconds), PermissionError (token refused), ValueError (invalid options)."""
    return _core.sync(str(spool_dir), server, token=token or "", tls_ca=tls_ca or "",
                      timeout_s=float(timeout))


@atexit.register
def _finish_live_runs():
    for run in list(_live_runs):
        run.finish(success=True, timeout=5)
