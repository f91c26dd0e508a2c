"""Train RecBole's SASRec on Amazon Beauty as a peer to this product's CLRec numbers.

RecBole runs in its own virtual environment, which this script creates and
fills with exact pins on the first run, so its dependencies never touch the
product's `.venv`. The script converts the BERT4Rec Beauty file into RecBole
atomic files, trains SASRec with full softmax (cross-entropy over all items)
under a wall-clock budget, and evaluates the best-validation checkpoint on
the test targets against 100 popularity-sampled negatives.

    .venv/bin/python benchmarks/recbole_peer.py --mirror /path/to/datasets --budget-minutes 45

It writes `benchmarks/results/recbole_peer.json` and `recbole_peer.md`.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import subprocess
import sys
import tempfile
from pathlib import Path

from record import ROOT, provenance_lines, write_result

logger = logging.getLogger("recbole_peer")
# torch 2.13.0 installs from a CPU wheel on local disk, while any other torch version pulls a multi-GB
# CUDA build. RecBole 1.2.1 aliases np.float_, which numpy 2 removed, and its chained
# fillna(inplace=True) stops working in pandas 3 (pandas 2.3 warns so). NOTE: setuptools 81 is untested.
PINS = (
    "recbole==1.2.1",
    "torch==2.13.0",
    "numpy==1.26.4",
    "pandas==2.3.3",
    "scipy==1.17.1",
    "setuptools==80.10.2",
)
STAMP_NAME = "recbole-peer-pins.txt"
DATASET = "beauty"
METRICS = ("hr@1", "hr@5", "hr@10", "ndcg@5", "ndcg@10", "mrr")
# Numbers the CLRec paper reports on this Beauty file (its Table 7).
PAPER_TABLE7 = {
    "SASRec (paper)": (0.0906, 0.1934, 0.2653, 0.1436, 0.1633, 0.1536),
    "BERT4Rec (paper)": (0.0953, 0.2207, 0.3025, 0.1599, 0.1862, 0.1701),
    "CLRec (paper)": (0.1147, 0.2552, 0.3423, 0.1876, 0.2156, 0.1968),
}
# The cut-off 101 covers the target and its 100 negatives, so RecBole's MRR@101 is the untruncated MRR.
RECBOLE_CONFIG = {
    "USER_ID_FIELD": "user_id",
    "ITEM_ID_FIELD": "item_id",
    "TIME_FIELD": "timestamp",
    "load_col": {"inter": ["user_id", "item_id", "timestamp"]},
    "MAX_ITEM_LIST_LENGTH": 50,
    "loss_type": "CE",
    "train_neg_sample_args": None,
    "hidden_size": 64,
    "inner_size": 256,
    "n_layers": 2,
    "n_heads": 2,
    "hidden_dropout_prob": 0.5,
    "attn_dropout_prob": 0.5,
    "hidden_act": "gelu",
    "learning_rate": 0.001,
    "train_batch_size": 256,
    "eval_batch_size": 101 * 256,
    "epochs": 200,
    "stopping_step": 10,
    "eval_step": 1,
    "eval_args": {
        "split": {"LS": "valid_and_test"},
        "order": "TO",
        "group_by": "user",
        "mode": {"valid": "pop100", "test": "pop100"},
    },
    "metrics": ["Hit", "NDCG", "MRR"],
    "topk": [1, 5, 10, 101],
    "valid_metric": "NDCG@10",
    "use_gpu": False,
    "seed": 2020,
    "reproducibility": True,
    "show_progress": False,
}
# This module runs inside the RecBole venv. Training stops at the first batch that would start after
# the deadline, but each epoch runs at least one batch. The validation of that last epoch still runs,
# and then the best-validation checkpoint is tested.
RUNNER_SOURCE = '''
import json, os, sys, time

# RecBole 1.2.1 checkpoints pickle its Config object, which torch.load rejects under the
# weights_only=True default of torch 2.6 and later.
os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"
import torch
from recbole.config import Config
from recbole.data import create_dataset, data_preparation
from recbole.model.sequential_recommender import SASRec
from recbole.trainer import Trainer
from recbole.utils import init_logger, init_seed


class BudgetSpent(Exception):
    """Signal that the training deadline has passed."""


class SharedEncodingSASRec(SASRec):
    """SASRec whose predict encodes each distinct sequence once, with the same scores as SASRec.predict.

    RecBole repeats a user's sequence for each of the 101 candidates, so plain predict runs the
    Transformer 101 times per user.
    """

    def predict(self, interaction):
        keys = torch.cat([interaction[self.ITEM_SEQ], interaction[self.ITEM_SEQ_LEN].unsqueeze(1)], dim=1)
        unique_keys, inverse = torch.unique(keys, dim=0, return_inverse=True)
        seq_output = self.forward(unique_keys[:, :-1], unique_keys[:, -1])[inverse]
        return torch.mul(seq_output, self.item_embedding(interaction[self.ITEM_ID])).sum(dim=1)


class DeadlineBatches:
    """Yield the batches of a loader until the trainer's deadline, counting the examples yielded."""

    def __init__(self, loader, trainer):
        self.loader = loader
        self.trainer = trainer

    def __iter__(self):
        for batch_index, interaction in enumerate(self.loader):
            if batch_index > 0 and time.monotonic() >= self.trainer.deadline:
                self.trainer.budget_spent = True
                return
            self.trainer.examples += len(interaction)
            yield interaction


