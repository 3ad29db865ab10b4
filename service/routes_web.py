"""The browser front end: two static pages and their assets, served from the package (no build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

STATIC = Path(__file__).parent / "static"

# The pages load only their own script and stylesheet and render every datum as text; this policy makes a
# slip in that rule (an injected <script> or onerror=) inert instead of exploitable.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Assets are small and change with the package: always revalidate (FileResponse sends an ETag).
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/html; charset=utf-8", headers=_HEADERS)


@router.get("/")
def search_page() -> FileResponse:
    return _page("index.html")


@router.get("/documents/{doc_id:path}")
def document_page(doc_id: str) -> FileResponse:
    # The page itself fetches /v1/documents/{id}, so an unknown id is reported there, with the API's words.
    return _page("document.html")


@router.get("/static/{name}")
def asset(name: str) -> FileResponse:
    # Only plain files directly in static/ are served: no path can climb out of the package.
    path = STATIC / name
    if "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        raise HTTPException(status_code=404, detail=f"no static file {name!r}")
    return FileResponse(path, headers=_HEADERS)
