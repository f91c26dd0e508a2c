"""The popularity plot: recommendations next to training clicks per log2-popularity bucket."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _shares(values: list[int]) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    total = array.sum()
    return array / total if total > 0 else array


def plot_popularity(buckets: list[dict], path: Path, title: str) -> Path:
    """Draw the share of recommendations and of training clicks per bucket as a PNG.

    Both series are shown as a share of their own total, because a model
    makes far fewer recommendations (users x K) than there are training
    clicks. A model that copies the training distribution has matching bars.
    """
    labels = [str(bucket["bucket"]) for bucket in buckets]
    recommendations = _shares([int(bucket["recommendations"]) for bucket in buckets])
    clicks = _shares([int(bucket["training_clicks"]) for bucket in buckets])
    positions = np.arange(len(labels))
    width = 0.4

    figure, axes = plt.subplots(figsize=(max(6.0, 0.7 * len(labels) + 2.0), 4.0))
    axes.bar(positions - width / 2, clicks, width, label="training clicks", color="#9e9e9e")
    axes.bar(positions + width / 2, recommendations, width, label="recommendations (top-K lists)", color="#1f77b4")
    axes.set_xticks(positions)
    axes.set_xticklabels(labels, rotation=45, ha="right")
    axes.set_xlabel("item popularity bucket (training events, log2 scale)")
    axes.set_ylabel("share of total")
    axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
