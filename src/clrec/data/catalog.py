"""Catalog of the supported datasets, with their official sources and checksums."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetSpec:
    """One public dataset.

    `files` maps each file name, relative to the dataset folder, to its
    SHA-256. When `archive_member_prefix` is set, `url` is a zip archive and
    each file is extracted from `<prefix>/<name>` inside it; otherwise `url`
    is the single file itself.
    """

    name: str
    url: str
    files: dict[str, str]
    description: str
    archive_member_prefix: str | None = None
    license_note: str = ""


ML_100K = DatasetSpec(
    name="ml-100k",
    url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
    archive_member_prefix="ml-100k",
    files={
        "u.data": "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
        "u.item": "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
        "u.user": "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
        "u.genre": "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb",
        "u.occupation": "cd5fbec9afe345d993a62fc7817df1a4a9079c4feb267b3118763b8fd942137d",
        "u.info": "5b0a40b2e47a729ee6203063f6dcf8790c2e63f5a18663e6ee318a72c5f3c27b",
        "README": "d5f41f88d1a96b8faefed3c2f51fce1fca3be1ba6ab0d06e346898ffae920de9",
    },
    description="MovieLens 100K: 100,000 ratings (1-5) from 943 users on 1,682 movies.",
    license_note=(
        "GroupLens's terms forbid redistribution: the files are downloaded, "
        "never shipped with this product."
    ),
)

AMAZON_BEAUTY = DatasetSpec(
    name="amazon-beauty",
    url="https://raw.githubusercontent.com/FeiSun/BERT4Rec/master/data/beauty.txt",
    files={
        "beauty.txt": "f480b7a7403852342ffd8f9809bb30697dd669be31813d0e204b698fec86ef49",
    },
    description=(
        "Amazon Beauty as preprocessed for BERT4Rec: 353,962 interactions of "
        "40,226 users on 54,542 items, in chronological order per user."
    ),
)

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in (ML_100K, AMAZON_BEAUTY)}


def get_dataset(name: str) -> DatasetSpec:
    """Return the spec of a known dataset, or raise `KeyError` listing the known names."""
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        raise KeyError(f"unknown dataset {name!r}; known datasets: {known}") from None
