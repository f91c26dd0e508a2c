"""The Feast feature step: sources, apply, materialise, offline and online retrieval.

`build_features` runs the pipeline step. `clrec.features.online.OnlineFeatures`
reads user histories and item titles from the online store for serving.
Feast itself is imported only inside the functions that use it, because its
import takes seconds.
"""

from clrec.features.build import build_features
from clrec.features.errors import FeatureStepError
from clrec.features.names import UNKNOWN_TOKEN

__all__ = ["FeatureStepError", "UNKNOWN_TOKEN", "build_features"]
