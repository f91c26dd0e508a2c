"""The CLRec training pipeline as one Kubeflow Pipelines (kfp v2) definition.

The same definition runs on one machine with kfp's local runner
(`clrec pipeline run-local`) and on a Kubeflow cluster from the compiled
`pipelines/clrec_pipeline.yaml` (`clrec pipeline compile`, then `submit`).

Steps, in order:
1. preprocess: Beam turns raw click logs into per-user sequences and splits.
2. validate (preprocessed): Great Expectations checks clicks, sequences and
   splits; on failure a stop task fails the run before any training.
3. features: Feast sources are written, applied and materialised, and the
   item feature table is read back through offline retrieval.
4. validate (features): every vocabulary item has features, values are in
   their known sets; on failure the run stops before training.
5. train: CLRec's two towers with the queue loss, on a GPU when there is one.
6. evaluate: full-corpus and sampled metrics, bias metrics, and the
   promotion gate against the production model.
7. publish: only when the gate passes, the Faiss index and the user tower
   become a new registry version and the production pointer moves to it.

kfp reads the pipeline function's annotations at definition time, so this
module does not use `from __future__ import annotations`.

Conditions compare a component's single plain return value
(`task.outputs["Output"]`): kfp 2.17's local runner fails to resolve a
condition on one field of a NamedTuple output at the pipeline's top level.
"""


import json
from pathlib import Path

from kfp import dsl

from components.evaluate.component import evaluate
from components.features.component import features
from components.preprocess.component import preprocess
from components.publish.component import publish
from components.train.component import train
from components.validate.component import stop_run, validate

PIPELINE_NAME = "clrec"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG_PATH = REPO_ROOT / "configs" / "ml-100k.yaml"

# Resources of the training task in a cluster. The local runner ignores them.
TRAIN_CPU_LIMIT = "8"
TRAIN_MEMORY_LIMIT = "32G"
TRAIN_GPU_TYPE = "nvidia.com/gpu"


def config_parameter(config) -> str:
    """Serialise a configuration for the `config_yaml` pipeline parameter.

    JSON is a subset of YAML, so every step reads it with `load_config_text`.
    A multi-line YAML default would break the compiled file: kfp 2.17.3 copies
    string defaults unescaped into the comment header of the compiled YAML.
    """
    return json.dumps(config.model_dump(mode="json"), separators=(",", ":"))


def make_pipeline(
    default_config_yaml: str,
    default_data_dir: str,
    default_registry: str,
    default_feast_data: str,
):
    """Build the pipeline function, with parameter defaults taken from one configuration.

    Args:
        default_config_yaml: the whole configuration as YAML text; every step
            receives it and validates it with the same typed models as the CLI.
        default_data_dir: folder with one subfolder per fetched dataset.
        default_registry: model registry, a local path or an fsspec URL.
        default_feast_data: Feast's data directory (offline sources, registry
            file, SQLite online store).
    """

    @dsl.pipeline(
        name=PIPELINE_NAME,
        description="CLRec candidate generation: preprocess, validate, features, "
        "train, evaluate, and publish a Faiss index when the gate passes.",
    )
    def clrec_pipeline(
        config_yaml: str = default_config_yaml,
        data_dir: str = default_data_dir,
        registry: str = default_registry,
        feast_data: str = default_feast_data,
    ):
        preprocess_task = preprocess(config_yaml=config_yaml, data_dir=data_dir)
        preprocess_task.set_display_name("preprocess")
        sequences = preprocess_task.outputs["sequences"]

        check_data = validate(
            data=sequences, config_yaml=config_yaml, stage="preprocessed", sequences=sequences
        )
        check_data.set_display_name("validate-preprocessed").set_caching_options(False)
        with dsl.If(check_data.outputs["Output"] == False, name="preprocessed-data-invalid"):  # noqa: E712
            stop_run(stage="preprocessed").set_display_name("stop-on-invalid-data")

        with dsl.If(check_data.outputs["Output"] == True, name="preprocessed-data-valid"):  # noqa: E712
            features_task = features(
                sequences=sequences,
                config_yaml=config_yaml,
                data_dir=data_dir,
                feast_data=feast_data,
            )
            features_task.set_display_name("features").set_caching_options(False)
            item_features = features_task.outputs["item_features"]

            check_features = validate(
                data=item_features, config_yaml=config_yaml, stage="features", sequences=sequences
            )
            check_features.set_display_name("validate-features").set_caching_options(False)
            with dsl.If(check_features.outputs["Output"] == False, name="features-invalid"):  # noqa: E712
                stop_run(stage="features").set_display_name("stop-on-invalid-features")

            with dsl.If(check_features.outputs["Output"] == True, name="features-valid"):  # noqa: E712
                train_task = train(
                    sequences=sequences, item_features=item_features, config_yaml=config_yaml
                )
                train_task.set_display_name("train")
                train_task.set_accelerator_type(TRAIN_GPU_TYPE).set_accelerator_limit(1)
                train_task.set_cpu_limit(TRAIN_CPU_LIMIT).set_memory_limit(TRAIN_MEMORY_LIMIT)

                evaluate_task = evaluate(
                    sequences=sequences,
                    model=train_task.outputs["model"],
                    config_yaml=config_yaml,
                    registry=registry,
                )
                # The gate compares with whatever is in production now, so a
                # cached result could be stale.
                evaluate_task.set_display_name("evaluate").set_caching_options(False)

                with dsl.If(evaluate_task.outputs["Output"] == True, name="gate-passed"):  # noqa: E712
                    publish_task = publish(
                        model=train_task.outputs["model"],
                        evaluation=evaluate_task.outputs["evaluation"],
                        sequences=sequences,
                        item_features=item_features,
                        config_yaml=config_yaml,
                        registry=registry,
                    )
                    publish_task.set_display_name("publish").set_caching_options(False)

    return clrec_pipeline


def default_pipeline():
    """Return the pipeline with defaults from `configs/ml-100k.yaml`, as compiled into the YAML."""
    from clrec.config import load_config

    config = load_config(DEFAULT_CONFIG_PATH)
    return make_pipeline(
        default_config_yaml=config_parameter(config),
        default_data_dir="/data/datasets",
        default_registry=config.paths.registry,
        default_feast_data=config.paths.feast_data,
    )
