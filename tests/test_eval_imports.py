"""The data flow is one-way: eval talks to the service over HTTP and imports neither ingest nor service."""

from __future__ import annotations

import ast
from pathlib import Path

EVAL = Path(__file__).resolve().parents[1] / "eval"


def imports(path: Path) -> list[tuple[str, str]]:
    """(kind, module) for each import statement: kind "import" or "from"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [("import", alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(("from", node.module))
    return found


def test_eval_imports_neither_ingest_nor_service() -> None:
    files = sorted(EVAL.glob("*.py"))
    assert len(files) > 5
    for path in files:
        for _, module in imports(path):
            assert module.split(".")[0] not in {"ingest", "service"}, f"{path.name} imports {module}"


def test_eval_is_never_imported_by_its_bare_name() -> None:
    """`eval` shadows a builtin: `from eval import metrics`, never `import eval`."""
    for path in sorted(EVAL.glob("*.py")) + sorted(EVAL.parent.glob("tests/test_eval_*.py")):
        for kind, module in imports(path):
            assert not (kind == "import" and module.split(".")[0] == "eval"), f"{path.name}: import {module}"
