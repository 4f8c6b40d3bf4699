"""Which rank of how many this process is, and the run id every rank shares.

Rank and world size come from torch.distributed when it is initialized, else from the RANK and
WORLD_SIZE environment variables (torchrun sets both), else 0 of 1. Every rank of a run must
report the same run id: with torch.distributed initialized, rank 0 draws one and broadcasts it
(so every rank must call actiscope.init); without it, a multi-rank run takes ACTISCOPE_RUN_ID or
torchrun's TORCHELASTIC_RUN_ID from the environment, or fails.
"""

import os
import re
import secrets

import torch


def _initialized():
    return torch.distributed.is_available() and torch.distributed.is_initialized()


def rank_and_world_size():
    """(rank, world_size) of this process."""
    if _initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def shared_run_id(run_id, world_size):
    """The run id all ranks use: `run_id` when given; "" (the Reporter draws one) for a single
    process. Raises ValueError when several ranks cannot agree on one."""
    if run_id:
        return run_id
    if world_size <= 1:
        return ""
    if _initialized():
        chosen = [secrets.token_hex(16) if torch.distributed.get_rank() == 0 else None]
        torch.distributed.broadcast_object_list(chosen, src=0)
        return chosen[0]
    for variable in ("ACTISCOPE_RUN_ID", "TORCHELASTIC_RUN_ID"):
        value = os.environ.get(variable, "")
        if value and value != "none":
            return re.sub(r"[^A-Za-z0-9._-]", "-", value)[:64]
    raise ValueError(
        f"actiscope.init: world size {world_size} without torch.distributed initialized: pass "
        "run_id= (the same on every rank) or set ACTISCOPE_RUN_ID")
