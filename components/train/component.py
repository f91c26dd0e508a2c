"""kfp component of the train step: the CLRec two-tower model and its item embeddings."""

from kfp import dsl

from components import image_for


@dsl.component(base_image=image_for("train"), install_kfp_package=False)
def train(
    model: dsl.Output[dsl.Model],
    metrics: dsl.Output[dsl.Metrics],
    sequences: dsl.Input[dsl.Dataset],
    item_features: dsl.Input[dsl.Dataset],
    config_yaml: str,
):
    """Train CLRec on the preprocess and features outputs and write the model directory.

    `model` receives model.safetensors, model_config.json, item_embeddings.npy,
    train_metrics.json and the TensorBoard logs. Checkpoints go to
    train.checkpoint_dir when it is set (shared storage lets a retried task
    resume); otherwise to a temporary folder that is deleted afterwards.
    The step uses CUDA when the pod has a GPU.
    """
    import logging
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from clrec.config import load_config_text
    from clrec.train import train_model

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logger = logging.getLogger("components.train")
    config = load_config_text(config_yaml)
    logger.info(
        "train: sequences=%s item_features=%s model=%s loss=%s epochs=%d max_steps=%d",
        sequences.path, item_features.path, model.path, config.train.loss.kind,
        config.train.epochs, config.train.max_steps,
    )

    scratch = None
    if not config.train.checkpoint_dir:
        scratch = tempfile.mkdtemp(prefix="clrec-checkpoints-")
        config.train.checkpoint_dir = scratch
    os.makedirs(model.path, exist_ok=True)
    try:
        result = train_model(config, Path(sequences.path), Path(item_features.path), Path(model.path))
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)

    k = config.train.valid_k
    metrics.log_metric(f"best_valid_hr_at_{k}", float(result[f"best_valid_hr@{k}"]))
    metrics.log_metric("final_loss", float(result["final_loss"]))
    metrics.log_metric("steps", float(result["steps"]))
    metrics.log_metric("epochs_run", float(result["epochs_run"]))
    metrics.log_metric("training_seconds", float(result["training_seconds"]))
    metrics.log_metric("examples_per_second", float(result["examples_per_second"]))
    model.metadata["framework"] = "pytorch"
    model.metadata["loss_kind"] = result["loss_kind"]
    model.metadata["num_items"] = result["num_items"]
