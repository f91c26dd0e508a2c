"""Generate synthetic click logs with skewed item popularity and category-driven users.

Run from the repository root:

    .venv/bin/python benchmarks/synthetic_log.py --events 1e6 --items 1e5 --seed 0 --output-dir /tmp/clicks

The log has these properties, all drawn with NumPy in whole-array calls:

- Item popularity follows a Zipf-like law: the item of popularity rank r
  has weight r ** -zipf_exponent. Ranks are shuffled over the item ids, so
  an item's id carries no information about its popularity.
- Each item belongs to one of `num_categories` categories, drawn uniformly.
- Each user prefers `categories_per_user` categories, drawn with
  replacement among the categories that hold items. A click falls in one
  of them with probability `preference_share`, and the item is then drawn
  from that category by popularity weight; otherwise it is drawn by weight
  from the whole catalog. Categories are drawn uniformly, so the marginal
  item popularity stays close to the Zipf law.
- Sequence lengths are lognormal with mean about `mean_length`, and every
  user has at least 3 events, so leave-one-out gives each user training,
  validation and test events. One user's length is trimmed (or merged into
  the previous user) so that the total is exactly `num_events`.
- Timestamps are Unix seconds. Each user starts at a uniform time within
  `span_days` of 2020-01-01 UTC and clicks again after exponential gaps of
  at least one second, so timestamps strictly increase within each user.

Two headerless tab-separated files are written: the events `user item
timestamp` in timestamp order, and the items `item category`. Users,
items and categories are numbered from 1.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

FIRST_TIMESTAMP = 1_577_836_800  # 2020-01-01T00:00:00Z
MIN_EVENTS_PER_USER = 3
EVENTS_FILE = "clicks.tsv"
ITEMS_FILE = "items.tsv"


@dataclass(frozen=True)
class LogSettings:
    """Shape of a synthetic log beyond its size and seed."""

    zipf_exponent: float = 1.0
    num_categories: int = 50
    categories_per_user: int = 3
    preference_share: float = 0.8
    mean_length: float = 20.0
    length_sigma: float = 1.0
    mean_gap_seconds: float = 3600.0
    span_days: float = 180.0

    def check(self) -> None:
        """Raise ValueError naming the first setting that is out of range."""
        if self.zipf_exponent < 0:
            raise ValueError(f"zipf_exponent must be 0 or more, got {self.zipf_exponent}; 0 gives uniform popularity")
        if self.num_categories < 1:
            raise ValueError(f"num_categories must be at least 1, got {self.num_categories}")
        if self.categories_per_user < 1:
            raise ValueError(f"categories_per_user must be at least 1, got {self.categories_per_user}")
        if not 0.0 <= self.preference_share <= 1.0:
            raise ValueError(f"preference_share must lie in [0, 1], got {self.preference_share}")
        if self.mean_length < MIN_EVENTS_PER_USER:
            raise ValueError(f"mean_length must be at least {MIN_EVENTS_PER_USER} events, got {self.mean_length}")
        if self.length_sigma < 0:
            raise ValueError(f"length_sigma must be 0 or more, got {self.length_sigma}")
        if self.mean_gap_seconds <= 0 or self.span_days <= 0:
            raise ValueError(
                f"mean_gap_seconds and span_days must be positive, got {self.mean_gap_seconds} and {self.span_days}"
            )


@dataclass(frozen=True)
class ClickLog:
    """Events in timestamp order and the category of every item."""

    users: np.ndarray  # int64 [E], 1..U
    items: np.ndarray  # int64 [E], 1..N
    timestamps: np.ndarray  # int64 [E], Unix seconds
    item_categories: np.ndarray  # int64 [N], category of item i + 1, 1..C

    @property
    def num_users(self) -> int:
        """Number of distinct users; every user from 1 to this number has events."""
        return int(self.users.max()) if len(self.users) else 0


def draw_lengths(generator: np.random.Generator, num_events: int, settings: LogSettings) -> np.ndarray:
    """Return per-user sequence lengths, each at least 3, that add up to `num_events`."""
    if num_events < MIN_EVENTS_PER_USER:
        raise ValueError(f"num_events must be at least {MIN_EVENTS_PER_USER} (one user's events), got {num_events}")
    # The lognormal mean is exp(mu + sigma^2 / 2), so mu centres it on mean_length.
    mu = np.log(settings.mean_length) - settings.length_sigma**2 / 2
    batch = num_events // int(settings.mean_length) + 16
    parts: list[np.ndarray] = []
    total = 0
    while total < num_events:
        drawn = np.rint(generator.lognormal(mu, settings.length_sigma, batch)).astype(np.int64)
        drawn = np.maximum(drawn, MIN_EVENTS_PER_USER)
        parts.append(drawn)
        total += int(drawn.sum())
    lengths = np.concatenate(parts)

    ends = np.cumsum(lengths)
    last = int(np.searchsorted(ends, num_events))
    lengths = lengths[: last + 1].copy()
    lengths[last] -= int(ends[last]) - num_events
    # A trimmed last user below the minimum joins the user before it. The
    # first user cannot be short, because alone it contains all num_events >= 3.
    if lengths[last] < MIN_EVENTS_PER_USER:
        lengths[last - 1] += lengths[last]
        lengths = lengths[:last]
    return lengths


def popularity_weights(generator: np.random.Generator, num_items: int, exponent: float) -> np.ndarray:
    """Return the Zipf weight of each item, with popularity ranks shuffled over the ids."""
    ranks = generator.permutation(num_items) + 1
    return ranks.astype(np.float64) ** -exponent


def draw_items(
    generator: np.random.Generator,
    user_of_event: np.ndarray,
    weights: np.ndarray,
    categories: np.ndarray,
    settings: LogSettings,
) -> np.ndarray:
    """Return one item per event (0-based), drawn from the user's preferred categories or the whole catalog.

    Items are laid out by category, so a category is one slice of the
    cumulative weights. A draw inside a slice is a uniform point in its
    weight range, located with `searchsorted`.
    """
    num_categories = settings.num_categories
    order = np.argsort(categories, kind="stable")
    cumulative = np.cumsum(weights[order])
    slice_end = np.searchsorted(categories[order], np.arange(num_categories), side="right")
    slice_start = np.concatenate([[0], slice_end[:-1]])
    weight_before = np.concatenate([[0.0], cumulative])[slice_start]
    slice_weight = np.concatenate([[0.0], cumulative])[slice_end] - weight_before

    # Users prefer only categories that hold items, so every slice drawn has weight.
    filled = np.flatnonzero(slice_end > slice_start)
    num_users = int(user_of_event[-1]) + 1
    preferred = filled[generator.integers(0, len(filled), (num_users, settings.categories_per_user))]

    num_events = len(user_of_event)
    choice = generator.integers(0, settings.categories_per_user, num_events)
    category = preferred[user_of_event, choice]
    in_preferred = generator.random(num_events) < settings.preference_share
    uniform = generator.random(num_events)

    # Outside the preferred categories the slice is the whole catalog.
    low = np.where(in_preferred, weight_before[category], 0.0)
    span = np.where(in_preferred, slice_weight[category], cumulative[-1])
    first = np.where(in_preferred, slice_start[category], 0)
    last = np.where(in_preferred, slice_end[category], len(weights)) - 1
    position = np.searchsorted(cumulative, low + uniform * span, side="right")
    # Rounding can put a point on a slice edge, so the clip keeps it inside its slice.
    position = np.clip(position, first, last)
    return order[position]


def draw_timestamps(generator: np.random.Generator, lengths: np.ndarray, settings: LogSettings) -> np.ndarray:
    """Return event times in Unix seconds, strictly increasing within each user's run of events."""
    num_users = len(lengths)
    span_seconds = int(settings.span_days * 86_400)
    starts = FIRST_TIMESTAMP + generator.integers(0, span_seconds, num_users)
    gaps = 1 + np.floor(generator.exponential(settings.mean_gap_seconds, int(lengths.sum()))).astype(np.int64)
    elapsed = np.cumsum(gaps)
    first_index = np.cumsum(lengths) - lengths
    # Subtracting the running sum before each user's first event restarts the clock per user.
    before_user = elapsed[first_index] - gaps[first_index]
    return np.repeat(starts - before_user, lengths) + elapsed


