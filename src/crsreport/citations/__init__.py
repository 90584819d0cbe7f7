"""Citations: a report's bibliography, ``[@key]`` in prose, CRS forms in every format.

``bibliography`` loads and checks the sources (CSL-JSON, BibTeX, CSL YAML), ``style``
formats them with citeproc-py and ``templates/csl/crs.csl``, ``syntax`` reads the
bracketed citations and ``cite`` is the tree pass. citeproc-py and bibtexparser are
imported only when a report cites something.
"""

from __future__ import annotations

from .cite import cite

__all__ = ["cite"]
