"""Feast objects of CLRec: the item and user entities and their feature views.

`feast apply` executes this file. Every source is a Parquet file under the
data directory named by the CLREC_FEAST_DATA environment variable, where
`clrec features` writes it (see `clrec.features.sources`). That variable is
also substituted into feature_store.yaml, so the registry and the SQLite
online store live next to the sources and never inside this folder.

Every timestamp is UTC. A ttl of zero means that a feature value never
expires: it stays joined to later events until a newer row replaces it.

Feast 0.67's `materialize-incremental` continues a view from the end of its
last materialisation, and starts a view that has none at one year before now
when its ttl is zero. Each view here therefore declares an empty
materialisation at the Unix epoch, so that its first incremental run loads
every row since 1970, such as MovieLens events from 1998. `feast apply` keeps
the intervals of a view already in the registry when its schema is unchanged.
"""

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from feast import Entity, FeatureService, FeatureView, Field, FileSource, Project, ValueType
from feast.types import Array, Float64, Int64, String

DATA_DIR_VARIABLE = "CLREC_FEAST_DATA"


def _data_dir() -> str:
    """Return the data directory from CLREC_FEAST_DATA, as an absolute path or a URL."""
    value = os.environ.get(DATA_DIR_VARIABLE, "").strip()
    if not value:
        raise RuntimeError(
            f"{DATA_DIR_VARIABLE} is not set: export it as the absolute path of the Feast "
            "data directory (for example $PWD/artifacts/feast/ml-100k) before running feast"
        )
    if "://" in value:
        return value.rstrip("/")
    if not Path(value).is_absolute():
        raise RuntimeError(
            f"{DATA_DIR_VARIABLE}={value!r} is a relative path; feast resolves it against "
            "this folder, so export an absolute path instead"
        )
    return value.rstrip("/")


SOURCES_DIR = f"{_data_dir()}/sources"
NO_EXPIRY = timedelta(0)
HISTORY_START = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _loads_whole_history(view: FeatureView) -> None:
    """Declare an empty materialisation at HISTORY_START on a view that has none."""
    if not view.materialization_intervals:
        view.materialization_intervals.append((HISTORY_START, HISTORY_START))


project = Project(name="clrec", description="Features of CLRec candidate generation")

# An item of the preprocessing vocabulary. The key is the contiguous item index
# 1..N that the model uses, so it changes when the vocabulary is rebuilt.
item = Entity(
    name="item",
    join_keys=["item_idx"],
    value_type=ValueType.INT64,
    description="One item of the preprocessing vocabulary, keyed by its index 1..N",
)

# A user of the click log, keyed by the raw user id string of the dataset.
user = Entity(
    name="user",
    join_keys=["user_id"],
    value_type=ValueType.STRING,
    description="One user of the click log, keyed by the dataset's raw user id",
)

# Item metadata. Each row is stamped with the time of the first event in the
# log, because the catalog is static and describes items for the whole log.
item_attributes_source = FileSource(
    name="item_attributes_source",
    path=f"{SOURCES_DIR}/item_attributes.parquet",
    timestamp_field="event_timestamp",
    description="Item metadata parsed from the dataset's item file",
)

item_attributes_fv = FeatureView(
    name="item_attributes",
    entities=[item],
    ttl=NO_EXPIRY,
    schema=[
        Field(name="title", dtype=String, description="Display title, for example 'Toy Story (1995)'"),
        Field(name="genres", dtype=Array(String), description="Genre labels; ['__unknown__'] when none is set"),
        Field(name="release_year", dtype=String, description="Four-digit release year, or '__unknown__'"),
        Field(name="release_decade", dtype=String, description="Release decade such as '1990s', or '__unknown__'"),
    ],
    source=item_attributes_source,
    online=True,
    description="Item attributes that training uses as categorical and text features",
)
_loads_whole_history(item_attributes_fv)

# Training popularity, known only once the training period has ended, so each
# row is stamped with the time of the latest training event.
item_statistics_source = FileSource(
    name="item_statistics_source",
    path=f"{SOURCES_DIR}/item_statistics.parquet",
    timestamp_field="event_timestamp",
    description="Item statistics computed from the training events",
)

item_statistics_fv = FeatureView(
    name="item_statistics",
    entities=[item],
    ttl=NO_EXPIRY,
    schema=[
        Field(name="popularity", dtype=Int64, description="Number of training events on the item"),
        Field(
            name="popularity_percentile",
            dtype=Float64,
            description="Percent of vocabulary items whose popularity is at most this item's, in (0, 100]",
        ),
    ],
    source=item_statistics_source,
    online=True,
    description="Training popularity of each item and its percentile",
)
_loads_whole_history(item_statistics_fv)

# Each user's most recent items for serving, stamped with the user's last event.
user_history_source = FileSource(
    name="user_history_source",
    path=f"{SOURCES_DIR}/user_history.parquet",
    timestamp_field="event_timestamp",
    description="Each user's most recent items through the test target",
)

user_history_fv = FeatureView(
    name="user_history",
    entities=[user],
    ttl=NO_EXPIRY,
    schema=[
        Field(
            name="recent_items",
            dtype=Array(Int64),
            description="Item indices of the user's last events, most recent last",
        ),
    ],
    source=user_history_source,
    online=True,
    description="Recent item history that the recommend command encodes into a user embedding",
)
_loads_whole_history(user_history_fv)

# Features that training reads through offline retrieval.
item_training_v1 = FeatureService(
    name="item_training_v1",
    features=[item_attributes_fv, item_statistics_fv],
    description="Item features for the training item table",
)

# Features that the recommend command reads from the online store.
recommend_serving_v1 = FeatureService(
    name="recommend_serving_v1",
    features=[user_history_fv, item_attributes_fv[["title"]]],
    description="User histories and item titles for serving recommendations",
)
