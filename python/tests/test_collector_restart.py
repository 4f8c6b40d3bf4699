"""A collector killed and restarted mid-run: the Reporter spools, reconnects and resends, and the
collector stores every histogram exactly once."""

import uuid

import torch
from torch import nn

import actiscope
from conftest import wait_for


def test_collector_killed_and_restarted_mid_run_stores_every_histogram_once(fresh_server,
                                                                             tmp_path):
    run_id = "py-" + uuid.uuid4().hex[:12]
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU())
    run = actiscope.init(server=fresh_server.address, run_id=run_id, spool_dir=tmp_path / "spool")
    run.watch(model)
    for _ in range(5):
        model(torch.randn(3, 4))
    # The stream is live: the first steps are stored before the collector dies.
    wait_for(lambda: fresh_server.stored_steps(run_id, "1") == list(range(5)), 20,
             "steps 0-4 stored")
    fresh_server.kill()
    for _ in range(5):
        model(torch.randn(3, 4))
    fresh_server.start()  # Same port and database.
    for _ in range(5):
        model(torch.randn(3, 4))
    report = run.finish(timeout=40)
    assert report.all_delivered, report
    assert report.acked == 2 * 15
    for layer in ("0", "1"):
        columns = fresh_server.heatmap(run_id, layer)
        assert [c["step_from"] for c in columns] == list(range(15))
        assert all(c["histograms"] == 1 and c["elements"] == 15 for c in columns)
    assert fresh_server.show(run_id)["status"] == "finished"
