"""Start-up integrity: refuse to serve an index whose parts disagree, and say how to repair it."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import ConfigurationError, IndexFormatError
from service.settings import Settings


def refuse_if_unsound(index_dir: Path, problems: list[str]) -> None:
    if problems:
        raise IndexFormatError(
            f"the index at {index_dir} is inconsistent ({'; '.join(problems)}); "
            f"run `citeqa doctor --repair --index {index_dir}` to rebuild it from the stored data"
        )


LOOPBACK = ("127.", "localhost", "::1")


def refuse_open_writes(settings: Settings) -> None:
    """Write endpoints on a non-loopback address need an API key: refuse to start without one."""
    exposed = not settings.host.startswith(LOOPBACK)
    if exposed and settings.api_key is None:
        raise ConfigurationError(
            f"refusing to serve write endpoints on {settings.host} without an API key; set CITEQA_API_KEY "
            "or bind to 127.0.0.1"
        )
