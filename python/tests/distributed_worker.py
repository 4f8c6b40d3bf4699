"""One rank of test_distributed.py's run: joins a Gloo process group through a file store,
reports 3 steps of a tiny model (batch 2 + rank) with actiscope and prints the run id.

    distributed_worker.py RANK WORLD_SIZE STORE_FILE SERVER_ADDRESS
"""

import sys

import torch
import torch.distributed as dist
from torch import nn

import actiscope


def main():
    rank, world_size, store, address = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank,
                            world_size=world_size)
    torch.manual_seed(rank)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU())
    with actiscope.init(server=address, run_name="two-ranks") as run:
        run.watch(model)
        for _ in range(3):
            model(torch.randn(2 + rank, 4)).sum().backward()
        report = run.finish()
    print(run.run_id, run.rank, run.world_size, report.acked, flush=True)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