def generate_log(num_events: int, num_items: int, seed: int, settings: LogSettings | None = None) -> ClickLog:
    """Draw a synthetic click log of exactly `num_events` events over `num_items` items."""
    settings = settings or LogSettings()
    settings.check()
    if num_items < 1:
        raise ValueError(f"num_items must be at least 1, got {num_items}")
    generator = np.random.default_rng(seed)

    lengths = draw_lengths(generator, num_events, settings)
    user_of_event = np.repeat(np.arange(len(lengths)), lengths)
    categories = generator.integers(0, settings.num_categories, num_items)
    weights = popularity_weights(generator, num_items, settings.zipf_exponent)
    items = draw_items(generator, user_of_event, weights, categories, settings)
    timestamps = draw_timestamps(generator, lengths, settings)

    # The log is in time order, and the stable sort keeps user order among equal times.
    order = np.argsort(timestamps, kind="stable")
    return ClickLog(
        users=user_of_event[order] + 1,
        items=items[order] + 1,
        timestamps=timestamps[order],
        item_categories=categories + 1,
    )


def write_tsv(columns: dict[str, np.ndarray], path: Path) -> None:
    """Write NumPy columns as a headerless tab-separated file with pyarrow."""
    options = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    pacsv.write_csv(pa.table(columns), path, write_options=options)


