#!/usr/bin/env python3
"""Step Functions API benchmarks: StartExecution throughput, in process and over HTTP.

    python benchmarks/service_bench.py                    # 2,000 calls each way
    python benchmarks/service_bench.py --calls 5000 --workers 64

In process: ``asl.Client.start_execution`` from a thread pool.  Over HTTP: the same
client served by ``asl serve``'s ASGI app on a loopback port, called by a pool of boto3
clients.  Each prints calls/s for the starts and the time until every execution has
succeeded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asl  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/Bench"
DEFINITION = json.dumps(
    {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Parameters": {"v.$": "$.i"}, "Next": "B"},
            "B": {"Type": "Pass", "End": True},
        },
    }
)


def _drain(list_executions, arn: str, calls: int) -> None:
    while True:
        done = 0
        token = None
        while True:
            kwargs = {"nextToken": token} if token else {}
            page = list_executions(stateMachineArn=arn, maxResults=1000, **kwargs)
            done += sum(e["status"] == "SUCCEEDED" for e in page["executions"])
            token = page.get("nextToken")
            if not token:
                break
        if done >= calls:
            return
        time.sleep(0.05)


def bench(label: str, make_client, calls: int, workers: int) -> None:
    clients = [make_client() for _ in range(workers)]
    arn = clients[0].create_state_machine(name=label, definition=DEFINITION, roleArn=ROLE)[
        "stateMachineArn"
    ]

    def start(i: int) -> None:
        clients[i % workers].start_execution(stateMachineArn=arn, input=json.dumps({"i": i}))

    began = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(start, range(calls)))
    started = time.perf_counter() - began
    _drain(clients[0].list_executions, arn, calls)
    finished = time.perf_counter() - began
    print(
        f"{label:12s} {calls} StartExecution calls: {calls / started:8.0f} calls/s, "
        f"all succeeded after {finished:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=32)
    ns = parser.parse_args()

    with asl.Client() as client:
        bench("in-process", lambda: client, ns.calls, ns.workers)

    import boto3
    from botocore.config import Config

    from asl.service.server import running

    with asl.Client() as client, running(client) as url:

        def boto() -> object:
            return boto3.client(
                "stepfunctions",
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="bench",
                aws_secret_access_key="bench",
                config=Config(retries={"max_attempts": 0}, max_pool_connections=ns.workers),
            )

        bench("http", boto, ns.calls, ns.workers)


if __name__ == "__main__":
    main()
