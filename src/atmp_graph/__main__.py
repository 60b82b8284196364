"""``python -m atmp_graph`` runs the command-line interface."""

from atmp_graph.cli import main

raise SystemExit(main())
