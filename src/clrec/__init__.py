"""CLRec: debiased deep candidate generation with a queue of cached item embeddings."""

__version__ = "0.1.0"

import logging as _logging

# faiss-cpu logs every instruction-set build it fails to load at INFO level.
_logging.getLogger("faiss.loader").setLevel(_logging.WARNING)
