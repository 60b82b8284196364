"""The regulatory navigator: which requirements apply to a planned CAR-T or TCR-T product.

A :class:`~atmp_graph.navigator.profile.Profile` (product kind, cell origin, gene-transfer
method, target, sponsor, country, route, phase) is matched against the requirements and
knowledge gaps of the KB (``ontology/kb/requirements*.ttl``) by the generic SPARQL queries
in ``queries/navigator/``; nothing in this package names a requirement. The
:class:`~atmp_graph.navigator.answer.Answer` groups what applies by category, says why
(the profile facts and the conditions they meet) and where it comes from (sources), and
lists plainly what the KB does not know for the profile. See docs/navigator.md.
"""

from __future__ import annotations

from atmp_graph.navigator.answer import Answer, Item, Reason
from atmp_graph.navigator.evaluate import Select, navigate, store_select
from atmp_graph.navigator.profile import Profile, ProfileError, parse_profile

__all__ = ["Answer", "Item", "Profile", "ProfileError", "Reason", "Select", "navigate", "parse_profile", "store_select"]
