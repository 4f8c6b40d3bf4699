"""Run.alerts: the alerts the collector announces in its acks reach the Python run once each,
logged as they arrive, and are what the server stored (actiscope alerts --json)."""

import logging
import uuid

import torch
from torch import nn

import actiscope
from conftest import wait_for


class NanAfter(nn.Module):
    """Passes its input through until `step`, NaN from then on."""

    def __init__(self, step):
        super().__init__()
        self.nan_from = step
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x * float("nan") if self.calls > self.nan_from else x


def test_a_nan_layer_is_announced_once_and_logged(server, caplog):
    run_id = "py-" + uuid.uuid4().hex[:12]
    model = nn.Sequential(nn.Linear(4, 8), NanAfter(5))
    caplog.set_level(logging.WARNING, logger="actiscope")
    with actiscope.init(server=server.address, run_id=run_id) as run:
        run.watch(model, modules={"0": "fc", "1": "nan"})
        for _ in range(8):
            model(torch.randn(16, 4))
        # Announced in an ack while the run goes on.
        wait_for(lambda: run.alerts or model(torch.randn(16, 4)) is None, 20, "an alert")
    alerts = run.alerts
    assert [(a.layer, a.kind, a.type, a.severity, a.first_step) for a in alerts] == [
        ("nan", "activation", "nonfinite", "critical", 5)]
    assert "NaN or infinite" in alerts[0].message
    assert isinstance(alerts[0], actiscope.Alert)
    logged = [r.getMessage() for r in caplog.records
              if r.getMessage().startswith("actiscope alert at step 5: nonfinite on nan ")]
    assert len(logged) == 1, logged
    stored = server.cli("alerts", run_id)
    assert [(a["layer"], a["type"], a["first_step"]) for a in stored] == [("nan", "nonfinite", 5)]


def test_a_healthy_run_has_no_alerts(server):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
    with actiscope.init(server=server.address) as run:
        run.watch(model)
        for _ in range(30):
            model(torch.randn(16, 4))
    assert run.alerts == []
