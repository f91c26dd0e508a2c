"""Train CLRec and its baselines with the same encoder and compare them, as in the CLRec paper's tables.

The paper is Zhou, Ma, Zhang, Zhou and Yang, "Contrastive Learning for
Debiased Candidate Generation at Scale".

One run trains one loss kind on one dataset through the product's own steps
(Beam preprocessing, the training loop, the evaluate step) and stores its
figures in `benchmarks/results/runs/<dataset>-<kind>.json`. Every run then
rebuilds two sections from all stored runs:

- `table7.md` / `table7.json`: Amazon Beauty under BERT4Rec's protocol (the
  test target against 100 negatives drawn by popularity, the user's items
  excluded), HR@1/5/10, NDCG@5/10 and MRR, next to the paper's rows;
- `debiasing.md` / `debiasing.json`: full-corpus HR@50 and what the top-50
  lists look like (aggregate diversity, popularity index, long-tail share),
  with one Figure-2 style plot per dataset.

    .venv/bin/python benchmarks/loss_comparison.py --dataset amazon-beauty \
        --kind cached_queue --mirror /path/to/datasets

Kinds: `cached_queue` (CLRec), `sampled_softmax` (log-q correction) and
`binary_cross_entropy` (SASRec's loss with one negative). ML-100K trains
with its item features (genres, release decade, title); Amazon Beauty has
none, so its item tower is id-only for every kind.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import subprocess
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from clrec.config import load_config  # noqa: E402
from clrec.config.base import ConfigError  # noqa: E402
from clrec.data import fetch_dataset  # noqa: E402
from clrec.evaluate.run import evaluate_model  # noqa: E402
from clrec.preprocess import run_preprocess  # noqa: E402
from clrec.train import train_model  # noqa: E402
from record import RESULTS, ROOT, provenance  # noqa: E402
from train_ml100k import write_item_features  # noqa: E402

logger = logging.getLogger("loss_comparison")
RUNS = RESULTS / "runs"
TUNING = RESULTS / "tuning"
TUNING_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
KINDS = ("cached_queue", "sampled_softmax", "binary_cross_entropy")
LABELS = {
    "cached_queue": "CLRec, cached queue",
    "sampled_softmax": "sampled softmax, log-q",
    "binary_cross_entropy": "SASRec loss (BCE, 1 negative)",
}
SAMPLED_METRICS = ("hr@1", "hr@5", "hr@10", "ndcg@5", "ndcg@10", "mrr")
# Table 7 of the CLRec paper on this Beauty file.
PAPER_TABLE7 = {
    "SASRec (paper)": (0.0906, 0.1934, 0.2653, 0.1436, 0.1633, 0.1536),
    "BERT4Rec (paper)": (0.0953, 0.2207, 0.3025, 0.1599, 0.1862, 0.1701),
    "CLRec (paper)": (0.1147, 0.2552, 0.3423, 0.1876, 0.2156, 0.1968),
}
BUDGET_MINUTES = 45
# Settings that name or shape the stored run, so a --set may not change them.
# Settings every run gets; tuning.md lists only the others.
RUN_DEFAULT_KEYS = {
    "train.progress_bar",
    "train.tensorboard",
    "train.loss.kind",
    "evaluate.sampled.enabled",
    "evaluate.sampled.sampler",
    "evaluate.sampled.num_negatives",
    "evaluate.bias_list_length",
}
FIXED_KEYS = {"train.loss.kind", "evaluate.sampled.enabled", "evaluate.sampled.sampler", "evaluate.sampled.num_negatives"}


def prepare_inputs(dataset: str, mirror: Path | None, work: Path, config) -> tuple[Path, Path | None]:
    """Fetch and verify the dataset, run Beam preprocessing (and, for ML-100K, write the item features).

    Returns the preprocess and features folders; the second is None for Amazon Beauty.
    """
    dataset_dir = fetch_dataset(dataset, mirror=mirror)
    sequences_dir = work / "sequences"
    run_preprocess(config, dataset_dir, sequences_dir)
    if dataset != "ml-100k":
        return sequences_dir, None
    item_ids = pd.read_parquet(sequences_dir / "items.parquet")["item_id"].astype(int).tolist()
    write_item_features(dataset_dir.parent, item_ids, work / "features")
    return sequences_dir, work / "features"


def run_one(dataset: str, kind: str, mirror: Path | None, overrides: list[str]) -> dict:
    """Train `kind` on `dataset`, evaluate it and return the stored run record."""
    config_path = ROOT / "configs" / f"{dataset}.yaml"
    settings = [
        "train.progress_bar=false",
        "train.tensorboard=false",
        f"train.loss.kind={kind}",
        "evaluate.sampled.enabled=true",
        "evaluate.sampled.sampler=popularity",
        "evaluate.sampled.num_negatives=100",
        "evaluate.bias_list_length=50",
        *overrides,
    ]
    config = load_config(config_path, settings)
    # Taken before training, so that the commit is the code that ran even when files change meanwhile.
    started = provenance()
    with tempfile.TemporaryDirectory(prefix="clrec-bench-") as scratch:
        work = Path(scratch)
        sequences_dir, features_dir = prepare_inputs(dataset, mirror, work, config)
        began = time.perf_counter()
        train_metrics = train_model(config, sequences_dir, features_dir, work / "model", resume=False)
        train_seconds = time.perf_counter() - began
        # train.num_threads is applied inside training, after the provenance was taken.
        started["machine"]["torch_threads"] = torch.get_num_threads()
        evaluation = evaluate_model(config, sequences_dir, work / "model", work / "evaluation", registry_url=None)
    metrics = evaluation["metrics"]
    return {
        "provenance": started,
        "dataset": dataset,
        "kind": kind,
        "overrides": settings,
        "model": config.train.model.model_dump(mode="json"),
        "train": {
            "seconds": round(train_seconds, 1),
            "epochs_run": train_metrics["epochs_run"],
            "steps": train_metrics["steps"],
            "examples_per_second": train_metrics["examples_per_second"],
            "stop_reason": train_metrics.get("stop_reason"),
            "epochs": train_metrics["epochs"],
        },
        "sampled_valid": metrics["sampled"]["valid"] if metrics["sampled"] else None,
        "sampled_test": metrics["sampled"]["test"] if metrics["sampled"] else None,
        "sampled_protocol": metrics["sampled"]["protocol"] if metrics["sampled"] else None,
        "full_corpus": metrics["full_corpus"],
        "bias": metrics["bias"],
        "popularity_buckets": metrics["popularity_buckets"],
    }


def load_runs() -> dict[tuple[str, str], dict]:
    """Return every stored run, keyed by (dataset, kind)."""
    runs = {}
    for path in sorted(RUNS.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        record["provenance"]["machine"]["torch_threads"] = _threads(record)
        runs[(record["dataset"], record["kind"])] = record
    return runs


def _row(label: str, values) -> str:
    return f"| {label} | " + " | ".join(f"{value:.4f}" for value in values) + " |"


def render_table7(runs: dict) -> tuple[dict, str]:
    """Return the JSON figures and the Markdown section of Table 7 on Amazon Beauty."""
    # A run evaluated without the sampled protocol has no Table 7 metrics.
    ours = {
        kind: runs[("amazon-beauty", kind)]
        for kind in KINDS
        if ("amazon-beauty", kind) in runs and runs[("amazon-beauty", kind)]["sampled_test"]
    }
    lines = [
        "# Table 7: Amazon Beauty under BERT4Rec's protocol",
        "",
        "Each test user's last item is ranked against 100 negatives drawn in proportion to "
        "training popularity, none of them in the user's sequence; ties count against the model. "
        f"Encoder: {_encoder_text(ours)}; `configs/amazon-beauty.yaml` "
        "with the overrides listed below each row's command.",
        "",
        "| model | HR@1 | HR@5 | HR@10 | NDCG@5 | NDCG@10 | MRR |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_row(label, values) for label, values in PAPER_TABLE7.items()]

    for kind, record in ours.items():
        lines.append(_row(f"{LABELS[kind]} (this machine)", [record["sampled_test"][name] for name in SAMPLED_METRICS]))
    peer_path = RESULTS / "recbole_peer.json"
    if peer_path.is_file():
        lines.append("")
        lines.append("RecBole's SASRec, trained on the same file under its own protocol, is in its own section.")

    lines += ["", "| model | epochs | steps | training minutes | examples/s | stop reason | commit |", "|---|---|---|---|---|---|---|"]
    for kind, record in ours.items():
        train = record["train"]
        lines.append(
            f"| {LABELS[kind]} | {train['epochs_run']} | {train['steps']} | {train['seconds'] / 60:.1f} "
            f"| {train['examples_per_second']:.0f} | {train['stop_reason']} | `{record['provenance']['commit']}` |"
        )

    target = PAPER_TABLE7["CLRec (paper)"]
    if "cached_queue" in ours:
        record = ours["cached_queue"]
        values = [record["sampled_test"][name] for name in SAMPLED_METRICS]
        met = [name for name, value, paper in zip(SAMPLED_METRICS, values, target) if value >= paper]
        minutes = record["train"]["seconds"] / 60
        lines += [
            "",
            f"Target (all six metrics at or above the paper's CLRec row, training at most {BUDGET_MINUTES} "
            f"minutes on this CPU): {len(met)} of 6 metrics reached ({', '.join(met) or 'none'}), "
            f"training took {minutes:.1f} minutes.",
        ]

    lines += ["", "Commands and machines:", ""]
    for kind, record in ours.items():
        info = record["provenance"]
        lines.append(f"- {LABELS[kind]}: `{info['command']}` on {_machine_text(info['machine'])}")
    figures = {
        "paper": {label: dict(zip(SAMPLED_METRICS, values)) for label, values in PAPER_TABLE7.items()},
        "this_machine": {kind: {"sampled_test": record["sampled_test"], "train": record["train"], "provenance": record["provenance"]} for kind, record in ours.items()},
    }
    return figures, "\n".join(lines)


def _machine_text(machine: dict) -> str:
    gpu = machine["gpu"] or "no GPU"
    return (
        f"{machine['cores']} cores, {machine['memory_gib']:.0f} GiB, {gpu}, torch {machine['torch']}, "
        f"torch threads: {machine['torch_threads']}"
    )


def _model_settings(record: dict) -> dict:
    """Return the run's model settings; runs stored before they were recorded rebuild them from the config."""
    if "model" in record:
        return record["model"]
    # The dataset's config file as of the run's commit, not as it is now.
    commit = record["provenance"]["commit"].removesuffix("-dirty")
    relative = f"configs/{record['dataset']}.yaml"
    git_show = subprocess.run(["git", "show", f"{commit}:{relative}"], cwd=ROOT, capture_output=True, text=True)
    with tempfile.TemporaryDirectory() as scratch:
        path = ROOT / relative
        if git_show.returncode == 0:
            path = Path(scratch) / "config.yaml"
            path.write_text(git_show.stdout, encoding="utf-8")
        config = load_config(path, record["overrides"])
    return config.train.model.model_dump(mode="json")


