"""Distributed data parallel test: two Gloo processes on the CPU keep identical parameters while training."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import numpy as np
import torch
import torch.multiprocessing as mp
from safetensors.torch import load_file, save_file
from torch.nn.parallel import DistributedDataParallel

from greenrfm_core.data.dataset import StudyDataset
from greenrfm_core.data.matching import StudyRecord
from greenrfm_core.models import ArchitectureConfig, TextEncoderConfig, build_model
from greenrfm_core.models.text import TOKENIZER_FILE, load_wordpiece_tokenizer
from greenrfm_core.schemas import load_schema
from greenrfm_core.training.distributed import init_distributed, shutdown_distributed
from greenrfm_core.training.events import EventWriter
from greenrfm_core.training.loop import LoopSettings, run_loop
from greenrfm_core.training.setup import scratch_tokenizer
from greenrfm_core.training.signals import TrainingControl
from greenrfm_core.training.stages import MustForward, make_loss, set_trainable

WORLD_SIZE = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _worker(rank: int, port: int, out_dir: str) -> None:
    os.environ.update({"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
                       "WORLD_SIZE": str(WORLD_SIZE), "LOCAL_RANK": str(rank)})
    torch.set_num_threads(1)
    dist_info, device = init_distributed(torch.device("cpu"))
    rng = np.random.default_rng(0)
    records, arrays = [], []
    for index in range(16):
        labels = np.array([index % 2, (index // 2) % 2], np.float32)
        array = rng.random((1, 16, 32, 32), dtype=np.float32) * 0.2
        if labels[0]:
            array[:, 2:8, 4:12, 4:12] += 0.8
        records.append(StudyRecord(f"s{index}", Path("."), f"p{index}", labels=labels))
        arrays.append(array)
    config = ArchitectureConfig(kind="ct", profile="lite", widths=(4, 8, 8, 8), latent_dim=8, num_findings=2,
                                text=TextEncoderConfig(kind="none"))
    torch.manual_seed(0)  # the same initial weights on both ranks, as DDP expects
    model = build_model(config)
    initial = {name: value.clone() for name, value in model.state_dict().items()}
    set_trainable(model, "vision")
    module = DistributedDataParallel(MustForward(model))
    settings = LoopSettings(stage="vision", epochs=2, batch_size=8, micro_batch=2, lr=1e-2, seed=0)
    result = run_loop(model, module, StudyDataset(records, arrays, spec={}, augment=True), make_loss("vision"),
                      settings, device, Path(out_dir) / f"checkpoints-{rank}", EventWriter(None),
                      TrainingControl(), dist_info)
    state = {name: value.detach().contiguous() for name, value in model.state_dict().items()}
    changed = max(float((state[name].float() - initial[name].float()).abs().max()) for name in state)
    state["_steps"] = torch.tensor([result.steps])
    state["_changed"] = torch.tensor([changed])
    save_file(state, str(Path(out_dir) / f"rank{rank}.safetensors"))
    shutdown_distributed()


def test_ddp_ranks_stay_in_sync(tmp_path):
    mp.spawn(_worker, args=(_free_port(), str(tmp_path)), nprocs=WORLD_SIZE, join=True)
    rank0 = load_file(str(tmp_path / "rank0.safetensors"))
    rank1 = load_file(str(tmp_path / "rank1.safetensors"))
    # 16 studies over 2 ranks with an effective batch of 8: 4 per rank per step, 2 steps per epoch.
    assert int(rank0["_steps"]) == int(rank1["_steps"]) == 4
    assert float(rank0["_changed"]) > 1e-3, "training did not change the weights"
    for name, value in rank0.items():
        if name.startswith("_"):
            continue
        assert torch.equal(value, rank1[name]), f"{name} differs between ranks"
    # Only rank 0 writes checkpoints.
    assert list((tmp_path / "checkpoints-0").glob("*.json"))
    assert not (tmp_path / "checkpoints-1").exists()


def _tokenizer_worker(rank: int, port: int, out_dir: str) -> None:
    os.environ.update({"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
                       "WORLD_SIZE": str(WORLD_SIZE), "LOCAL_RANK": str(rank)})
    dist_info, device = init_distributed(torch.device("cpu"))
    reports = ["Small right pleural effusion.", "No pneumothorax.", "未见胸腔积液。", "双肺肺气肿,右肺结节。"] * 3
    tokenizer = scratch_tokenizer(Path(out_dir) / "run", reports, load_schema("chest-ct"), dist_info.is_main, device)
    vocab = json.dumps(sorted(tokenizer.get_vocab().items()), ensure_ascii=False)
    (Path(out_dir) / f"vocab{rank}.json").write_text(vocab, encoding="utf-8")
    shutdown_distributed()


def test_ddp_ranks_share_rank_zero_tokenizer(tmp_path):
    mp.spawn(_tokenizer_worker, args=(_free_port(), str(tmp_path)), nprocs=WORLD_SIZE, join=True)
    saved = load_wordpiece_tokenizer(tmp_path / "run" / TOKENIZER_FILE)
    expected = json.dumps(sorted(saved.get_vocab().items()), ensure_ascii=False)
    for rank in range(WORLD_SIZE):
        assert (tmp_path / f"vocab{rank}.json").read_text(encoding="utf-8") == expected, f"rank {rank} differs"
    assert not list((tmp_path / "run").glob("*.tmp"))
