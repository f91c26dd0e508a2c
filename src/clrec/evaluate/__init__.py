"""Evaluation of a trained model: full-corpus and sampled metrics, popularity bias and the promotion gate."""

from clrec.evaluate.run import evaluate_model

__all__ = ["evaluate_model"]
