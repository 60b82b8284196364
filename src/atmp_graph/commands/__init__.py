"""Sub-commands of the ``atmp-graph`` CLI, one module each (see ``atmp_graph.cli``)."""
