"""The publish component, called directly and run by kfp's local runner.

Both tests use a real, untrained two-tower model written by the training
package, so the component exports and reloads a real user tower.
"""

import json
import shutil
from pathlib import Path

import pytest
from kfp import dsl

from clrec.config import dump_config, load_config
from clrec.registry import Registry
from components.publish.component import publish
from tests.registry.fixtures import PublishDirs, random_catalog, write_inputs

NUM_ITEMS = 8


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> PublishDirs:
    """Publication inputs around an untrained model of 8 items (dimension 8, one layer)."""
    from clrec.config.train import ModelConfig
    from clrec.train.artifacts import write_model_dir
    from clrec.train.model_builder import build_model

    root = tmp_path_factory.mktemp("publish_component")
    dirs = write_inputs(root, random_catalog(NUM_ITEMS, 8))
    shutil.rmtree(dirs.model)
    model_config = ModelConfig(dim=8, max_length=10, num_layers=1, num_heads=1, dropout=0.0)
    write_model_dir(build_model(model_config, NUM_ITEMS, None), dirs.model, {})
    return dirs


def test_python_func_publishes(inputs, tmp_path):
    registry = tmp_path / "registry"
    published = dsl.Artifact(uri=str(tmp_path / "published"))

    version = publish.python_func(
        published=published,
        model=dsl.Model(uri=str(inputs.model)),
        evaluation=dsl.Artifact(uri=str(inputs.evaluation)),
        sequences=dsl.Dataset(uri=str(inputs.sequences)),
        item_features=dsl.Dataset(uri=str(inputs.features)),
        config_yaml=dump_config(load_config(None, [])),
        registry=str(registry),
    )

    assert Registry(str(registry)).production_version() == version
    manifest = json.loads((tmp_path / "published" / "manifest.json").read_text())
    assert manifest["version"] == version
    assert published.metadata["version"] == version
    assert (registry / "versions" / version / "user_tower.safetensors").is_file()


# kfp reads the pipeline function's annotations as objects, so this file must not use
# `from __future__ import annotations`.
@pytest.mark.filterwarnings("ignore:You may be attemping to run a task:RuntimeWarning")
def test_local_runner_publishes(inputs, tmp_path):
    import kfp.local

    kfp.local.init(runner=kfp.local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path / "runs"))
    registry = tmp_path / "registry"

    @dsl.pipeline(name="publish-local-test")
    def publish_only(config_yaml: str, registry: str):
        model = dsl.importer(artifact_uri=str(inputs.model), artifact_class=dsl.Model)
        evaluation = dsl.importer(artifact_uri=str(inputs.evaluation), artifact_class=dsl.Artifact)
        sequences = dsl.importer(artifact_uri=str(inputs.sequences), artifact_class=dsl.Dataset)
        features = dsl.importer(artifact_uri=str(inputs.features), artifact_class=dsl.Dataset)
        publish(
            model=model.output,
            evaluation=evaluation.output,
            sequences=sequences.output,
            item_features=features.output,
            config_yaml=config_yaml,
            registry=registry,
        )

    publish_only(config_yaml=dump_config(load_config(None, [])), registry=str(registry))

    versions = Registry(str(registry)).list_versions()
    assert len(versions) == 1
    assert Registry(str(registry)).production_version() == versions[0]["version"]
    assert Path(registry / "versions" / versions[0]["version"] / "index.faiss").is_file()
