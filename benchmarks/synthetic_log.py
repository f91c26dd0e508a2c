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
  of them with probability `preference_share`, and its item is then drawn
  from that category by popularity weight. Any other click draws its item
  by weight from the whole catalog. Categories are drawn uniformly, so the marginal
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
import functools
import math
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
        # Each test is written as `not (value in range)`, so NaN fails it too.
        if not 0 <= self.zipf_exponent < math.inf:
            raise ValueError(
                f"zipf_exponent must be a finite number of 0 or more, got {self.zipf_exponent}; "
                "0 gives uniform popularity"
            )
        if not self.num_categories >= 1:
            raise ValueError(f"num_categories must be at least 1, got {self.num_categories}")
        if not self.categories_per_user >= 1:
            raise ValueError(f"categories_per_user must be at least 1, got {self.categories_per_user}")
        if not 0.0 <= self.preference_share <= 1.0:
            raise ValueError(f"preference_share must lie in [0, 1], got {self.preference_share}")
        if not MIN_EVENTS_PER_USER <= self.mean_length < math.inf:
            raise ValueError(
                f"mean_length must be a finite number of at least {MIN_EVENTS_PER_USER} events, got {self.mean_length}"
            )
        if not 0 <= self.length_sigma < math.inf:
            raise ValueError(f"length_sigma must be a finite number of 0 or more, got {self.length_sigma}")
        if not (0 < self.mean_gap_seconds < math.inf and 0 < self.span_days < math.inf):
            raise ValueError(
                "mean_gap_seconds and span_days must be finite positive numbers, "
                f"got {self.mean_gap_seconds} and {self.span_days}"
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
    # Generating first means invalid arguments raise before the folder exists.
    log = generate_log(num_events, num_items, seed, settings)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    write_log(log, output_dir / EVENTS_FILE, output_dir / ITEMS_FILE)
    return log


def parse_count(text: str, minimum: int = 1) -> int:
    """Parse a whole count of at least `minimum` written as 100000, 1e5 or 1_000_000."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}; write a whole number such as 100000 or 1e5") from None
    # float() accepts inf and nan, and numbers beyond the float range such as 1e400 become inf.
    if not math.isfinite(value) or value < minimum or value != int(value):
        raise argparse.ArgumentTypeError(
            f"invalid count {text!r}; it must be a finite whole number of at least {minimum}"
        )
    return int(value)


def parse_whole_number(text: str, minimum: int) -> int:
    """Parse a decimal integer of at least `minimum` for argparse."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid whole number {text!r}; write one such as {minimum}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}; it must be at least {minimum}")
    return value


def parse_real_number(text: str, minimum: float, maximum: float = math.inf) -> float:
    """Parse a finite number between `minimum` and `maximum`, both included, for argparse."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}; write one such as {minimum:g}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"invalid value {text!r}; it must be a finite number")
    if value < minimum:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}; it must be at least {minimum:g}")
    if value > maximum:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}; it must be at most {maximum:g}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser, whose types reject out-of-range values with the flag's name."""
    defaults = LogSettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])

    # These options set the size, seed and folder of the log.
    parser.add_argument(
        "--events",
        type=functools.partial(parse_count, minimum=MIN_EVENTS_PER_USER),
        required=True,
        help=f"Number of events, at least {MIN_EVENTS_PER_USER} (for example 1e6).",
    )
    parser.add_argument("--items", type=parse_count, required=True, help="Number of items in the catalog.")
    parser.add_argument(
        "--seed",
        type=functools.partial(parse_whole_number, minimum=0),
        default=0,
        help="Seed of NumPy's generator, 0 or more (default: %(default)s).",
    )
    parser.add_argument("--output-dir", type=Path, required=True, help=f"Folder for {EVENTS_FILE} and {ITEMS_FILE}.")

    # These options set the fields of LogSettings.
    parser.add_argument(
        "--zipf-exponent",
        type=functools.partial(parse_real_number, minimum=0.0),
        default=defaults.zipf_exponent,
        help="Popularity exponent, 0 or more; 0 gives uniform popularity (default: %(default)s).",
    )
    parser.add_argument(
        "--categories",
        type=functools.partial(parse_whole_number, minimum=1),
        default=defaults.num_categories,
        help="Number of item categories (default: %(default)s).",
    )
    parser.add_argument(
        "--categories-per-user",
        type=functools.partial(parse_whole_number, minimum=1),
        default=defaults.categories_per_user,
        help="Preferred categories per user (default: %(default)s).",
    )
    parser.add_argument(
        "--preference-share",
        type=functools.partial(parse_real_number, minimum=0.0, maximum=1.0),
        default=defaults.preference_share,
        help="Share of clicks (0 to 1) that fall in the user's preferred categories (default: %(default)s).",
    )
    parser.add_argument(
        "--mean-length",
        type=functools.partial(parse_real_number, minimum=float(MIN_EVENTS_PER_USER)),
        default=defaults.mean_length,
        help=f"Mean events per user, at least {MIN_EVENTS_PER_USER} (default: %(default)s).",
    )
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse and check the command line, so an invalid value exits with status 2 before any file is written."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.output_dir.exists() and not args.output_dir.is_dir():
        parser.error(f"--output-dir {args.output_dir} exists and is not a folder; pass a new or existing folder")
    return args


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, write the log and print its size and the time taken."""
    args = parse_args(argv)
    settings = LogSettings(
        zipf_exponent=args.zipf_exponent,
        num_categories=args.categories,
        categories_per_user=args.categories_per_user,
        preference_share=args.preference_share,
        mean_length=args.mean_length,
    )

    started = time.perf_counter()
    log = write_synthetic_log(args.output_dir, args.events, args.items, args.seed, settings)
    elapsed = time.perf_counter() - started

    print(
        f"wrote {len(log.users):,} events of {log.num_users:,} users over {args.items:,} items "
        f"to {args.output_dir} in {elapsed:.1f} s"
    )


if __name__ == "__main__":
    main()
