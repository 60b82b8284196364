"""Cold start, trivial ASK and /health latency of an older source tree versus this one,
interleaved round by round so that both see the same load on a shared machine.

    mkdir -p /tmp/before && git archive da65c12 src | tar -x -C /tmp/before
    .venv/bin/python -m bench.bench_before_after --before /tmp/before/src --rounds 7

The older tree runs from the same virtual environment (PYTHONPATH first on sys.path);
this tree uses a fresh start-up cache, filled once before the rounds. Not part of the tests.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1",0)); return int(s.getsockname()[1])
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--before", required=True, help="the src directory of the older tree")
parser.add_argument("--rounds", type=int, default=7)
args = parser.parse_args()
cache=tempfile.mkdtemp()
ENVS={"before":{"PYTHONPATH":args.before},"after":{"ATMP_GRAPH_CACHE_DIR":cache}}
def start(env: dict[str, str], extra: tuple[str, ...] = ()) -> tuple[subprocess.Popen[bytes], str, float]:
    port=free_port(); t0=time.perf_counter()
    p=subprocess.Popen([sys.executable,"-m","atmp_graph","serve","--port",str(port),*extra],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL,env={**os.environ,**env})
    while True:
        assert p.poll() is None
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health",timeout=2).status_code<500: break
        except httpx.TransportError: pass
        time.sleep(0.02)
    return p, f"http://127.0.0.1:{port}", time.perf_counter()-t0
cold: dict[str, list[float]] = {k: [] for k in ENVS}
ask: dict[str, list[float]] = {k: [] for k in ENVS}
health: dict[str, list[float]] = {k: [] for k in ENVS}
warm = start(ENVS["after"])[0]  # fill the cache once
warm.terminate()
warm.wait()
for rnd in range(args.rounds):
    for name,env in ENVS.items():
        p,url,sec=start(env); cold[name].append(sec)
        with httpx.Client(timeout=60) as c:
            def med(u: str, params: dict[str, str] | None = None) -> float:
                ts=[]
                for i in range(40):
                    t=time.perf_counter(); c.get(u,params=params,headers={"Accept":"application/sparql-results+json"}).raise_for_status()
                    if i>=10: ts.append(time.perf_counter()-t)
                return statistics.median(ts)*1000
            time.sleep(1)
            ask[name].append(med(url+"/sparql",{"query":"ASK { ?s ?p ?o }"})); health[name].append(med(url+"/health"))
        p.terminate(); p.wait()
    print(rnd, {k:(round(cold[k][-1],2), round(ask[k][-1],2), round(health[k][-1],2)) for k in ENVS}, os.getloadavg()[0], flush=True)
print("| measure | before | after | ratio after/before |\n|---|---|---|---|")
for what,d in (("cold start s",cold),("ASK ms",ask),("/health ms",health)):
    b,a=statistics.median(d["before"]),statistics.median(d["after"])
    print(f"| {what} | {b:.2f} | {a:.2f} | {a/b:.2f} |")
