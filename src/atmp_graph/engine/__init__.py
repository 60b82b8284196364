"""Query execution in killable worker processes (see docs/operations.md, "Query workers").

pyoxigraph cannot cancel a running query, so queries run in worker processes that
the server can kill at their deadline. A single-threaded *zygote* process holds the
store and forks workers on request; each worker inherits a copy-on-write snapshot
(in memory) or opens the on-disk store read-only, and streams results back over a
Unix socket whose other end the zygote hands to the server. Committed writes reach the
running workers as their net change, applied before their next query (see pool.py).
"""
