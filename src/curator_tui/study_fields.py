"""The names of a study record's fields.

Their own module because the command line's parsers list them (``curator studies
--missing FIELD``) and building the parsers must stay cheap: every command builds them,
and importing the services (SQLAlchemy, the tables) costs a tenth of `curator export ID`.
"""

from __future__ import annotations

RECORD_FIELDS = (
    "doi",
    "title",
    "authors",
    "journal",
    "year",
    "volume",
    "issue",
    "pages",
    "pmid",
    "design",
    "sample_size",
    "retraction_nature",
    "retraction_date",
)
"""Every field of a study record, in the order listings show them."""
STUDY_FIELDS = tuple(
    name for name in RECORD_FIELDS if name not in ("doi", "retraction_nature", "retraction_date")
)
"""The fields a curator edits in a study's record (the DOI is its key)."""
MISSING_FIELDS = STUDY_FIELDS
"""The fields ``--missing FIELD`` can ask about."""
