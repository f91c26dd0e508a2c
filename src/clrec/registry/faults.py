"""Fault injection for publication: end the process abruptly after a named stage.

Tests set `CLREC_REGISTRY_CRASH_AFTER=<stage>` in a child process to check
that a publication killed at any point leaves the production version as it
was. With the variable unset, `crash_point` does nothing.
"""

from __future__ import annotations

import os

CRASH_ENV_VAR = "CLREC_REGISTRY_CRASH_AFTER"
CRASH_EXIT_CODE = 86

# Every stage of a publication, in order. The version becomes visible after
# "version_committed" and production changes only at "production_replaced".
PUBLISH_STAGES: tuple[str, ...] = (
    "staging_created",
    "index_written",
    "item_ids_written",
    "user_tower_written",
    "configs_written",
    "manifest_written",
    "files_synced",
    "version_committed",
    "production_temp_written",
    "production_replaced",
)


def crash_point(stage: str) -> None:
    """End the process with `os._exit` when `CLREC_REGISTRY_CRASH_AFTER` names `stage`.

    `os._exit` skips cleanup handlers and buffered writes, as a killed process
    would. Raises `ValueError` when the variable names an unknown stage, so a
    misspelt stage cannot make a crash test pass without crashing.
    """
    requested = os.environ.get(CRASH_ENV_VAR)
    if not requested:
        return
    if requested not in PUBLISH_STAGES:
        raise ValueError(
            f"{CRASH_ENV_VAR}={requested!r} is not a publication stage; "
            f"use one of {', '.join(PUBLISH_STAGES)}"
        )
    if requested == stage:
        os._exit(CRASH_EXIT_CODE)
