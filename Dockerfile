# atmp-graph as a container: the stateless service, embedded store or remote SPARQL store.
# Build:  docker build -t atmp-graph .
# Run:    docker run -p 8000:8000 atmp-graph
#         docker run -p 8000:8000 -e ATMP_GRAPH_BACKEND=sparql -e ATMP_GRAPH_ENDPOINT=http://store:8890/sparql-auth \
#           -e ATMP_GRAPH_REMOTE_USER=... -e ATMP_GRAPH_REMOTE_PASSWORD=... atmp-graph
# Configuration is by ATMP_GRAPH_* environment variables (docs/deployment.md). The health
# check passes while /health says "ready" (a remote store that stops answering makes it fail).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ATMP_GRAPH_HOST=0.0.0.0 \
    ATMP_GRAPH_PORT=8000

WORKDIR /app
# The ontology, KB, shapes and named queries are read from the project tree next to the
# package (atmp_graph.namespaces.PROJECT_ROOT), so the tree is installed in place (-e).
COPY pyproject.toml README.md ./
COPY src ./src
COPY ontology ./ontology
COPY shapes ./shapes
COPY queries ./queries
RUN pip install -e . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin atmp \
    && chown -R atmp /app
USER atmp

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import json, os, sys, urllib.request; url = 'http://127.0.0.1:%s/health' % os.environ.get('ATMP_GRAPH_PORT', '8000'); sys.exit(0 if json.load(urllib.request.urlopen(url, timeout=4)).get('ready') else 1)"]
CMD ["atmp-graph", "serve"]
