"""Builders of fixture data for the validation tests, matching the data contracts exactly.

`tables_from_events` builds a small, valid preprocess output as pandas
frames; a test breaks one thing in it and writes it with
`write_preprocess_output`. `clean_feature_table` and
`write_features_output` do the same for the feature output.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

EVENTS_SCHEMA = pa.schema(
    [
        ("user_idx", pa.int32()),
        ("item_idx", pa.int32()),
        ("timestamp", pa.int64()),
        ("position", pa.int32()),
        ("split", pa.string()),
    ]
)
SEQUENCES_SCHEMA = pa.schema(
    [
        ("user_idx", pa.int32()),
        ("user_id", pa.string()),
        ("train_items", pa.list_(pa.int32())),
        ("train_timestamps", pa.list_(pa.int64())),
        ("valid_item", pa.int32()),
        ("valid_timestamp", pa.int64()),
        ("test_item", pa.int32()),
        ("test_timestamp", pa.int64()),
    ]
)
ITEMS_SCHEMA = pa.schema(
    [("item_idx", pa.int32()), ("item_id", pa.string()), ("popularity", pa.int64())]
)
USERS_SCHEMA = pa.schema([("user_idx", pa.int32()), ("user_id", pa.string())])

# 2000-01-01T00:00:00Z; every fixture event lies in the following days.
BASE_TIME = 946_684_800
NUM_ITEMS = 8
# Events per user. Users 1, 2, 3 and 5 have 3 or more events, so they get
# validation and test targets. User 4 has 2 events and trains only.
USER_LENGTHS = {1: 5, 2: 4, 3: 3, 4: 2, 5: 6}
UNKNOWN = "__unknown__"
GENRES = ["Action", "Comedy", "Drama"]


def _cell(value: Any) -> Any:
    """Map pandas' missing markers (NaN, NA) to None for Arrow."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA:
        return None
    return value


def write_parquet(frame: pd.DataFrame, schema: pa.Schema, path: Path) -> None:
    """Write `frame` with exactly `schema`; a column absent from the frame is left out."""
    fields = [field for field in schema if field.name in frame.columns]
    extra = [name for name in frame.columns if name not in schema.names]
    arrays = [pa.array([_cell(value) for value in frame[field.name]], type=field.type) for field in fields]
    # Extra columns keep the type Arrow infers, so tests can add stray columns.
    arrays += [pa.array([_cell(value) for value in frame[name]]) for name in extra]
    names = [field.name for field in fields] + extra
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path)


def events_from_lengths(lengths: dict[int, int]) -> pd.DataFrame:
    """Build events.parquet rows: leave-one-out splits for users with 3 or more events."""
    rows = []
    for user, count in lengths.items():
        for position in range(count):
            if count >= 3 and position == count - 1:
                split = "test"
            elif count >= 3 and position == count - 2:
                split = "valid"
            else:
                split = "train"
            rows.append(
                {
                    "user_idx": user,
                    "item_idx": (user * 3 + position) % NUM_ITEMS + 1,
                    "timestamp": BASE_TIME + user * 10_000 + position * 60,
                    "position": position,
                    "split": split,
                }
            )
    return pd.DataFrame(rows)


def sequences_from_events(events: pd.DataFrame) -> pd.DataFrame:
    """Build sequences.parquet rows from events, as the contract defines them."""
    rows = []
    for user, group in events.sort_values(["user_idx", "position"]).groupby("user_idx"):
        train = group[group["split"] == "train"]
        valid = group[group["split"] == "valid"]
        test = group[group["split"] == "test"]
        rows.append(
            {
                "user_idx": int(user),
                "user_id": f"u{user}",
                "train_items": train["item_idx"].tolist(),
                "train_timestamps": train["timestamp"].tolist(),
                "valid_item": int(valid["item_idx"].iloc[0]) if len(valid) else None,
                "valid_timestamp": int(valid["timestamp"].iloc[0]) if len(valid) else None,
                "test_item": int(test["item_idx"].iloc[0]) if len(test) else None,
                "test_timestamp": int(test["timestamp"].iloc[0]) if len(test) else None,
            }
        )
    return pd.DataFrame(rows)


def items_from_events(events: pd.DataFrame, num_items: int) -> pd.DataFrame:
    """Build items.parquet: popularity counts training events only."""
    counts = events.loc[events["split"] == "train", "item_idx"].value_counts()
    return pd.DataFrame(
        {
            "item_idx": list(range(1, num_items + 1)),
            "item_id": [f"i{item}" for item in range(1, num_items + 1)],
            "popularity": [int(counts.get(item, 0)) for item in range(1, num_items + 1)],
        }
    )


