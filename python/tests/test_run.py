"""actiscope.init / Run.finish / actiscope.sync: a run's status and delivery."""

import uuid

import pytest
import torch
from torch import nn

import actiscope


def new_id():
    return "py-" + uuid.uuid4().hex[:12]


def test_finished_run_has_status_finished_and_report(server):
    run_id = new_id()
    model = nn.Linear(3, 2)
    with actiscope.init(server=server.address, run_name="done", run_id=run_id,
                        config={"lr": 0.1, "model": "linear"}) as run:
        run.watch(model)
        model(torch.ones(2, 3))
    report = run.finish()
    assert (report.acked, report.dropped, report.rejected, report.in_spool) == (1, 0, 0, 0)
    assert report.all_delivered
    assert run.finish() is report
    shown = server.show(run_id)
    assert shown["status"] == "finished"
    assert shown["name"] == "done"
    assert shown["config"] == {"lr": "0.1", "model": "linear"}
    assert [layer["name"] for layer in shown["layers"]] == ["linear"]


def test_exception_in_the_block_marks_the_run_failed(server):
    run_id = new_id()
    with pytest.raises(KeyError):
        with actiscope.init(server=server.address, run_id=run_id) as run:
            run.log(step=0, loss=1.0)
            raise KeyError("boom")
    assert server.show(run_id)["status"] == "failed"


def test_invalid_options_raise_value_error(server):
    with pytest.raises(ValueError, match="run_id"):
        actiscope.init(server=server.address, run_id="has spaces")
    with pytest.raises(ValueError):
        actiscope.init(server=server.address, offline=True)  # Offline needs a spool_dir.


def test_offline_run_is_delivered_by_sync(server, tmp_path):
    run_id = new_id()
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
    with actiscope.init(run_id=run_id, spool_dir=tmp_path, offline=True) as run:
        run.watch(model)
        for _ in range(4):
            model(torch.randn(2, 3))
    report = run.finish()
    assert (report.acked, report.in_spool) == (0, 8)
    synced = actiscope.sync(tmp_path, server.address, timeout=20)
    assert (synced.acked, synced.rejected, synced.dropped) == (8, 0, 0)
    assert [c["elements"] for c in server.heatmap(run_id, "1")] == [8, 8, 8, 8]
    with pytest.raises(FileNotFoundError):
        actiscope.sync(tmp_path / "missing", server.address)