def _encoder_text(runs: dict) -> str:
    """Describe the encoder of the given runs, or report that it differs between them."""
    settings = {json.dumps(_model_settings(record), sort_keys=True) for record in runs.values()}
    if len(settings) != 1:
        return "NOT the same for every row (see each run's JSON)"
    model = json.loads(settings.pop())
    shared = "one item embedding shared by both towers" if model["share_item_embedding"] else "separate input and output item embeddings"
    return (
        f"the same for every loss: {model['num_layers']} Transformer blocks over at most {model['max_length']} items, "
        f"dimension {model['dim']}, {model['num_heads']} heads, dropout {model['dropout']}, {shared}, "
        f"{model['score'].replace('_', ' ')} score over temperature {model['temperature']}, id-only item tower"
    )


def plot_figure2(dataset: str, records: dict, path: Path) -> None:
    """Plot the share of top-50 recommendations per log2-popularity bucket for each loss, with training clicks."""
    buckets = next(iter(records.values()))["popularity_buckets"]
    labels = [str(bucket["bucket"]) for bucket in buckets]
    positions = np.arange(len(labels))
    width = 0.8 / (len(records) + 1)
    figure, axes = plt.subplots(figsize=(9, 4))
    clicks = np.array([bucket["training_clicks"] for bucket in buckets], dtype=float)
    axes.bar(positions, clicks / clicks.sum(), width, label="training clicks", color="0.7")
    for offset, (kind, record) in enumerate(records.items(), start=1):
        counts = np.array([bucket["recommendations"] for bucket in record["popularity_buckets"]], dtype=float)
        axes.bar(positions + offset * width, counts / max(counts.sum(), 1.0), width, label=LABELS[kind])
    axes.set_xticks(positions + width * len(records) / 2, labels, rotation=30, ha="right")
    axes.set_xlabel("item popularity bucket (log2 of training clicks)")
    axes.set_ylabel("share")
    axes.set_title(f"{dataset}: top-50 recommendations by item popularity")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def render_debiasing(runs: dict) -> tuple[dict, str]:
    """Return the JSON figures and the Markdown section comparing the top-50 lists of each loss."""
    lines = [
        "# Debiasing: what each loss recommends",
        "",
        "Full-corpus test metrics over every item, the user's earlier items removed, and the "
        "top-50 list of every test user: aggregate diversity (distinct items over all lists), "
        "popularity index (mean training-popularity percentile of the listed entries: 0 is the "
        "least popular item, 1 the most popular) and long-tail share (listed entries outside the "
        "20% most popular items).",
    ]
    figures = {}
    for dataset in ("ml-100k", "amazon-beauty"):
        records = {kind: runs[(dataset, kind)] for kind in KINDS if (dataset, kind) in runs}
        if not records:
            continue
        lines += [
            "",
            f"## {dataset}",
            "",
            "| model | HR@50 | aggregate diversity | popularity index | long-tail share | training minutes |",
            "|---|---|---|---|---|---|",
        ]
        for kind, record in records.items():
            bias = record["bias"]["test"]
            lines.append(
                f"| {LABELS[kind]} | {record['full_corpus']['test']['hr@50']:.4f} | {bias['aggregate_diversity']} "
                f"| {bias['popularity_index']:.4f} | {bias['long_tail_share']:.4f} | {record['train']['seconds'] / 60:.1f} |"
            )
        plot = RESULTS / f"figure2_{dataset}.png"
        plot_figure2(dataset, records, plot)
        lines += ["", f"![{dataset} popularity of recommendations]({plot.name})"]
        for kind, record in records.items():
            lines.append(f"\n- {LABELS[kind]}: `{record['provenance']['command']}`, commit `{record['provenance']['commit']}`")
        figures[dataset] = {
            kind: {"full_corpus_test": record["full_corpus"]["test"], "bias_test": record["bias"]["test"], "train": record["train"]}
            for kind, record in records.items()
        }
    return figures, "\n".join(lines)


