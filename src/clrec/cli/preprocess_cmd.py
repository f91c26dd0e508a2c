"""`clrec preprocess`: placeholder until the step is built."""

from __future__ import annotations

from clrec.cli.common import ConfigOption, OverrideOption, fail, load_cli_config


def preprocess(config: ConfigOption = None, overrides: OverrideOption = None) -> None:
    """Run the preprocess step (not built yet)."""
    load_cli_config(config, overrides)
    fail("the preprocess step is not built yet")
