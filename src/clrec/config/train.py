"""Settings of the model, its loss and the training loop.

The model is a two-tower recommender: a causal Transformer over the user's
item history and an item tower over the item id and its features. The loss
is one of the contrastive variants of CLRec or one of the softmax baselines
(see `LossConfig.kind`).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from clrec.config.base import StrictModel

LossKind = Literal[
    "in_batch",
    "raw_queue",
    "cached_queue",
    "sampled_softmax",
    "full_softmax",
    "momentum_queue",
    "binary_cross_entropy",
]
# Loss kinds that keep a FIFO queue of earlier positives as negatives.
QUEUE_LOSS_KINDS = ("raw_queue", "cached_queue", "momentum_queue")

_DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


class ModelConfig(StrictModel):
    """Architecture of the two towers and of the score between them."""

    dim: int = Field(
        default=64,
        ge=2,
        description="Width d of the shared user/item space and of the user tower (vector components).",
    )
    max_length: int = Field(
        default=50,
        ge=1,
        description="Maximum history length in items; longer histories keep their most recent items.",
    )
    num_layers: int = Field(default=2, ge=1, description="Transformer blocks in the user tower.")
    num_heads: int = Field(
        default=2, ge=1, description="Attention heads per block; must divide `dim`."
    )
    dropout: float = Field(
        default=0.2,
        ge=0.0,
        lt=1.0,
        description="Dropout probability in the user tower and on item feature embeddings.",
    )
    use_features: bool = Field(
        default=True,
        description=(
            "Encode the item features of the features step; false trains an id-only item tower "
            "even when features exist."
        ),
    )
    feature_dim: int = Field(
        default=16,
        ge=1,
        description="Width of each item feature embedding before the projection to `dim` (vector components).",
    )
    share_item_embedding: bool = Field(
        default=False,
        description="Use the item tower's id embedding as the user tower's input embedding.",
    )
    text_encoder: Literal["none", "mean", "transformer"] = Field(
        default="mean",
        description=(
            "Encoder of text features: `none` ignores text, `mean` averages token embeddings, "
            "`transformer` runs `text_layers` self-attention blocks before averaging."
        ),
    )
    text_layers: int = Field(
        default=1,
        ge=1,
        description="Self-attention blocks of the `transformer` text encoder; other encoders ignore it.",
    )
    text_max_tokens: int = Field(
        default=16, ge=1, description="Tokens kept per text value; later tokens are cut."
    )
    text_vocab_size: int = Field(
        default=5000,
        ge=1,
        description="Most frequent tokens kept in the text vocabulary; the rest map to one out-of-vocabulary token.",
    )
    score: Literal["cosine", "inner_product"] = Field(
        default="cosine",
        description="Similarity of a user and an item embedding before the temperature is applied.",
    )
    temperature: float = Field(
        default=0.1,
        gt=0.0,
        description="Every score is divided by this value before the softmax (unitless).",
    )

    @model_validator(mode="after")
    def _check_heads(self) -> ModelConfig:
        if self.dim % self.num_heads != 0:
            raise ValueError(
                f"num_heads={self.num_heads} must divide dim={self.dim}; "
                "choose num_heads among the divisors of dim"
            )
        return self


class LossConfig(StrictModel):
    """The loss that trains the towers, and its negatives.

    Kinds:
    - `in_batch`: the other positives of the batch are the negatives.
    - `raw_queue`: a FIFO queue keeps the ids of earlier positives, which are
      encoded again at every step.
    - `cached_queue` (CLRec's default): the queue keeps their embeddings,
      reused without gradient.
    - `momentum_queue`: the cached queue is filled by a momentum copy of the
      item tower.
    - `sampled_softmax`: `num_negatives` items drawn from popularity, with
      ln q subtracted from every logit.
    - `full_softmax`: the whole catalog scores every position.
    - `binary_cross_entropy`: SASRec's loss, a logistic loss on each positive
      and on one negative drawn uniformly from the catalog for it.

    Accidental hits are negatives that are the row's positive item (`same_item`)
    or any item of that row's training window (`history`). The default,
    `none`, masks nothing and was chosen by measurement: on ML-100K with the
    cached queue (two seeds, benchmarks/train_ml100k.py), test HR@50 was
    0.237 unmasked, 0.231 with `same_item` and 0.219 with `history`, and
    validation HR@50 0.274, 0.269 and 0.271. It also keeps the candidate set
    the multiset of draws from the data distribution that the contrastive
    loss's debiasing argument assumes.
    """

    kind: LossKind = Field(default="cached_queue", description="Loss and negative source, see above.")
    queue_size: int = Field(
        default=4096,
        ge=1,
        description=(
            "Entries (positive items) the FIFO queue keeps. Independent of the batch size; "
            "when a batch has more positives than this, the batch alone gives the negatives."
        ),
    )
    num_negatives: int = Field(
        default=1024, ge=1, description="Negatives L drawn per step by `sampled_softmax`, shared by the batch."
    )
    sampling_power: float = Field(
        default=0.75,
        ge=0.0,
        description="q(y) is proportional to (training count + count_smoothing) raised to this power; 0 is uniform.",
    )
    count_smoothing: float = Field(
        default=1.0,
        gt=0.0,
        description="Pseudo-count added to every item's training count so that no item has q(y) = 0.",
    )
    encode_negative_features: bool = Field(
        default=True,
        description="`sampled_softmax` only: encode sampled negatives with their features, else by id alone.",
    )
    accidental_hits: Literal["none", "same_item", "history"] = Field(
        default="none",
        description="Which negatives get a masked logit: none, copies of the positive, or the row's history too.",
    )
    momentum: float = Field(
        default=0.999,
        ge=0.0,
        lt=1.0,
        description="`momentum_queue` only: weight of the old momentum encoder in each update.",
    )


class OptimConfig(StrictModel):
    """AdamW with linear warm-up, then decay, and gradient clipping."""

    learning_rate: float = Field(default=1e-3, gt=0.0, description="Peak learning rate after warm-up.")
    weight_decay: float = Field(
        default=0.01, ge=0.0, description="AdamW decoupled weight decay on weight matrices (not biases or norms)."
    )
    warmup_steps: int = Field(default=50, ge=0, description="Optimizer steps of linear warm-up from 0.")
    decay: Literal["cosine", "linear", "constant"] = Field(
        default="cosine", description="Learning-rate shape after warm-up, until the last planned step."
    )
    min_lr_ratio: float = Field(
        default=0.1, ge=0.0, le=1.0, description="Final learning rate as a fraction of the peak."
    )
    grad_clip_norm: float = Field(
        default=1.0, ge=0.0, description="Maximum global gradient L2 norm; 0 disables clipping."
    )


class TrainConfig(StrictModel):
    """Model, loss, optimizer and the loop around them."""

    model: ModelConfig = ModelConfig()
    loss: LossConfig = LossConfig()
    optim: OptimConfig = OptimConfig()
    batch_size: int = Field(
        default=32,
        ge=1,
        description=(
            "Training windows (user sub-sequences) per step and per worker; each non-padding "
            "position of a window is one positive."
        ),
    )
    epochs: int = Field(default=20, ge=1, description="Maximum passes over the training windows.")
    max_steps: int = Field(
        default=0, ge=0, description="Stop after this many optimizer steps in total; 0 means no limit."
    )
    early_stopping_patience: int = Field(
        default=3,
        ge=0,
        description="Stop after this many epochs without a better validation HR@k; 0 disables early stopping.",
    )
    valid_k: int = Field(default=50, ge=1, description="Cut-off k of the validation hit rate HR@k.")
    valid_max_users: int = Field(
        default=0,
        ge=0,
        description=(
            "Validate on a seeded random subsample of at most this many users, to bound the cost of "
            "ranking every item on large catalogs; 0 validates every user."
        ),
    )
    valid_exclude_history: bool = Field(
        default=True,
        description="Remove a user's training items (except the target) from the ranking in validation.",
    )
    device: str = Field(
        default="auto", description="`auto` (CUDA when available, else CPU), `cpu`, `cuda` or `cuda:N`."
    )
    precision: Literal["auto", "bf16", "fp32"] = Field(
        default="auto",
        description="`auto` uses bf16 autocast on a CUDA device that supports it and fp32 elsewhere.",
    )
    num_threads: int = Field(default=0, ge=0, description="CPU threads for torch; 0 keeps torch's default.")
    checkpoint_dir: str = Field(
        default="", description="Where checkpoints go; empty means `<output>/checkpoints`."
    )
    checkpoint_every_steps: int = Field(
        default=0,
        ge=0,
        description="Also write a checkpoint every this many steps inside an epoch; 0 means at epoch ends only.",
    )
    tensorboard: bool = Field(default=True, description="Write TensorBoard scalars to `<output>/tensorboard`.")
    progress_bar: bool = Field(default=True, description="Show a tqdm progress bar on the first worker.")
    log_every_steps: int = Field(
        default=50, ge=1, description="Steps between loss log lines and TensorBoard points."
    )

    @field_validator("device")
    @classmethod
    def _check_device(cls, value: str) -> str:
        if not _DEVICE_PATTERN.match(value):
            raise ValueError(f"device {value!r} is not one of auto, cpu, cuda, cuda:N")
        return value