def render() -> None:
    """Rebuild table7.* and debiasing.* from the stored runs; exit when there are none."""
    runs = load_runs()
    if not runs:
        raise SystemExit(
            f"no stored runs in {RUNS}: train at least one with --dataset and --kind, "
            "or restore the runs/ folder from the repository"
        )
    for name, renderer in (("table7", render_table7), ("debiasing", render_debiasing)):
        figures, markdown = renderer(runs)
        (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        (RESULTS / f"{name}.md").write_text(markdown.strip() + "\n", encoding="utf-8")
    logger.info("rebuilt table7 and debiasing from %d runs", len(runs))


def _threads(record: dict) -> int:
    """Return the torch threads a run trained with (runs before this fix recorded the count at start)."""
    for item in record["overrides"]:
        key, _, value = item.partition("=")
        if key.strip() == "train.num_threads" and int(value):
            return int(value)
    return record["provenance"]["machine"]["torch_threads"]


def _encoder_cell(model: dict, record: dict) -> str:
    """Return the tuned settings of one run in a few words."""
    queue = next((item.split("=", 1)[1] for item in record["overrides"] if item.startswith("train.loss.queue_size=")), None)
    shared = "shared" if model["share_item_embedding"] else "separate"
    text = f"dim {model['dim']}, dropout {model['dropout']}, T {model['temperature']}, {shared} embedding"
    return text + (f", queue {queue}" if queue else "")


def render_tuning() -> None:
    """Rebuild tuning.md from the runs stored with --tuning: settings are chosen by the validation columns."""
    records = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(TUNING.glob("*.json"))]
    lines = [
        "# Tuning runs (settings chosen by validation)",
        "",
        "Each row is one `loss_comparison.py --tuning NAME` run: the settings it changed from",
        "`configs/<dataset>.yaml`, the sampled protocol (100 negatives by popularity) on the",
        "validation targets, which is what settings are chosen by, and on the test targets.",
        "Training minutes include the per-epoch validation; runs with one thread ran two at a",
        "time on the two cores.",
        "",
        "| dataset | run | kind | settings | encoder | epochs | train min | valid HR@10 | valid NDCG@10 | valid MRR | test HR@10 | test NDCG@10 | test MRR | commit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for record in records:
        valid, test = record.get("sampled_valid") or {}, record["sampled_test"] or {}
        changed = [item for item in record["overrides"] if item.split("=", 1)[0] not in RUN_DEFAULT_KEYS]
        cells = [
            record["dataset"],
            record["tuning"],
            record["kind"],
            "<br>".join(f"`{item}`" for item in changed) or "defaults",
            _encoder_cell(_model_settings(record), record),
            str(record["train"]["epochs_run"]),
            f"{record['train']['seconds'] / 60:.1f}",
            *(f"{part.get(name, float('nan')):.4f}" for part in (valid, test) for name in ("hr@10", "ndcg@10", "mrr")),
            record["provenance"]["commit"],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    # Runs may differ in threads, so the line lists every count.
    threads = sorted({_threads(record) for record in records})
    machine = {**records[0]["provenance"]["machine"], "torch_threads": ", ".join(map(str, threads))}
    lines += ["", f"Machine: {_machine_text(machine)}."]
    (RESULTS / "tuning.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("ml-100k", "amazon-beauty"), help="Dataset to train on and evaluate.")
    parser.add_argument("--kind", choices=KINDS, help="Loss kind to train.")
    parser.add_argument(
        "--mirror",
        type=Path,
        default=None,
        help="Dataset mirror folder to copy from instead of downloading (default: $CLREC_DATA_MIRROR, if set).",
    )
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="KEY=VALUE config override.")
    parser.add_argument("--render-only", action="store_true", help="Rebuild the sections from stored runs only.")
    parser.add_argument(
        "--tuning",
        metavar="NAME",
        default=None,
        help="Store the run as tuning run NAME in results/tuning/ (listed in tuning.md) instead of as the table's run.",
    )
    args = parser.parse_args()
    # Beam logs a warning through the root logger on import, which would make a plain basicConfig a no-op.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    if not args.render_only:
        if args.dataset is None or args.kind is None:
            parser.error("--dataset and --kind are required unless --render-only is given")
        if args.tuning is not None and not TUNING_NAME.match(args.tuning):
            parser.error(
                f"--tuning {args.tuning!r} is not a valid run name; use lowercase letters, digits, '.', '_' and '-'"
            )
        fixed = [item for item in args.overrides if item.split("=", 1)[0].strip() in FIXED_KEYS]
        if fixed:
            parser.error(f"--set {fixed[0]} changes a setting this script fixes per run; use --kind for the loss")
        try:
            record = run_one(args.dataset, args.kind, args.mirror, args.overrides)
        except ConfigError as error:
            parser.error(str(error))
        if args.tuning is not None:
            record["tuning"] = args.tuning
            folder, name = TUNING, f"{args.dataset}-{args.kind}-{args.tuning}.json"
        else:
            folder, name = RUNS, f"{args.dataset}-{args.kind}.json"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
        logger.info("wrote %s: valid %s, test %s", folder / name, record["sampled_valid"], record["sampled_test"])
        if args.tuning is not None:
            render_tuning()
            return
    render()


if __name__ == "__main__":
    main()
