"""Access control: a bearer API key for writes (and, when asked, reads), compared in constant time."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.state import State

# auto_error=False: a missing header must give our own 401 message, and only when a key is configured.
_bearer = HTTPBearer(auto_error=False, description="the value of CITEQA_API_KEY")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def check_key(expected: str | None, credentials: HTTPAuthorizationCredentials | None) -> None:
    """Pass when no key is configured or the bearer token matches it; raise a 401 otherwise."""
    if expected is None:
        return
    if credentials is None:
        raise _unauthorized("this endpoint needs an `Authorization: Bearer <key>` header (CITEQA_API_KEY is set)")
    # Compare bytes: compare_digest refuses non-ASCII str, and a header may carry any Latin-1 text.
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise _unauthorized("the API key in the Authorization header is not valid")


def _configured_key(state: State) -> str | None:
    key = state.settings.api_key
    return None if key is None else key.get_secret_value()


def require_write_key(state: State, credentials: Credentials) -> None:
    """Dependency of every write endpoint."""
    check_key(_configured_key(state), credentials)


def require_read_key(state: State, credentials: Credentials) -> None:
    """Dependency of read endpoints: open unless CITEQA_API_KEY_READS=1."""
    if state.settings.api_key_reads:
        check_key(_configured_key(state), credentials)
