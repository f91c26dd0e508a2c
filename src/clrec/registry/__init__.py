"""Model registry: Faiss index of item embeddings, versioned publication, production pointer."""

from clrec.registry.publish import GateRejectedError, publish_model
from clrec.registry.registry import Leftover, Registry, RegistryError

__all__ = ["GateRejectedError", "Leftover", "Registry", "RegistryError", "publish_model"]
