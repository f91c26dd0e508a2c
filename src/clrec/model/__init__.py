"""The CLRec model: towers, score, losses, the FIFO queue and the objectives built on them."""

from clrec.model.queue import ItemQueue
from clrec.model.spec import FeatureSpec, ModelSpec
from clrec.model.two_tower import TwoTowerModel

__all__ = ["FeatureSpec", "ItemQueue", "ModelSpec", "TwoTowerModel"]
