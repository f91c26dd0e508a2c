"""kfp component of the preprocess step: raw click logs to per-user sequences with Apache Beam."""

from kfp import dsl

from components import image_for


@dsl.component(base_image=image_for("preprocess"), install_kfp_package=False)
def preprocess(
    sequences: dsl.Output[dsl.Dataset],
    metrics: dsl.Output[dsl.Metrics],
    config_yaml: str,
    data_dir: str,
):
    """Run `clrec.preprocess.run_preprocess` on `<data_dir>/<data.dataset>` and write its outputs to `sequences`.

    `data_dir` contains one folder per fetched dataset; empty means
    data.cache_dir, else the default cache. Beam options come from the
    configuration's preprocess.beam_args (default: the local FnApiRunner).
    """
    import logging
    import os

    from clrec.config import load_config_text
    from clrec.preprocess import run_preprocess
    from clrec.preprocess.run import dataset_folder

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logger = logging.getLogger("components.preprocess")
    config = load_config_text(config_yaml)
    input_dir = dataset_folder(config, data_dir)
    logger.info(
        "preprocess: dataset=%s input_dir=%s sequences=%s beam_args=%s",
        config.data.dataset, input_dir, sequences.path, config.preprocess.beam_args,
    )

    os.makedirs(sequences.path, exist_ok=True)
    manifest = run_preprocess(config, input_dir, sequences.path)

    counts = {
        "input_rows": manifest["rows"]["input"],
        "rejected_rows": manifest["rows"]["rejected"],
        "duplicates": manifest["rows"]["duplicates"],
        "events_removed_by_kcore": manifest["events_removed_by_kcore"],
        "users": manifest["users"],
        "items": manifest["items"],
        "events": manifest["events"],
        "train_events": manifest["events_by_split"]["train"],
        "valid_events": manifest["events_by_split"]["valid"],
        "test_events": manifest["events_by_split"]["test"],
        "users_train_only": manifest["users_train_only"],
    }
    for name, value in counts.items():
        metrics.log_metric(name, float(value))
        sequences.metadata[name] = value
    sequences.metadata["has_timestamps"] = manifest["has_timestamps"]
