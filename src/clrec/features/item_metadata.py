"""Item metadata of each dataset and the schema of the training item table it yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from clrec.features.movielens import read_movielens_items
from clrec.features.names import ITEM_ATTRIBUTES_VIEW, UNKNOWN_TOKEN


@dataclass(frozen=True)
class FeatureSchema:
    """Training features of the item table, by kind. All lists are empty without metadata."""

    categorical: list[str] = field(default_factory=list)
    multi_categorical: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """Feature columns of `item_features.parquet`, after `item_idx`."""
        return [*self.categorical, *self.multi_categorical, *self.text]

    def to_json(self) -> dict[str, object]:
        return {
            "categorical": list(self.categorical),
            "multi_categorical": list(self.multi_categorical),
            "text": list(self.text),
            "unknown_token": UNKNOWN_TOKEN,
        }

    def references(self) -> list[str]:
        """Feast references (`view:feature`) of the schema's features."""
        return [f"{ITEM_ATTRIBUTES_VIEW}:{name}" for name in self.columns]


@dataclass(frozen=True)
class ItemMetadata:
    """Attributes of each raw item id, the schema they feed and the parse accounting."""

    # Raw item id -> title, genres, release_year, release_decade.
    attributes_by_id: dict[str, dict[str, object]]
    schema: FeatureSchema
    # Counts and rejected lines, copied into feature_report.json.
    report: dict[str, object]


def read_item_metadata(dataset: str, raw_dir: Path, use_title_text: bool) -> ItemMetadata:
    """Read the item metadata of `dataset` from its raw folder.

    MovieLens-100K yields genres (multi-valued), release year and decade
    (categorical) and, with `use_title_text`, the title as text. Amazon
    Beauty has no item metadata, so its schema is empty.
    """
    if dataset == "ml-100k":
        parsed = read_movielens_items(raw_dir)
        schema = FeatureSchema(
            categorical=["release_year", "release_decade"],
            multi_categorical=["genres"],
            text=["title"] if use_title_text else [],
        )
        report = {
            "source": str(raw_dir / "u.item"),
            "lines_read": parsed.lines_read,
            "lines_rejected": len(parsed.rejects),
            "missing_release_dates": parsed.missing_release_dates,
            "invalid_release_dates": parsed.invalid_release_dates,
            "items_without_genre": parsed.items_without_genre,
            "rejects": parsed.rejects,
        }
        return ItemMetadata(parsed.attributes, schema, report)
    return ItemMetadata({}, FeatureSchema(), {"source": None, "note": f"{dataset} has no item metadata"})