def write_log(log: ClickLog, events_path: Path, items_path: Path) -> None:
    """Write the events as `user item timestamp` and the items as `item category`."""
    write_tsv({"user": log.users, "item": log.items, "timestamp": log.timestamps}, events_path)
    item_ids = np.arange(1, len(log.item_categories) + 1)
    write_tsv({"item": item_ids, "category": log.item_categories}, items_path)


def write_synthetic_log(
    output_dir: Path, num_events: int, num_items: int, seed: int, settings: LogSettings | None = None
) -> ClickLog:
    """Generate a log and write `clicks.tsv` and `items.tsv` into `output_dir`; return the log."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    log = generate_log(num_events, num_items, seed, settings)
    write_log(log, output_dir / EVENTS_FILE, output_dir / ITEMS_FILE)
    return log


def parse_count(text: str) -> int:
    """Parse a positive whole count written as 100000, 1e5 or 1_000_000."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}; write a whole number such as 100000 or 1e5") from None
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"invalid count {text!r}; it must be a whole number of at least 1")
    return int(value)


def main() -> None:
    """Parse the command line, write the log and print its size and the time taken."""
    defaults = LogSettings()

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=parse_count, required=True, help="Number of events (for example 1e6).")
    parser.add_argument("--items", type=parse_count, required=True, help="Number of items in the catalog.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of NumPy's generator (default 0).")
    parser.add_argument("--output-dir", type=Path, required=True, help=f"Folder for {EVENTS_FILE} and {ITEMS_FILE}.")
    parser.add_argument("--zipf-exponent", type=float, default=defaults.zipf_exponent, help="Popularity exponent.")
    parser.add_argument("--categories", type=int, default=defaults.num_categories, help="Number of item categories.")
    parser.add_argument(
        "--categories-per-user", type=int, default=defaults.categories_per_user, help="Preferred categories per user."
    )
    parser.add_argument(
        "--preference-share",
        type=float,
        default=defaults.preference_share,
        help="Share of clicks (0 to 1) that fall in the user's preferred categories.",
    )
    parser.add_argument(
        "--mean-length", type=float, default=defaults.mean_length, help="Mean events per user (at least 3)."
    )
    args = parser.parse_args()

    settings = LogSettings(
        zipf_exponent=args.zipf_exponent,
        num_categories=args.categories,
        categories_per_user=args.categories_per_user,
        preference_share=args.preference_share,
        mean_length=args.mean_length,
    )
    started = time.perf_counter()
    try:
        log = write_synthetic_log(args.output_dir, args.events, args.items, args.seed, settings)
    except ValueError as error:
        parser.error(str(error))
    elapsed = time.perf_counter() - started

    print(
        f"wrote {len(log.users):,} events of {log.num_users:,} users over {args.items:,} items "
        f"to {args.output_dir} in {elapsed:.1f} s"
    )


if __name__ == "__main__":
    main()
