"""Training of the CLRec two-tower model and inference helpers for the later steps."""

from clrec.train.loop import TrainingError, train_model

__all__ = ["TrainingError", "train_model"]
