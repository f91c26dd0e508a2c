"""Names shared by the feature step, the Feast repository and the step's outputs.

The Feast definitions in `feature_repo/definitions.py` repeat the view,
feature and source names below, because Feast loads that folder without
importing this package. A test applies the repository and checks that both
agree.
"""

from __future__ import annotations

# Value of a feature that is missing, in the item table and in the sources.
UNKNOWN_TOKEN = "__unknown__"

# Environment variable that feature_store.yaml and the definitions read to
# find the data directory (sources, registry file, SQLite online store).
DATA_DIR_VARIABLE = "CLREC_FEAST_DATA"

# Folder of the Parquet sources inside the data directory.
SOURCES_FOLDER = "sources"
# Timestamp column of every source, UTC.
TIMESTAMP_COLUMN = "event_timestamp"

ITEM_KEY = "item_idx"
USER_KEY = "user_id"

ITEM_ATTRIBUTES_VIEW = "item_attributes"
ITEM_STATISTICS_VIEW = "item_statistics"
USER_HISTORY_VIEW = "user_history"
FEATURE_VIEWS = (ITEM_ATTRIBUTES_VIEW, ITEM_STATISTICS_VIEW, USER_HISTORY_VIEW)

# Feature names of each view, in the order of the definitions.
ITEM_ATTRIBUTE_FEATURES = ("title", "genres", "release_year", "release_decade")
ITEM_STATISTIC_FEATURES = ("popularity", "popularity_percentile")
USER_HISTORY_FEATURE = "recent_items"

# Output files of the step (see docs/architecture.md, "Features output").
ITEM_FEATURES_FILE = "item_features.parquet"
FEATURE_SCHEMA_FILE = "feature_schema.json"
FEATURE_REPORT_FILE = "feature_report.json"


def source_file(view: str) -> str:
    """Return the Parquet file name of one feature view's source."""
    return f"{view}.parquet"
