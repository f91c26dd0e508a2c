"""One k-core round for one user; the whole iteration runs in the golden and failure tests."""

from __future__ import annotations

from clrec.preprocess.kcore import KCoreRoundFn, peel_user


def test_peel_drops_dead_items():
    assert peel_user(["a", "b", "a"], {"b": 1}, min_user_events=2) == ["a", "a"]


def test_peel_drops_short_user():
    assert peel_user(["a", "b"], {"b": 1}, min_user_events=2) == []


def test_round_emits_deltas():
    # User keeps nothing: "a" twice and "b" once leave, so counts drop by 2 and 1.
    outputs = list(KCoreRoundFn(min_user_events=3).process(("u", ["a", "b", "a"]), dead_items={"b": 1}))
    deltas = sorted(output.value for output in outputs)
    assert deltas == [("a", -2), ("b", -1)]


def test_round_keeps_unchanged_user():
    outputs = list(KCoreRoundFn(min_user_events=2).process(("u", ["a", "b"]), dead_items={}))
    assert outputs == [("u", ["a", "b"])]
