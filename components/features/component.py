"""kfp component of the features step: Feast sources, apply, materialise, item table."""

from kfp import dsl

from components import image_for


@dsl.component(base_image=image_for("features"), install_kfp_package=False)
def features(
    item_features: dsl.Output[dsl.Dataset],
    sequences: dsl.Input[dsl.Dataset],
    config_yaml: str,
    data_dir: str,
    feast_data: str,
):
    """Build the item feature table through Feast and fill the online store.

    `sequences` is the preprocessing output. `data_dir` is the dataset cache
    directory with one folder per dataset (empty: the default cache).
    `feast_data` replaces paths.feast_data, so that a cluster run can put the
    Feast data directory on shared storage (empty: keep the configuration's).
    """
    import logging
    import os
    from pathlib import Path

    from clrec.config import load_config_text
    from clrec.data import default_cache_dir
    from clrec.features import build_features

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logger = logging.getLogger("components.features")
    config = load_config_text(config_yaml)
    if feast_data:
        config.paths.feast_data = feast_data
    raw_dir = Path(data_dir or default_cache_dir()) / config.data.dataset
    logger.info(
        "features: sequences=%s raw_dir=%s feast_data=%s output=%s",
        sequences.path,
        raw_dir,
        config.paths.feast_data,
        item_features.path,
    )

    os.makedirs(item_features.path, exist_ok=True)
    report = build_features(config, Path(sequences.path), raw_dir, Path(item_features.path))

    item_features.metadata["items"] = report["rows_requested"]
    item_features.metadata["items_filled_with_unknown"] = report["items_filled_with_unknown"]
    item_features.metadata["feast_data"] = report["feast"]["data_dir"]
