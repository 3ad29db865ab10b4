"""A bounded, thread-safe LRU of query embeddings: evaluation runs ask the same questions again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np


class QueryVectorCache:
    def __init__(self, embed: Callable[[list[str]], np.ndarray], *, capacity: int) -> None:
        self._embed = embed
        self._capacity = capacity
        self._entries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_many(self, questions: list[str]) -> np.ndarray:
        """Vectors for `questions`, embedding only the ones not cached, in one forward pass."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for question in questions:
                if question in self._entries:
                    self._entries.move_to_end(question)
                    found[question] = self._entries[question]
        missing = list(dict.fromkeys(q for q in questions if q not in found))
        if missing:
            for question, vector in zip(missing, self._embed(missing), strict=True):
                found[question] = vector
            self._remember(missing, found)
        with self._lock:
            self.hits += len(questions) - len(missing)
            self.misses += len(missing)
        return np.stack([found[question] for question in questions])

    def _remember(self, questions: list[str], found: dict[str, np.ndarray]) -> None:
        if self._capacity <= 0:
            return
        with self._lock:
            for question in questions:
                self._entries[question] = found[question]
                self._entries.move_to_end(question)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