class BudgetTrainer(Trainer):
    """Train until the deadline, counting pure training seconds, full epochs and examples."""

    def __init__(self, config, model, budget_seconds):
        super().__init__(config, model)
        self.fit_started = time.monotonic()
        self.deadline = self.fit_started + budget_seconds
        self.budget_spent = False
        self.train_seconds = 0.0
        self.full_epochs = 0
        self.examples = 0

    def _train_epoch(self, train_data, *args, **kwargs):
        started = time.monotonic()
        loss = super()._train_epoch(DeadlineBatches(train_data, self), *args, **kwargs)
        self.train_seconds += time.monotonic() - started
        self.full_epochs += not self.budget_spent
        return loss

    def check_budget(self, epoch_idx, valid_score):
        if self.budget_spent or time.monotonic() >= self.deadline:
            raise BudgetSpent()


spec = json.load(sys.stdin)
if spec["threads"] > 0:
    torch.set_num_threads(spec["threads"])
config = Config(model="SASRec", dataset=spec["dataset"], config_dict=spec["config"])
init_seed(config["seed"], config["reproducibility"])
init_logger(config)
dataset = create_dataset(config)
train_data, valid_data, test_data = data_preparation(config, dataset)
init_seed(config["seed"] + config["local_rank"], config["reproducibility"])
model = SharedEncodingSASRec(config, train_data.dataset).to(config["device"])
trainer = BudgetTrainer(config, model, spec["budget_seconds"])
try:
    trainer.fit(train_data, valid_data, saved=True, callback_fn=trainer.check_budget)
    stop_reason = "max epochs" if trainer.full_epochs == config["epochs"] else "early stopping"
except BudgetSpent:
    stop_reason = "budget"
