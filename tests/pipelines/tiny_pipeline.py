"""A one-task pipeline named clrec with the real pipeline's four parameters.

Submission only reads a package's parameters and sends its spec, so this
small stand-in keeps the submit tests independent of the six components.
This module must not use `from __future__ import annotations`: kfp reads the
parameter annotations as types, not strings.

The config_yaml default is one line of JSON (which is also YAML): kfp 2.17.3
copies string defaults unescaped into the header comment of the compiled
file, so a multi-line default makes the file invalid YAML.
"""

import json
from pathlib import Path

from kfp import compiler, dsl

from clrec.config import load_config


def compile_tiny_pipeline(path: Path) -> Path:
    """Compile the stand-in pipeline to `path`, its config_yaml default the built-in configuration."""
    default_config = json.dumps(load_config(None).model_dump(mode="json"))

    @dsl.component(base_image="docker.io/clrec/clrec-preprocess:0.1.0")
    def echo(config_yaml: str, data_dir: str, registry: str, feast_data: str) -> str:
        return config_yaml + data_dir + registry + feast_data

    @dsl.pipeline(name="clrec")
    def clrec(
        config_yaml: str = default_config,
        data_dir: str = "/data/datasets",
        registry: str = "artifacts/registry",
        feast_data: str = "artifacts/feast",
    ):
        echo(config_yaml=config_yaml, data_dir=data_dir, registry=registry, feast_data=feast_data)

    compiler.Compiler().compile(pipeline_func=clrec, package_path=str(path))
    return path
