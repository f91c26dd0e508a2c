"""kfp components of the validation step: `validate` and the `stop_run` guard.

`validate` does not raise when the data fails validation, because kfp does
not upload the output artifacts of a task that raises, and the HTML report
is most needed exactly then. It returns a plain bool instead, because kfp
2.17's local runner cannot resolve a top-level condition on one field of a
NamedTuple output. The pipeline runs `stop_run` under
`dsl.If(task.outputs["Output"] == False)` and gates the later steps on
`== True`.
"""

from kfp import dsl

from components import image_for


@dsl.component(base_image=image_for("validate"), install_kfp_package=False)
def validate(
    report: dsl.Output[dsl.HTML],
    data: dsl.Input[dsl.Dataset],
    config_yaml: str,
    stage: str,
    sequences: dsl.Input[dsl.Dataset] = None,
) -> bool:
    """Validate one pipeline stage's data and save the report as an HTML artifact.

    Args:
        report: the self-contained Data Docs page, written as one HTML file so
            that the Kubeflow UI can display it.
        data: the preprocess output for stage "preprocessed", the feature
            output for stage "features".
        config_yaml: the whole run configuration as YAML text.
        stage: "preprocessed" or "features".
        sequences: the preprocess output; required for stage "features",
            which reads its item vocabulary, and unused for "preprocessed".

    Returns:
        Whether every expectation held. The log lists each failed expectation
        with its observed value and threshold.
    """
    import logging
    import shutil
    import tempfile
    from pathlib import Path

    from clrec.config import load_config_text
    from clrec.validation import STAGES, validate_features, validate_preprocessed

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logger = logging.getLogger("components.validate")
    sequences_path = sequences.path if sequences is not None else None
    logger.info(
        "validate: stage=%s data=%s sequences=%s report=%s",
        stage,
        data.path,
        sequences_path,
        report.path,
    )
    if stage not in STAGES:
        raise ValueError(f"invalid stage {stage!r}; use one of: {', '.join(STAGES)}")
    config = load_config_text(config_yaml)

    with tempfile.TemporaryDirectory(prefix="clrec-validate-") as report_dir:
        if stage == "preprocessed":
            if sequences_path is not None:
                logger.info("stage preprocessed validates data only; the sequences input is unused")
            result = validate_preprocessed(config, Path(data.path), Path(report_dir))
        else:
            if sequences_path is None:
                raise ValueError(
                    "stage features needs the sequences input (the preprocess output) "
                    "for the item vocabulary; pass the preprocess task's output"
                )
            result = validate_features(
                config, Path(sequences_path), Path(data.path), Path(report_dir)
            )
        Path(report.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.report_html, report.path)
    # The temporary copy is gone; the verdict should point at the artifact.
    result.report_html = Path(report.path)

    report.metadata["stage"] = stage
    report.metadata["passed"] = result.success
    report.metadata["expectations"] = result.evaluated
    report.metadata["failed"] = len(result.failures)
    report.metadata["skipped"] = len(result.skipped)
    # validate_preprocessed and validate_features have logged each failure.
    logger.log(logging.INFO if result.success else logging.ERROR, "%s", result.verdict())
    return result.success


@dsl.component(base_image=image_for("validate"), install_kfp_package=False)
def stop_run(stage: str, message: str = ""):
    """Fail the run on purpose after a validation failure, so that training never starts.

    Args:
        stage: the stage that failed, "preprocessed" or "features".
        message: optional detail to add, such as the validation summary.
    """
    detail = message or (
        f"the validate-{stage} task's log lists each failed expectation, and its HTML "
        "report artifact shows them all"
    )
    raise RuntimeError(
        f"the {stage} data failed validation, so the run stops before training: {detail}"
    )
