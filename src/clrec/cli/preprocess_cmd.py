"""`clrec preprocess`: run the Beam preprocessing step on a fetched dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from clrec.cli.common import ConfigOption, OverrideOption, fail, load_cli_config

DEFAULT_OUTPUT_ROOT = Path("artifacts/preprocess")


def preprocess(
    config: ConfigOption = None,
    overrides: OverrideOption = None,
    input_dir: Annotated[
        Optional[str],
        typer.Option(
            "--input-dir",
            help="Dataset folder (local path or URL such as gs://...) that preprocess.input.paths "
            "are relative to. Default: data.cache_dir, else $CLREC_CACHE_DIR, else "
            "~/.cache/clrec/datasets, followed by /<data.dataset>.",
        ),
    ] = None,
    output_dir: Annotated[
        Optional[str],
        typer.Option(
            "--output-dir",
            "-o",
            help="Directory (local path or URL) for the Parquet files, rejects.jsonl and "
            "manifest.json. Default: artifacts/preprocess/<data.dataset>.",
        ),
    ] = None,
    beam_args: Annotated[
        Optional[list[str]],
        typer.Argument(
            help="Apache Beam pipeline options, after `--`, appended to preprocess.beam_args; "
            "for example -- --direct_running_mode=multi_processing --direct_num_workers=4. "
            "Default: none, which runs the local FnApiRunner.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Turn raw click logs into per-user sequences, vocabularies, splits and a manifest."""
    from clrec.preprocess import PreprocessError, run_preprocess
    from clrec.preprocess.run import dataset_folder

    settings = load_cli_config(config, overrides)
    source = input_dir or dataset_folder(settings)
    target = output_dir or str(DEFAULT_OUTPUT_ROOT / settings.data.dataset)
    try:
        manifest = run_preprocess(settings, source, target, beam_args=beam_args or [])
    except PreprocessError as error:
        fail(str(error))
    splits = manifest["events_by_split"]
    typer.echo(
        f"wrote {target}: {manifest['users']} users, {manifest['items']} items, {manifest['events']} events "
        f"(train {splits['train']}, valid {splits['valid']}, test {splits['test']}); "
        f"{manifest['rows']['rejected']} rows rejected, {manifest['rows']['duplicates']} duplicates dropped"
    )
