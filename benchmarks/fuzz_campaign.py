"""A longer fuzzing campaign of the executor: random machines, inputs and handlers.

    python benchmarks/fuzz_campaign.py [--minutes 5] [--seed N]

Runs the property of ``tests/fuzz/test_executor_fuzz.py`` (no exception escapes
``asl.run``; executions end SUCCEEDED, FAILED or TIMED_OUT; causes of ``States.*`` errors
hold no Python text) on fresh random examples until the time is up, printing how many
ran and every failure found (shrunk), with the seed that reproduces it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import seed as with_seed  # noqa: E402
from hypothesis.errors import Flaky  # noqa: E402

from tests.fuzz.executor_strategies import (  # noqa: E402
    HANDLER_OUTCOMES,
    JSON,
    check_execution,
    machines,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--batch", type=int, default=500, help="examples per round")
    args = parser.parse_args()
    deadline = time.monotonic() + args.minutes * 60
    rng = random.Random(args.seed)
    ran = failures = rounds = 0
    count = [0]  # examples run in the current round
    while time.monotonic() < deadline:
        seed = rng.randrange(2**32)
        count[0] = 0

        @settings(
            max_examples=args.batch,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(definition=machines(), data=JSON, outcome=HANDLER_OUTCOMES)
        def prop(definition: dict[str, Any], data: Any, outcome: tuple[str, Any]) -> None:
            count[0] += 1
            check_execution(definition, data, outcome)

        rounds += 1
        try:
            with_seed(seed)(prop)()
        except (AssertionError, Exception, Flaky):
            failures += 1
            if failures >= 20:
                print("stopping after 20 failing rounds")
                deadline = 0
            print(f"--- failure in round {rounds} (seed {seed}):")
            traceback.print_exc(limit=3)
        ran += count[0]
        print(f"round {rounds}: {ran} examples, {failures} failures", flush=True)
    print(f"TOTAL examples={ran} rounds={rounds} failures={failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
