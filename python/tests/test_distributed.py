"""Two processes of one torch.distributed (Gloo) job report one run, each as its rank."""

import os
import pathlib
import subprocess
import sys

WORKER = pathlib.Path(__file__).with_name("distributed_worker.py")


def test_two_ranks_report_one_run_with_both_ranks_stored(server, tmp_path):
    store = tmp_path / "store"
    env = dict(os.environ)
    env.pop("RANK", None)
    env.pop("WORLD_SIZE", None)
    workers = [subprocess.Popen([sys.executable, str(WORKER), str(rank), "2", str(store),
                                 server.address], stdout=subprocess.PIPE, text=True, env=env)
               for rank in (0, 1)]
    lines = [w.communicate(timeout=60)[0].split() for w in workers]
    assert [w.returncode for w in workers] == [0, 0]
    run_ids = {line[0] for line in lines}
    assert len(run_ids) == 1, lines
    assert [line[1:] for line in lines] == [["0", "2", "6"], ["1", "2", "6"]]

    run_id = run_ids.pop()
    shown = server.show(run_id)
    assert shown["world_size"] == 2
    assert shown["layers"][0]["ranks"] == [0, 1]
    for rank in (0, 1):
        columns = server.heatmap(run_id, "0", rank=rank)
        assert [(c["step_from"], c["elements"]) for c in columns] == [
            (step, (2 + rank) * 6) for step in range(3)]
    merged = server.heatmap(run_id, "0")
    assert [(c["histograms"], c["elements"]) for c in merged] == [(2, 30)] * 3
