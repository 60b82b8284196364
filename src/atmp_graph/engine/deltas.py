"""The log of committed changes that the query workers have yet to apply, by generation.

Generation ``g`` is the state after the ``g``-th committed write; the log keeps, for each
generation in ``(floor, generation]``, the ``apply`` message (header and N-Quads) that
takes a worker from ``g - 1`` to ``g``. A worker at generation ``w >= floor`` catches up
by receiving the messages of ``w + 1`` to ``generation``, in order, before its next
query; a worker below ``floor`` cannot, and is replaced by a fork of the current state.

The changes are exact (what was present before and absent after, and the reverse), so
applying them to a state newer than a worker's tag still ends in the current state: the
last change that touched a quad decides whether it is there.

>>> log = DeltaLog(max_quads=10)
>>> log.commit(1, b"a", quads=4); log.commit(2, b"b", quads=4)
>>> log.catch_up(0), log.catch_up(1), log.catch_up(2)
(b'ab', b'b', b'')
>>> log.commit(3, b"c", quads=4)  # 12 quads: the oldest goes, workers at 0 are forked anew
>>> log.floor, log.catch_up(0), log.catch_up(1)
(1, None, b'bc')
>>> log.trim(oldest_needed=2); len(log), log.catch_up(2)
(1, b'c')
>>> log.commit(4, None, quads=50_000)  # not shipped: every worker before 4 is forked anew
>>> log.floor, len(log), log.catch_up(3), log.catch_up(4)
(4, 0, None, b'')
"""

from __future__ import annotations

from collections import OrderedDict

# Above this many changed quads (asserted, entailed and change log together) a commit is not
# shipped: the zygote forks workers of the new state instead; and a worker whose missing
# changes add up to more is forked anew rather than caught up. Every worker parses and
# inserts a shipped change itself, about 5 us a quad: 10,000 quads cost 50 ms or more per
# worker (and copy-on-write faults on the pages they touch), about what the first query of
# a fresh fork of a 1M-triple store pays extra (docs/benchmarks.md, issue 6). A small write
# is a few dozen quads; a PUT of a big graph, or a schema change that re-materialises the
# entailments, is forked.
MAX_SHIPPED_QUADS = 10_000


class DeltaLog:
    """Apply messages by generation, bounded to ``max_quads`` changed quads in all."""

    def __init__(self, *, max_quads: int) -> None:
        self.max_quads = max_quads
        self.generation = 0  # the latest committed change
        self.floor = 0  # the oldest generation a worker can catch up from
        self._entries: OrderedDict[int, tuple[bytes, int]] = OrderedDict()
        self._quads = 0

    def __len__(self) -> int:
        return len(self._entries)

    def commit(self, generation: int, message: bytes | None, *, quads: int) -> None:
        """Record generation ``generation``'s change; ``None``: it was not shipped (workers were forked).

        A gap (a change the server never heard of) is taken as a change not shipped.
        """
        gap = generation != self.generation + 1
        self.generation = max(self.generation, generation)
        if message is None or gap:
            self._drop_until(generation)
            return
        self._entries[generation] = (message, quads)
        self._quads += quads
        # A worker this far behind pays more catching up than a fresh fork does (zygote.MAX_SHIPPED_QUADS).
        while self._quads > self.max_quads:
            self._drop_until(next(iter(self._entries)))

    def catch_up(self, since: int) -> bytes | None:
        """What takes a worker at ``since`` to the current generation; None if it must be forked anew."""
        if since < self.floor:
            return None
        return b"".join(message for g, (message, _) in self._entries.items() if g > since)

    def trim(self, *, oldest_needed: int) -> None:
        """Drop the changes every worker has: those up to ``oldest_needed``, the oldest worker's generation."""
        if self._entries and next(iter(self._entries)) <= oldest_needed:
            self._drop_until(min(oldest_needed, self.generation))

    def _drop_until(self, generation: int) -> None:
        while self._entries and next(iter(self._entries)) <= generation:
            _, (_, quads) = self._entries.popitem(last=False)
            self._quads -= quads
        self.floor = max(self.floor, generation)
