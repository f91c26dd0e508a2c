"""kfp component of the publish step: one registry version per run."""

from kfp import dsl

from components import image_for


@dsl.component(base_image=image_for("publish"), install_kfp_package=False)
def publish(
    published: dsl.Output[dsl.Artifact],
    model: dsl.Input[dsl.Model],
    evaluation: dsl.Input[dsl.Artifact],
    sequences: dsl.Input[dsl.Dataset],
    item_features: dsl.Input[dsl.Dataset],
    config_yaml: str,
    registry: str = "",
) -> str:
    """Publish the model to the registry and return the new version's name.

    `registry` is a local folder or an fsspec URL; empty means the
    configuration's paths.registry. `published` receives the version's
    manifest.json.
    """
    import json
    import logging
    import os
    from pathlib import Path

    from clrec.config import load_config_text
    from clrec.registry import publish_model

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logger = logging.getLogger("components.publish")
    config = load_config_text(config_yaml)
    registry_url = registry or config.paths.registry
    logger.info(
        "publish: model=%s evaluation=%s sequences=%s item_features=%s registry=%s factory=%s",
        model.path, evaluation.path, sequences.path, item_features.path, registry_url,
        config.publish.index_factory,
    )

    manifest = publish_model(
        config,
        Path(model.path),
        Path(evaluation.path),
        registry_url,
        sequences_dir=Path(sequences.path),
        features_dir=Path(item_features.path),
    )

    os.makedirs(published.path, exist_ok=True)
    with open(os.path.join(published.path, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
    published.metadata["version"] = manifest["version"]
    published.metadata["registry"] = registry_url
    return manifest["version"]
