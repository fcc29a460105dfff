"""asl serve: the Step Functions API over HTTP, driven by boto3 and the AWS CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import asl
from asl.service.server import running

boto3 = pytest.importorskip("boto3")
pytest.importorskip("uvicorn")
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
PASS = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
# How many StartExecution calls the load test makes at once (ASL_LOAD_CALLS=1000 for the
# full-size run).
LOAD_CALLS = int(os.environ.get("ASL_LOAD_CALLS", "1000"))


def sfn(endpoint: str):
    return boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        # sync- host prefix of StartSyncExecution: not for a local endpoint
        config=Config(retries={"max_attempts": 0}, inject_host_prefix=False),
    )


@pytest.fixture(scope="module")
def endpoint():
    with asl.Client() as client, running(client) as url:
        yield url


def wait_done(client, arn, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = client.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.02)
    raise AssertionError(f"{arn} still running")


def test_boto3_round_trip(endpoint):
    client = sfn(endpoint)
    arn = client.create_state_machine(name="Boto", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    run = client.start_execution(stateMachineArn=arn, input='{"a": 1}')
    described = wait_done(client, run["executionArn"])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"a": 1}
    assert described["startDate"].tzinfo is not None  # a timestamp, parsed by botocore
    events = client.get_execution_history(executionArn=run["executionArn"])["events"]
    assert events[-1]["type"] == "ExecutionSucceeded"
    names = [m["name"] for m in client.list_state_machines()["stateMachines"]]
    assert "Boto" in names


def test_errors_reach_boto3_as_client_errors(endpoint):
    client = sfn(endpoint)
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:Missing"
    with pytest.raises(ClientError) as info:
        client.describe_state_machine(stateMachineArn=missing)
    error = info.value.response["Error"]
    assert error["Code"] == "StateMachineDoesNotExist"
    assert error["Message"] == f"State Machine Does Not Exist: '{missing}'"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(client.exceptions.InvalidDefinition):
        client.create_state_machine(name="Bad", definition="{}", roleArn=ROLE)


def test_start_sync_execution_over_http(endpoint):
    client = sfn(endpoint)
    arn = client.create_state_machine(name="Sync", definition=PASS, roleArn=ROLE, type="EXPRESS")[
        "stateMachineArn"
    ]
    result = client.start_sync_execution(stateMachineArn=arn, input='{"b": 2}')
    assert result["status"] == "SUCCEEDED" and json.loads(result["output"]) == {"b": 2}


def test_test_state_over_http(endpoint):
    result = sfn(endpoint).test_state(
        definition=json.dumps({"Type": "Pass", "Result": 7, "Next": "N"}),
        input="{}",
        inspectionLevel="DEBUG",
    )
    assert result["status"] == "SUCCEEDED" and result["output"] == "7"
    assert result["nextState"] == "N"


def test_protocol_errors(endpoint):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        endpoint,
        data=b"{}",
        headers={
            "X-Amz-Target": "AWSStepFunctions.NoSuchOperation",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request)
    assert info.value.code == 400
    body = json.loads(info.value.read())
    assert body == {
        "__type": "UnknownOperationException",
        "message": "Unknown operation NoSuchOperation",
    }


def test_aws_cli_with_endpoint_url(endpoint, tmp_path):
    aws = shutil.which("aws")
    if aws is None:
        pytest.skip("the AWS CLI is not installed")
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
    )

    def cli(*args: str) -> dict:
        done = subprocess.run(
            [aws, "--endpoint-url", endpoint, "stepfunctions", *args, "--output", "json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        if done.returncode != 0 and "not found" in done.stderr.lower():
            pytest.skip(f"the AWS CLI does not run here: {done.stderr.strip()}")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    arn = cli("create-state-machine", "--name", "Cli", "--definition", PASS, "--role-arn", ROLE)[
        "stateMachineArn"
    ]
    run = cli("start-execution", "--state-machine-arn", arn, "--input", '{"c": 3}')
    deadline = time.monotonic() + 20
    while True:
        described = cli("describe-execution", "--execution-arn", run["executionArn"])
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"c": 3}


def test_many_concurrent_start_execution_calls_lose_nothing(endpoint):
    """A bounded load test on loopback: LOAD_CALLS StartExecution calls at once from a
    pool of boto3 clients; every execution is listed and succeeds."""
    setup = sfn(endpoint)
    arn = setup.create_state_machine(name="Load", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    workers = 32
    clients = [sfn(endpoint) for _ in range(workers)]

    def start(i: int) -> str:
        client = clients[i % workers]
        return client.start_execution(stateMachineArn=arn, name=f"run-{i}", input=f'{{"i": {i}}}')[
            "executionArn"
        ]

    with ThreadPoolExecutor(workers) as pool:
        arns = list(pool.map(start, range(LOAD_CALLS)))
    assert len(set(arns)) == LOAD_CALLS
    listed: list[dict] = []
    token = None
    deadline = time.monotonic() + 60
    while True:
        kwargs = {"nextToken": token} if token else {}
        page = setup.list_executions(stateMachineArn=arn, maxResults=1000, **kwargs)
        listed += page["executions"]
        token = page.get("nextToken")
        if token:
            continue
        if all(e["status"] == "SUCCEEDED" for e in listed) or time.monotonic() > deadline:
            break
        listed, token = [], None
        time.sleep(0.1)
    assert {e["executionArn"] for e in listed} == set(arns)
    assert all(e["status"] == "SUCCEEDED" for e in listed)


def test_serve_command_keeps_state_across_restarts(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    state_dir = tmp_path / "state"

    def start_server() -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "asl",
                "serve",
                "--port",
                str(port),
                "--state-dir",
                str(state_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return process
            except OSError:
                if process.poll() is not None:
                    raise AssertionError(process.stderr.read().decode()) from None
                time.sleep(0.05)
        process.kill()
        raise AssertionError("asl serve did not start")

    def stop(process: subprocess.Popen) -> None:
        process.terminate()
        process.wait(timeout=20)

    server = start_server()
    try:
        client = sfn(url)
        arn = client.create_state_machine(name="Durable", definition=PASS, roleArn=ROLE)[
            "stateMachineArn"
        ]
        run = client.start_execution(stateMachineArn=arn, input='{"kept": true}')
        assert wait_done(client, run["executionArn"])["status"] == "SUCCEEDED"
    finally:
        stop(server)
    server = start_server()
    try:
        client = sfn(url)
        assert client.describe_state_machine(stateMachineArn=arn)["definition"] == PASS
        described = client.describe_execution(executionArn=run["executionArn"])
        assert described["status"] == "SUCCEEDED"
        assert json.loads(described["output"]) == {"kept": True}
        history = client.get_execution_history(executionArn=run["executionArn"])["events"]
        assert [e["type"] for e in history][-1] == "ExecutionSucceeded"
    finally:
        stop(server)


LAMBDA_TASK = json.dumps(
    {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
                "End": True,
            }
        },
    }
)


def test_sfn_mock_config_and_test_case_suffix(tmp_path):
    from asl.service.server import client_from_environment

    mock_file = tmp_path / "MockConfigFile.json"
    mock_file.write_text(
        json.dumps(
            {
                "StateMachines": {"Mocked": {"TestCases": {"Happy": {"Call": "Ok"}}}},
                "MockedResponses": {"Ok": {"0": {"Return": {"from": "mock"}}}},
            }
        )
    )
    client = client_from_environment(environ={"SFN_MOCK_CONFIG": str(mock_file)})
    with client, running(client) as url:
        sfn_client = sfn(url)
        arn = sfn_client.create_state_machine(name="Mocked", definition=LAMBDA_TASK, roleArn=ROLE)[
            "stateMachineArn"
        ]
        run = sfn_client.start_execution(stateMachineArn=arn + "#Happy")
        described = wait_done(sfn_client, run["executionArn"])
        assert json.loads(described["output"]) == {"from": "mock"}


def test_lambda_endpoint_forwards_invocations():
    import http.server

    seen: list[str] = []

    class FakeLambda(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # Invoke: POST /2015-03-31/functions/NAME/invocations
            seen.append(self.path)
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            body = json.dumps({"echoed": payload}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeLambda)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        from asl.service.server import client_from_environment

        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        with client_from_environment(environ={"LAMBDA_ENDPOINT": endpoint}) as client:
            arn = client.create_state_machine(name="Fwd", definition=LAMBDA_TASK, roleArn=ROLE)[
                "stateMachineArn"
            ]
            run = client.start_execution(stateMachineArn=arn, input='{"n": 1}')["executionArn"]
            described = wait_done(client, run)
        assert described["status"] == "SUCCEEDED", described
        assert json.loads(described["output"]) == {"echoed": {"n": 1}}
        assert seen and "/functions/" in seen[0] and "echo" in seen[0]
    finally:
        server.shutdown()


def test_serve_command_help_and_bad_functions(capsys):
    from asl.cli import main

    with pytest.raises(SystemExit) as info:
        main(["serve", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--state-dir" in out and "8083" in out
    assert main(["serve", "--functions", "no_such_module_anywhere"]) == 2
    assert "no_such_module_anywhere" in capsys.readouterr().err


def test_region_and_account_from_the_environment():
    from asl.service.server import client_from_environment

    env = {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCOUNT_ID": "111122223333"}
    with client_from_environment(environ=env) as client:
        arn = client.create_state_machine(name="Here", definition=PASS, roleArn=ROLE)[
            "stateMachineArn"
        ]
    assert arn == "arn:aws:states:eu-west-1:111122223333:stateMachine:Here"
    with client_from_environment(environ=env, region="us-west-2") as client:
        assert client.region == "us-west-2"


def test_the_web_page_lists_machines_and_executions_and_draws_them(endpoint):
    import urllib.parse
    import urllib.request

    client = sfn(endpoint)
    arn = client.create_state_machine(name="Pictured", definition=PASS, roleArn=ROLE)[
        "stateMachineArn"
    ]
    run = client.start_execution(stateMachineArn=arn, name="shown", input="{}")
    wait_done(client, run["executionArn"])

    def get(path: str) -> tuple[int, str]:
        request = urllib.request.Request(endpoint + path, headers={"Accept": "text/html"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")

    status, index = get("/")
    assert status == 200 and "Pictured" in index and "shown" in index
    assert "SUCCEEDED" in index
    quoted = urllib.parse.quote(run["executionArn"], safe="")
    assert f"/executions/{quoted}" in index
    status, view = get(f"/executions/{quoted}")
    assert status == 200 and "dagre" in view  # the graph with its bundled layout engine
    status, drawing = get(f"/state-machines/{urllib.parse.quote(arn, safe='')}")
    assert status == 200 and "Pictured" in drawing
    # without asking for HTML, GET / stays the API's health answer
    with urllib.request.urlopen(endpoint + "/", timeout=10) as response:
        assert json.loads(response.read()) == {"service": "AWSStepFunctions"}
