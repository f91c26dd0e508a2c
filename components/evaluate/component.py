"""kfp component of the evaluate step: metrics, report, plot and the promotion decision."""

from kfp import dsl

from components import image_for


@dsl.component(base_image=image_for("evaluate"), install_kfp_package=False)
def evaluate(
    report: dsl.Output[dsl.HTML],
    plot: dsl.Output[dsl.HTML],
    evaluation: dsl.Output[dsl.Artifact],
    metrics: dsl.Output[dsl.Metrics],
    sequences: dsl.Input[dsl.Dataset],
    model: dsl.Input[dsl.Model],
    config_yaml: str,
    registry: str = "",
) -> bool:
    """Evaluate the model, compare it with the production version and return whether to promote it.

    `registry` is a local folder or an fsspec URL; empty means the
    configuration's paths.registry. `evaluation` receives metrics.json,
    gate.json, report.html and popularity.png. `report` and `plot` are
    single HTML files, not folders, so that the Kubeflow UI renders them.
    """
    import base64
    import logging
    import os
    import shutil
    from pathlib import Path

    from clrec.config import load_config_text
    from clrec.evaluate import evaluate_model

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logger = logging.getLogger("components.evaluate")
    config = load_config_text(config_yaml)
    registry_url = registry or config.paths.registry
    logger.info(
        "evaluate: sequences=%s model=%s registry=%s evaluation=%s",
        sequences.path, model.path, registry_url, evaluation.path,
    )

    os.makedirs(evaluation.path, exist_ok=True)
    result = evaluate_model(config, Path(sequences.path), Path(model.path), Path(evaluation.path), registry_url)

    shutil.copyfile(os.path.join(evaluation.path, "report.html"), report.path)
    with open(os.path.join(evaluation.path, "popularity.png"), "rb") as handle:
        encoded = base64.b64encode(handle.read()).decode("ascii")
    with open(plot.path, "w", encoding="utf-8") as handle:
        handle.write(
            '<!DOCTYPE html><html><body><img alt="Recommendations and training clicks per '
            f'log2-popularity bucket" src="data:image/png;base64,{encoded}"></body></html>\n'
        )

    gate = result["gate"]
    for split, values in result["metrics"]["full_corpus"].items():
        for name, value in values.items():
            metrics.log_metric(f"{split}_{name}", float(value))
    sampled = result["metrics"]["sampled"]
    if sampled:
        for split in ("valid", "test"):
            for name, value in (sampled[split] or {}).items():
                metrics.log_metric(f"sampled_{split}_{name}", float(value))
    for name, value in result["metrics"]["bias"]["test"].items():
        metrics.log_metric(f"test_{name}", float(value))
    metrics.log_metric("promote", 1.0 if gate["promote"] else 0.0)
    evaluation.metadata["promote"] = gate["promote"]
    evaluation.metadata["failed_checks"] = gate["failed_checks"]
    return bool(gate["promote"])
