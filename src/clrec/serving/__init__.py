"""Serving: recommendations from the registry's production version."""

from clrec.serving.recommend import Recommendation, Recommender, UnknownItemError

__all__ = ["Recommendation", "Recommender", "UnknownItemError"]