def tables_from_events(events: pd.DataFrame, num_items: int, has_timestamps: bool = True) -> dict[str, Any]:
    """Build every file of a preprocess output from its events."""
    users = sorted(events["user_idx"].unique())
    return {
        "events": events,
        "sequences": sequences_from_events(events),
        "items": items_from_events(events, num_items),
        "users": pd.DataFrame({"user_idx": users, "user_id": [f"u{user}" for user in users]}),
        "manifest": {"has_timestamps": has_timestamps},
        "rejects": [],
    }


def write_preprocess_output(tables: dict[str, Any], directory: Path) -> Path:
    """Write a preprocess output directory from `tables` (see `tables_from_events`)."""
    directory.mkdir(parents=True, exist_ok=True)
    write_parquet(tables["events"], EVENTS_SCHEMA, directory / "events.parquet")
    write_parquet(tables["sequences"], SEQUENCES_SCHEMA, directory / "sequences.parquet")
    write_parquet(tables["items"], ITEMS_SCHEMA, directory / "items.parquet")
    write_parquet(tables["users"], USERS_SCHEMA, directory / "users.parquet")
    (directory / "manifest.json").write_text(json.dumps(tables["manifest"]), encoding="utf-8")
    lines = [json.dumps(reject) + "\n" for reject in tables["rejects"]]
    (directory / "rejects.jsonl").write_text("".join(lines), encoding="utf-8")
    return directory


def clean_feature_table(num_items: int = NUM_ITEMS) -> pd.DataFrame:
    """Build item_features.parquet rows: one categorical, one multi-valued, one text feature."""
    return pd.DataFrame(
        {
            "item_idx": list(range(1, num_items + 1)),
            "decade": ["1990s" if item % 2 else "1980s" for item in range(1, num_items + 1)],
            "genres": [[GENRES[item % 3], GENRES[(item + 1) % 3]] for item in range(1, num_items + 1)],
            "title": [f"Title {item}" for item in range(1, num_items + 1)],
        }
    )


FEATURE_SCHEMA = {
    "categorical": ["decade"],
    "multi_categorical": ["genres"],
    "text": ["title"],
    "unknown_token": UNKNOWN,
}


def write_features_output(
    table: pd.DataFrame, directory: Path, schema: dict[str, Any] | None = None
) -> Path:
    """Write a feature output directory with item_features.parquet and its JSON files."""
    directory.mkdir(parents=True, exist_ok=True)
    arrow_schema = pa.schema(
        [
            ("item_idx", pa.int32()),
            ("decade", pa.string()),
            ("genres", pa.list_(pa.string())),
            ("title", pa.string()),
        ]
    )
    write_parquet(table, arrow_schema, directory / "item_features.parquet")
    (directory / "feature_schema.json").write_text(
        json.dumps(schema if schema is not None else FEATURE_SCHEMA), encoding="utf-8"
    )
    report = {"rows_requested": len(table), "rows_returned": len(table), "items_filled_unknown": 0}
    (directory / "feature_report.json").write_text(json.dumps(report), encoding="utf-8")
    return directory


def ml100k_tables(u_data: Path) -> dict[str, Any]:
    """Build a preprocess output from MovieLens-100K's u.data with plain pandas.

    Written independently of clrec.preprocess: users and items are indexed
    1..N in order of their raw id, each user's ratings are ordered by
    (timestamp, raw item id), and the last two become validation and test.
    """
    raw = pd.read_csv(u_data, sep="\t", names=["user_id", "item_id", "rating", "timestamp"])
    user_ids = sorted(raw["user_id"].unique())
    item_ids = sorted(raw["item_id"].unique())
    user_index = {raw_id: index for index, raw_id in enumerate(user_ids, start=1)}
    item_index = {raw_id: index for index, raw_id in enumerate(item_ids, start=1)}
    events = raw.sort_values(["user_id", "timestamp", "item_id"], kind="stable").copy()
    events["user_idx"] = events["user_id"].map(user_index)
    events["item_idx"] = events["item_id"].map(item_index)
    events["position"] = events.groupby("user_idx").cumcount()
    count = events.groupby("user_idx")["position"].transform("size")
    events["split"] = "train"
    events.loc[(count >= 3) & (events["position"] == count - 2), "split"] = "valid"
    events.loc[(count >= 3) & (events["position"] == count - 1), "split"] = "test"
    events = events[["user_idx", "item_idx", "timestamp", "position", "split"]].reset_index(drop=True)
    tables = tables_from_events(events, len(item_ids))
    tables["items"]["item_id"] = [str(raw_id) for raw_id in item_ids]
    tables["users"]["user_id"] = [str(raw_id) for raw_id in user_ids]
    tables["sequences"]["user_id"] = [str(raw_id) for raw_id in user_ids]
    return tables
