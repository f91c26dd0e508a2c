"""Feature vocabularies and per-item tables from the features output."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from clrec.model.text import OOV_INDEX
from clrec.train.item_features import load_item_features
from tests.train.fixtures import write_empty_features, write_features


def test_features_build_vocabularies(tmp_path):
    write_features(tmp_path, num_items=6)
    features = load_item_features(tmp_path, 6, "mean", text_max_tokens=4, text_vocab_size=100)
    names = [spec.name for spec in features.specs]
    assert names == ["decade", "genres", "title"]
    decade, genres, title = features.specs
    # Decades: item % 5 == 0 is unknown, else 19{item % 3 + 7}0s; sorted.
    assert decade.vocabulary == ["1970s", "1980s", "1990s", "__unknown__"]
    assert genres.width == 2
    assert title.width == 4
    # Item 5 has decade __unknown__, index 3 + 2 = 5; padding row 0 is 0.
    assert features.tables[0][5].item() == 5
    assert features.tables[0][0].item() == 0


def test_features_text_left_out_with_none_encoder(tmp_path):
    write_features(tmp_path, num_items=4)
    features = load_item_features(tmp_path, 4, "none", 4, 100)
    assert [spec.name for spec in features.specs] == ["decade", "genres"]


def test_features_empty_schema_is_id_only(tmp_path):
    write_empty_features(tmp_path, num_items=4)
    assert load_item_features(tmp_path, 4, "mean", 4, 100).specs == []


def test_features_saved_vocabulary_maps_new_values_to_oov(tmp_path):
    write_features(tmp_path, num_items=4)
    saved = load_item_features(tmp_path, 4, "mean", 4, 100).specs
    frame = pd.read_parquet(tmp_path / "item_features.parquet")
    frame.loc[0, "decade"] = "2020s"
    frame.to_parquet(tmp_path / "item_features.parquet", index=False)
    features = load_item_features(tmp_path, 4, "mean", 4, 100, specs=saved)
    assert features.tables[0][1].item() == OOV_INDEX


def test_features_nulls_counted(tmp_path):
    write_features(tmp_path, num_items=4)
    frame = pd.read_parquet(tmp_path / "item_features.parquet")
    frame["decade"] = frame["decade"].astype(object)
    frame.loc[1, "decade"] = None
    frame.to_parquet(tmp_path / "item_features.parquet", index=False)
    features = load_item_features(tmp_path, 4, "mean", 4, 100)
    assert features.null_values["decade"] == 1


def test_features_missing_item_rejected(tmp_path):
    write_features(tmp_path, num_items=4)
    frame = pd.read_parquet(tmp_path / "item_features.parquet")
    frame[frame["item_idx"] != 3].to_parquet(tmp_path / "item_features.parquet", index=False)
    with pytest.raises(ValueError, match=r"one row per item 1..4 .*first missing ids \[3\]"):
        load_item_features(tmp_path, 4, "mean", 4, 100)


def test_features_unknown_column_rejected(tmp_path):
    write_features(tmp_path, num_items=4)
    schema = json.loads((tmp_path / "feature_schema.json").read_text())
    schema["categorical"].append("studio")
    (tmp_path / "feature_schema.json").write_text(json.dumps(schema))
    with pytest.raises(ValueError, match=r"lacks the columns \['studio'\]"):
        load_item_features(tmp_path, 4, "mean", 4, 100)
