"""Search results kept per live build: the same question is not encoded and ranked twice.

Keys carry the build directory, so a publish (a new build) is never answered from an old one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from retrieval.hits import SearchResult


class ResultCache:
    """A thread-safe LRU of search results; `size` 0 keeps nothing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, SearchResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> SearchResult | None:
        with self._lock:
            result = self._items.get(key)
            if result is not None:
                self._items.move_to_end(key)
            return result

    def put(self, key: Hashable, result: SearchResult) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = result
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
