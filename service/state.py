"""What the app loads once at start-up, and how handlers reach it (typed dependency)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from service.engine import QueryEngine
from service.settings import Settings


@dataclass
class AppState:
    settings: Settings
    engine: QueryEngine
    # Writes through the API are serialised here and by the index's cross-process write lock.
    write_mutex: threading.Lock = field(default_factory=threading.Lock)


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.citeqa
    return state


State = Annotated[AppState, Depends(get_state)]
