"""Curation: from an archived article to curated YAML, for a researcher running the app locally.

Off unless the environment says ``CONFLICT_MAP_CURATE=1`` (README, "Curating in the app"). When off,
the app registers no Curate page and every write function here refuses (`CurateDisabled`), so a
public deployment cannot write even if some page called them by mistake. Nothing here imports
Streamlit: ``pages/curate.py`` is a thin view over these modules.

- ``events.curate.files`` — paths confined to the data folder, atomic writes, diffs, the plan of
  changes a Save makes and its validation with ``python -m events validate``'s own rules.
- ``events.curate.yamlout`` — readable YAML for events, sources and new actors.
- ``events.curate.extract`` — the article's main text (trafilatura) and proposals: claims,
  places, dates and tolls, each with the words it came from.
"""
from __future__ import annotations

import os

ENV = "CONFLICT_MAP_CURATE"


def enabled() -> bool:
    """True only when the local setting asks for curation (``CONFLICT_MAP_CURATE=1``)."""
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")


class CurateDisabled(RuntimeError):
    """A write was attempted while curation is off."""
