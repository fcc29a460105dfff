"""The virtual clock: waiting costs nothing while timestamps move as if it had."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import anyio

import asl
from asl.clock import RealClock, VirtualClock


def test_one_year_wait_is_instant_and_advances_timestamps():
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    definition = {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 31_536_000, "Next": "After"},
            "After": {"Type": "Pass", "Parameters": {"t.$": "$$.State.EnteredTime"}, "End": True},
        },
    }
    t0 = time.monotonic()
    ex = asl.run(definition, {}, clock=VirtualClock(start))
    assert time.monotonic() - t0 < 5  # generous: the point is "not a year"
    entered = datetime.fromisoformat(ex.output["t"].replace("Z", "+00:00"))
    assert timedelta(days=365) <= entered - start < timedelta(days=365, minutes=1)
    assert ex.stop_date is not None and ex.stop_date - ex.start_date >= timedelta(days=365)


def test_wait_timestamp_in_the_future_moves_the_clock_to_it():
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    definition = {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Timestamp": "2024-03-01T00:00:00Z", "Next": "After"},
            "After": {"Type": "Pass", "Parameters": {"t.$": "$$.State.EnteredTime"}, "End": True},
        },
    }
    ex = asl.run(definition, {}, clock=VirtualClock(start))
    assert ex.output["t"].startswith("2024-03-01T00:00:0")


def test_parallel_branches_keep_their_own_timelines_and_join_at_the_latest():
    clock = VirtualClock(datetime(2024, 1, 1, tzinfo=timezone.utc))

    def branch(seconds: int) -> dict:
        name = f"W{seconds}"  # state names are unique across the whole machine
        return {
            "StartAt": name,
            "States": {name: {"Type": "Wait", "Seconds": seconds, "End": True}},
        }

    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "Branches": [branch(10), branch(100)], "Next": "T"},
            "T": {"Type": "Pass", "Parameters": {"t.$": "$$.State.EnteredTime"}, "End": True},
        },
    }
    ex = asl.run(definition, {}, clock=clock)
    assert ex.output["t"].startswith("2024-01-01T00:01:4")  # 100 s later, not 110 s


def test_retry_back_off_is_instant_but_counted():
    calls: list[str] = []

    def flaky(event, context):
        calls.append(context.aws_request_id)
        if len(calls) < 4:
            raise RuntimeError("try again")
        return "done"

    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                "Retry": [
                    {"ErrorEquals": ["RuntimeError"], "IntervalSeconds": 100, "MaxAttempts": 3}
                ],
                "End": True,
            }
        },
    }
    t0 = time.monotonic()
    ex = asl.run(definition, {}, functions={"flaky": flaky})
    assert time.monotonic() - t0 < 5
    assert ex.status == "SUCCEEDED" and ex.output == "done"
    assert len(calls) == 4
    # back-off 100 + 200 + 400 seconds of virtual time
    assert (ex.stop_date - ex.start_date).total_seconds() >= 700


def test_real_clock_really_waits():
    async def main() -> float:
        clock = RealClock()
        t0 = time.monotonic()
        await clock.sleep(0.05)
        return time.monotonic() - t0

    assert anyio.run(main) >= 0.05


def test_real_clock_wait_state():
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}
    t0 = time.monotonic()
    ex = asl.run(definition, {"a": 1}, clock="real")
    assert ex.output == {"a": 1}
    assert time.monotonic() - t0 >= 1


FAST = "arn:aws:lambda:us-east-1:123456789012:function:fast"


def test_a_virtual_wait_lets_real_work_beside_it_finish_first():
    # one branch waits an hour of virtual time while the other runs a handler for real:
    # time jumps only once the handler is done, so the history reads as on AWS
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "W",
                        "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}},
                    },
                    {
                        "StartAt": "T",
                        "States": {"T": {"Type": "Task", "Resource": FAST, "End": True}},
                    },
                ],
                "End": True,
            }
        },
    }

    def fast(event, context):
        time.sleep(0.05)
        return "done"

    ex = asl.run(definition, {}, functions={"fast": fast})
    assert ex.status == "SUCCEEDED", ex.cause
    types = [e["type"] for e in ex.history]
    assert types.index("LambdaFunctionSucceeded") < types.index("WaitStateExited")
    stamps = [e["timestamp"] for e in ex.history]
    assert stamps == sorted(stamps)


def test_concurrent_waits_end_in_order_of_their_deadlines():
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "W",
                    "States": {"W": {"Type": "Wait", "SecondsPath": "$", "End": True}},
                },
                "End": True,
            }
        },
    }
    seconds = [50, 10, 30, 20, 40]
    ex = asl.run(definition, seconds)
    assert ex.status == "SUCCEEDED", ex.cause
    done = [
        e["mapIterationSucceededEventDetails"]["index"] for e in ex.events("MapIterationSucceeded")
    ]
    assert [seconds[i] for i in done] == sorted(seconds)
    stamps = [e["timestamp"] for e in ex.history]
    assert stamps == sorted(stamps)


def test_a_thousand_concurrent_waits_stay_cheap():
    # waits due at the same moment are released together, not one scan of the loop each
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "MaxConcurrency": 1000,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "W",
                    "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}},
                },
                "End": True,
            }
        },
    }
    ex = asl.run(definition, list(range(1000)))
    assert ex.status == "SUCCEEDED", ex.cause
    assert len(ex.output) == 1000
