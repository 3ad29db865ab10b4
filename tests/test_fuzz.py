"""Schemathesis fuzzes every operation of the OpenAPI schema against a real `citeqa serve` on 127.0.0.1.

Valid and invalid inputs (positive and negative generation), a bounded number of examples per operation
so the suite stays fast. The one property: no 5xx, ever. The number of cases run is printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from tests.live_server import LiveServer, start_server

pytestmark = pytest.mark.slow
EXAMPLES_PER_OPERATION = 40


@pytest.fixture(scope="module")
def server(index_dir: Path) -> Iterator[LiveServer]:
    """Over the module's own copy of the sample index: fuzzed writes must not touch the shared one."""
    log = index_dir.parent / "server.log"
    live = start_server(index_dir, log=log, env={"CITEQA_REQUEST_TIMEOUT_S": "60"})
    yield live
    live.stop()


def test_no_operation_answers_5xx(server: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6, [op.label for op in operations]
    failures: list[str] = []
    counts: dict[str, int] = {}

    for operation in operations:
        counts[operation.label] = 0
        modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        cases = st.one_of(*(operation.as_strategy(mode) for mode in modes))

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=cases)
        def exercise(case: schemathesis.Case) -> None:
            response = case.call(base_url=server.url, timeout=120)
            counts[case.operation.label] += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")

        exercise()

    print(f"\nschemathesis: {sum(counts.values())} cases over {len(counts)} operations: {counts}")
    assert failures == [], failures[:5]
    assert server.process.poll() is None, "the server died while being fuzzed"
    assert "Traceback" not in server.log_text()