fit_seconds = time.monotonic() - trainer.fit_started
test_result = trainer.evaluate(test_data, load_best_model=True)
result = {
    "full_epochs": trainer.full_epochs,
    "examples": trainer.examples,
    "stop_reason": stop_reason,
    "train_seconds": trainer.train_seconds,
    "fit_seconds": fit_seconds,
    "train_examples_per_epoch": len(train_data.dataset),
    "num_users": dataset.user_num - 1,
    "num_items": dataset.item_num - 1,
    "valid": dict(trainer.best_valid_result),
    "test": dict(test_result),
}
open(spec["output"], "w").write(json.dumps(result, indent=2))
'''


def ensure_venv(venv: Path, python: str) -> Path:
    """Create `venv` and install PINS into it unless its stamp lists them, and return its python."""
    stamp = venv / STAMP_NAME
    expected_stamp = "\n".join(PINS) + "\n"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == expected_stamp:
        return venv / "bin" / "python"
    if not (venv / "bin" / "python").exists():
        logger.info("creating the RecBole virtual environment in %s", venv)
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    logger.info("installing %s", " ".join(PINS))
    # torch is pinned in the same command so pip never resolves another torch version.
    subprocess.run([str(venv / "bin" / "pip"), "install", *PINS], check=True)
    stamp.write_text(expected_stamp, encoding="utf-8")
    return venv / "bin" / "python"


def resolve_source(mirror: str | None) -> Path:
    """Return the verified beauty.txt: fetched into the dataset cache, from `mirror` or $CLREC_DATA_MIRROR when set."""
    from clrec.data import DataFetchError, fetch_dataset

    try:
        return fetch_dataset("amazon-beauty", mirror=mirror) / "beauty.txt"
    except DataFetchError as error:
        sys.exit(f"cannot get amazon-beauty: {error}")


def write_atomic_files(source: Path, data_path: Path) -> int:
    """Write `<data_path>/beauty/beauty.inter` from `user item` lines and return the interaction count.

    The timestamp is the line number, so RecBole's time ordering keeps each user's file order.
    """
    directory = data_path / DATASET
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    with source.open(encoding="utf-8") as lines, (directory / f"{DATASET}.inter").open("w", encoding="utf-8") as out:
        out.write("user_id:token\titem_id:token\ttimestamp:float\n")
        for number, line in enumerate(lines, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2:
                raise ValueError(f"invalid line {number} in {source}: {line.strip()!r}, expected 'user_id item_id'")
            out.write(f"{fields[0]}\t{fields[1]}\t{number}\n")
            count += 1
    return count


def run_recbole(python: Path, work: Path, config: dict, budget_seconds: float, threads: int) -> dict:
    """Run RUNNER_SOURCE with the venv's python in `work`, with its spec on stdin, and return its figures."""
    runner = work / "recbole_runner.py"
    runner.write_text(RUNNER_SOURCE, encoding="utf-8")
    spec = {
        "dataset": DATASET,
        "config": config,
        "budget_seconds": budget_seconds,
        "threads": threads,
        "output": str(work / "result.json"),
    }
    # RecBole writes its log/ and log_tensorboard/ folders into the working directory, and it
    # reads command-line arguments as config overrides, so the spec travels on stdin.
    subprocess.run([str(python), str(runner)], input=json.dumps(spec), text=True, cwd=work, check=True)
    return json.loads((work / "result.json").read_text(encoding="utf-8"))


def rename_metrics(recbole_result: dict) -> dict:
    """Rename RecBole's metrics to this product's names (hit@k is hr@k, MRR@101 is mrr) and keep mrr@10."""
    return {
        "hr@1": recbole_result["hit@1"],
        "hr@5": recbole_result["hit@5"],
        "hr@10": recbole_result["hit@10"],
        "ndcg@5": recbole_result["ndcg@5"],
        "ndcg@10": recbole_result["ndcg@10"],
        "mrr": recbole_result["mrr@101"],
        "mrr@10": recbole_result["mrr@10"],
    }


def render_markdown(figures: dict) -> str:
    """Build the Markdown section: metric table, training figures, protocol differences and the config."""
    train = figures["train"]
    threads = figures["torch_threads"] if figures["torch_threads"] > 0 else "torch's default"
    metric_rows = []
    for name, values in PAPER_TABLE7.items():
        metric_rows.append(f"| {name} | " + " | ".join(f"{value:.4f}" for value in values) + " |")
    for split in ("valid", "test"):
        values = " | ".join(f"{figures[split][metric]:.4f}" for metric in METRICS)
        metric_rows.append(f"| SASRec, RecBole 1.2.1 ({split}) | {values} |")
    train_row = (
        f"| {train['epochs']} ({train['full_epochs']}) | {train['examples']} | {train['train_seconds']:.1f} "
        f"| {train['fit_seconds']:.1f} | {train['examples_per_second']:.0f} | {train['stop_reason']} |"
    )
    return f"""# RecBole SASRec peer on Amazon Beauty

{provenance_lines()}

RecBole 1.2.1's SASRec (2 blocks, 2 heads, dimension 64, dropout 0.5, at most 50 items,
full-softmax cross-entropy over all items) trained on the BERT4Rec Beauty file with a training
budget of {figures['budget_minutes']} minutes on CPU (torch threads: {threads}). The file has
{figures['num_users']} users, {figures['num_items']} items and {figures['num_interactions']} interactions.
The RecBole rows are the best-validation checkpoint. Their MRR is untruncated over the 101
candidates (RecBole's MRR@101). RecBole's MRR@10 is {figures['test']['mrr@10']:.4f} on test and
{figures['valid']['mrr@10']:.4f} on validation.

| model | HR@1 | HR@5 | HR@10 | NDCG@5 | NDCG@10 | MRR |
|---|---|---|---|---|---|---|
{chr(10).join(metric_rows)}

| epochs (full) | examples | training seconds | fit seconds | examples/s | stop reason |
|---|---|---|---|---|---|
{train_row}

An example is one (prefix, next item) pair of RecBole's training split, which has one for each
training interaction after the user's first, so {train['examples_per_epoch']} per epoch. Epochs
are the examples processed over the examples per epoch. Examples/s divides the examples by the
training seconds, which exclude validation, while fit seconds include the validation after every
epoch. Training stops at the first batch after the budget, and the validation of that epoch still
runs.

Protocol differences from this product's sampled evaluation:

- RecBole's `pop100` draws the 100 negatives with replacement, in proportion to popularity counted
  over all splits (every interaction except each user's first, validation and test targets
  included), and excludes only the target. The user's own history can be drawn, and a repeated
  negative counts once, so a user may face fewer than 100 distinct negatives.
- This product draws 100 distinct negatives in proportion to training popularity, none of them an
  item of the user's training sequence or either held-out target, from a seeded generator.
- This product counts ties against the model, while RecBole ranks tied scores in `torch.topk`'s order.

RecBole config on top of its defaults, with packages {', '.join(figures['packages'])}:

```json
{json.dumps(figures['recbole_config'], indent=2)}
```
"""


def parse_args() -> argparse.Namespace:
    """Parse the command line and check the numbers, so a bad value fails before any install."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--mirror",
        help=(
            "dataset mirror folder that contains amazon-beauty/beauty.txt; default $CLREC_DATA_MIRROR, "
            "else the official download (checksum verified either way)"
        ),
    )
    parser.add_argument(
        "--venv", type=Path, default=ROOT / "benchmarks" / ".venv-recbole",
        help="RecBole virtual environment, created and filled if missing (default: %(default)s)",
    )
    parser.add_argument("--python", default="python3.11", help="interpreter that creates the virtual environment")
    parser.add_argument(
        "--budget-minutes", type=float, default=45.0,
        help="wall-clock training budget in minutes, validation included (default: %(default)s)",
    )
    parser.add_argument(
        "--max-epochs", type=int, default=RECBOLE_CONFIG["epochs"], help="max training epochs (default: %(default)s)"
    )
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads for RecBole (0: torch's default)")
    parser.add_argument(
        "--work-dir", type=Path, help="folder for atomic files, logs and checkpoints (default: a temporary folder)"
    )
    args = parser.parse_args()

    # The chained comparison is false for NaN, so NaN fails it too.
    if not 0 < args.budget_minutes < math.inf:
        parser.error(f"--budget-minutes must be a finite number above 0, got {args.budget_minutes}")
    if args.max_epochs < 1:
        parser.error(f"--max-epochs must be at least 1, got {args.max_epochs}")
    if args.threads < 0:
        parser.error(f"--threads must be 0 (torch's default) or more, got {args.threads}")
    return args


def main() -> None:
    """Install RecBole if needed, train and evaluate SASRec, and write the result files."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    args = parse_args()
    source = resolve_source(args.mirror)
    python = ensure_venv(args.venv.resolve(), args.python)
    config = {**RECBOLE_CONFIG, "epochs": args.max_epochs}

    with tempfile.TemporaryDirectory(prefix="recbole-peer-") as scratch:
        work = (args.work_dir or Path(scratch)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        config.update({"data_path": str(work / "data"), "checkpoint_dir": str(work / "saved")})
        count = write_atomic_files(source, work / "data")
        logger.info("wrote %d interactions to %s", count, work / "data")
        result = run_recbole(python, work, config, args.budget_minutes * 60, args.threads)

    figures = {
        "dataset": "amazon-beauty",
        "model": "SASRec (RecBole 1.2.1)",
        "packages": list(PINS),
        "budget_minutes": args.budget_minutes,
        "num_users": result["num_users"],
        "num_items": result["num_items"],
        "num_interactions": count,
        "torch_threads": args.threads,
        "train": {
            "full_epochs": result["full_epochs"],
            "epochs": round(result["examples"] / result["train_examples_per_epoch"], 2),
            "examples": result["examples"],
            "stop_reason": result["stop_reason"],
            "train_seconds": round(result["train_seconds"], 1),
            "fit_seconds": round(result["fit_seconds"], 1),
            "examples_per_epoch": result["train_examples_per_epoch"],
            "examples_per_second": round(result["examples"] / result["train_seconds"], 1),
        },
        "valid": rename_metrics(result["valid"]),
        "test": rename_metrics(result["test"]),
        "recbole_valid_raw": result["valid"],
        "recbole_test_raw": result["test"],
        "paper_table7": {name: dict(zip(METRICS, values)) for name, values in PAPER_TABLE7.items()},
        "recbole_config": {key: value for key, value in config.items() if key not in ("data_path", "checkpoint_dir")},
    }
    write_result("recbole_peer", figures, render_markdown(figures))
    logger.info("test %s", json.dumps(figures["test"]))


if __name__ == "__main__":
    main()
