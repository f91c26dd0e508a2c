"""`clrec recommend`: top items for a user or an ad-hoc history from the production model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from clrec.cli.common import ConfigOption, OverrideOption, fail, load_cli_config


def _parse_history(text: str) -> list[str]:
    item_ids = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not item_id for item_id in item_ids):
        fail(f"invalid --history {text!r}: give comma-separated item ids, for example --history 50,172,181")
    return item_ids


def recommend(
    user_id: Annotated[
        Optional[str],
        typer.Option("--user-id", help="Raw user id whose recent history is read from the online store."),
    ] = None,
    history: Annotated[
        Optional[str],
        typer.Option(
            "--history",
            help="Comma-separated raw item ids, oldest first, used in place of a stored history.",
        ),
    ] = None,
    k: Annotated[
        Optional[int],
        typer.Option("--k", min=1, help="Number of items to return. Default: publish.recommend.k (50)."),
    ] = None,
    exclude_history: Annotated[
        Optional[bool],
        typer.Option(
            "--exclude-history/--include-history",
            help="Leave the history's items out of the results. Default: publish.recommend.exclude_history (true).",
        ),
    ] = None,
    version: Annotated[
        Optional[str],
        typer.Option("--version", help="Serve this registry version. Default: the production version."),
    ] = None,
    registry: Annotated[
        Optional[str],
        typer.Option("--registry", help="Registry location: a local folder or an fsspec URL. Default: paths.registry."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the results as JSON. Default: a table.")
    ] = False,
    config: ConfigOption = None,
    overrides: OverrideOption = None,
) -> None:
    """Recommend items from the production model: give --user-id or --history."""
    from clrec.registry import Registry, RegistryError
    from clrec.serving.online import (
        OnlineStoreUnavailableError,
        UnknownUserError,
        fetch_item_titles,
        fetch_user_history,
    )
    from clrec.serving.recommend import Recommender, UnknownItemError, default_cache_dir, set_serving_threads

    if (user_id is None) == (history is None):
        fail("give exactly one of --user-id U or --history ITEM,ITEM,...", code=2)
    settings = load_cli_config(config, overrides)
    serving = settings.publish.recommend
    cache_dir = Path(serving.cache_dir) if serving.cache_dir else default_cache_dir()
    set_serving_threads(serving.threads)

    history_ids = _parse_history(history) if history is not None else None
    # Typer's Exit derives from RuntimeError, so no `fail` call may sit inside this try.
    try:
        recommender = Recommender.from_registry(
            Registry(registry or settings.paths.registry), cache_dir, version=version
        )
        if history_ids is not None:
            item_idx = recommender.item_indices(history_ids)
        else:
            item_idx = fetch_user_history(settings, user_id)
        if item_idx:
            results = recommender.recommend(
                item_idx,
                k if k is not None else serving.k,
                serving.exclude_history if exclude_history is None else exclude_history,
            )
            titles = fetch_item_titles(settings, [result.item_idx for result in results])
    except (UnknownUserError, UnknownItemError, ValueError, OSError) as error:
        fail(str(error))
    except (OnlineStoreUnavailableError, RegistryError, RuntimeError) as error:
        fail(str(error))
    if not item_idx:
        fail(f"user {user_id!r} has no history in the online store; pass --history instead")

    if as_json:
        payload = {
            "version": recommender.version,
            "user_id": user_id,
            "history": [recommender.item_ids[value] for value in item_idx],
            "items": [
                {
                    "rank": result.rank,
                    "item_id": result.item_id,
                    "title": titles.get(result.item_idx),
                    "score": result.score,
                }
                for result in results
            ],
        }
        typer.echo(json.dumps(payload, indent=2))
        return

    plural = "" if len(item_idx) == 1 else "s"
    subject = f"user {user_id}" if user_id is not None else f"a history of {len(item_idx)} item{plural}"
    typer.echo(f"top {len(results)} items for {subject} from version {recommender.version}:")
    width = max([len("item id")] + [len(result.item_id) for result in results])
    typer.echo(f"{'rank':>4}  {'item id'.ljust(width)}  {'score':>8}  title")
    for result in results:
        title = titles.get(result.item_idx, "")
        typer.echo(f"{result.rank:>4}  {result.item_id.ljust(width)}  {result.score:>8.4f}  {title}")
