"""Cross-rank negatives of the contrastive loss: two Gloo ranks with uneven batches score like one process."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import torch
import torch.multiprocessing as mp
from safetensors.torch import load_file, save_file

from greenrfm_core.models import ArchitectureConfig, TextEncoderConfig, build_model
from greenrfm_core.models.text import load_wordpiece_tokenizer, train_wordpiece_tokenizer
from greenrfm_core.training.distributed import init_distributed, shutdown_distributed
from greenrfm_core.training.stages import MustForward, contrastive_only_loss

WORLD_SIZE = 2
REPORTS = [
    "Small right pleural effusion.",
    "No pneumothorax. Heart size normal.",
    "未见胸腔积液。",
    "双肺肺气肿,右肺结节。",
    "Cardiomegaly with pericardial effusion.",
]
# Rank 0 gets three pairs and rank 1 two, as in the last batch of an epoch that does not divide evenly.
ROWS = {0: [0, 1, 2], 1: [3, 4]}


def _model_and_batch(tokenizer_file: Path):
    tokenizer = load_wordpiece_tokenizer(tokenizer_file)
    config = ArchitectureConfig(
        kind="ct", profile="lite", widths=(4, 8, 8, 8), latent_dim=8, num_findings=3,
        text=TextEncoderConfig(kind="scratch", dim=16, heads=2, layers=1, max_len=16),
    )
    torch.manual_seed(0)
    model = build_model(config, tokenizer=tokenizer).eval()
    images = torch.rand((len(REPORTS), 1, 16, 32, 32), generator=torch.Generator().manual_seed(1))
    return model, images


def _worker(rank: int, port: int, out_dir: str) -> None:
    os.environ.update({"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
                       "WORLD_SIZE": str(WORLD_SIZE), "LOCAL_RANK": str(rank)})
    torch.set_num_threads(1)
    init_distributed(torch.device("cpu"))
    model, images = _model_and_batch(Path(out_dir) / "tokenizer.json")
    rows = ROWS[rank]
    batch = {"image": images[rows], "report": [REPORTS[i] for i in rows]}
    module = MustForward(model)
    out = module(image=batch["image"], reports=batch["report"])
    loss, _ = contrastive_only_loss()(module, batch)
    loss.backward()
    gradient = sum(float(p.grad.abs().sum()) for p in model.image_encoder.parameters() if p.grad is not None)
    save_file({
        "loss": loss.detach().reshape(1),
        "similarity_shape": torch.tensor(out["similarity"].shape),
        "text_to_image_shape": torch.tensor(out["text_to_image"].shape),
        "offset": torch.tensor([out["pair_offset"]]),
        "gradient": torch.tensor([gradient]),
    }, str(Path(out_dir) / f"rank{rank}.safetensors"))
    shutdown_distributed()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_contrastive_uses_all_rank_negatives(tmp_path):
    # Trained once and loaded by every process, because each process would train a different vocabulary.
    train_wordpiece_tokenizer(REPORTS * 4, vocab_size=120, min_frequency=1).save(str(tmp_path / "tokenizer.json"))
    mp.spawn(_worker, args=(_free_port(), str(tmp_path)), nprocs=WORLD_SIZE, join=True)
    ranks = [load_file(str(tmp_path / f"rank{rank}.safetensors")) for rank in range(WORLD_SIZE)]
    total = len(REPORTS)
    for rank, result in enumerate(ranks):
        assert result["similarity_shape"].tolist() == [len(ROWS[rank]), total]
        assert result["text_to_image_shape"].tolist() == [len(ROWS[rank]), total]
        assert int(result["offset"]) == ROWS[rank][0]
        assert float(result["gradient"]) > 0, "the local rows lost their gradient"

    # One process over all five pairs. Each rank's loss is a mean over its own rows, so the row-weighted
    # mean of the rank losses equals the single-process loss only if every rank saw all five negatives.
    model, images = _model_and_batch(tmp_path / "tokenizer.json")
    module = MustForward(model)
    with torch.no_grad():
        single, _ = contrastive_only_loss()(module, {"image": images, "report": REPORTS})
        local_only, _ = contrastive_only_loss()(module, {"image": images[:3], "report": REPORTS[:3]})
    combined = sum(float(r["loss"]) * len(ROWS[rank]) for rank, r in enumerate(ranks)) / total
    assert abs(combined - float(single)) < 1e-4
    assert abs(float(ranks[0]["loss"]) - float(local_only)) > 1e-3
