"""The executor under random machines, inputs and handlers (a fixed example budget;
``python benchmarks/fuzz_campaign.py`` runs a longer campaign)."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, given, settings

from tests.fuzz.executor_strategies import HANDLER_OUTCOMES, JSON, check_execution, machines

EXAMPLES = int(os.environ.get("ASL_FUZZ_EXAMPLES", "150"))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(definition=machines(), data=JSON, outcome=HANDLER_OUTCOMES)
def test_any_machine_ends_as_aws_ends_executions(
    definition: dict[str, Any], data: Any, outcome: tuple[str, Any]
) -> None:
    check_execution(definition, data, outcome)
