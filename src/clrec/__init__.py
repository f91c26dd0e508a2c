"""CLRec: debiased deep candidate generation with a queue of cached item embeddings."""

__version__ = "0.1.0"
