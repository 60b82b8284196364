"""``make bench``: the benchmark suite at 1M triples against every system (see bench/suite.py).

    make bench                       # installs the [bench] extra and Virtuoso first
    .venv/bin/python -m bench.run_all --triples 100000   # any bench.suite option

The other benchmarks (bench_service, bench_validation, bench_reasoning, bench_writes)
measure one component each and are run by hand; their commands are in docs/benchmarks.md.
"""

from __future__ import annotations

import sys

from bench.suite import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
