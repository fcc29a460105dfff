"""``asl serve``: the Step Functions API over HTTP, as AWS speaks it (JSON 1.0).

Requests are ``POST /`` with ``X-Amz-Target: AWSStepFunctions.<Operation>`` and a JSON
body of the operation's parameters; answers are the response as JSON (timestamps as
epoch seconds), or HTTP 400 with ``{"__type": code, "message": ...}``.  boto3, the AWS
CLI (``--endpoint-url``), the other SDKs, SAM and Terraform work against it unchanged.

Step Functions Local's conventions hold: port 8083, ``SFN_MOCK_CONFIG`` naming a mock
configuration whose test case a ``#TestCaseName`` suffix on the state machine ARN of
StartExecution selects, ``LAMBDA_ENDPOINT`` forwarding Lambda calls to another
endpoint (e.g. ``sam local start-lambda``), ``AWS_DEFAULT_REGION`` and
``AWS_ACCOUNT_ID`` shaping the ARNs.  The ASGI server is uvicorn (the ``serve``
extra), imported only here.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from asl.errors import ConfigurationError
from asl.service.client import Client
from asl.service.errors import ApiError

_TARGET_PREFIX = "AWSStepFunctions."
_CONTENT_TYPE = b"application/x-amz-json-1.0"

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _wire(value: Any) -> Any:
    """A response value as the JSON protocol sends it (timestamps as epoch seconds)."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def _operations() -> dict[str, Callable[..., Any]]:
    from asl.service.shapes import operation_names, snake

    table = {}
    for name in operation_names():
        method = getattr(Client, snake(name), None)
        if method is not None:
            table[name] = method
    return table


def make_app(client: Client) -> Callable[[dict[str, Any], Receive, Send], Awaitable[None]]:
    """The ASGI application serving ``client``'s API."""
    import anyio.to_thread

    operations = _operations()

    async def respond(send: Send, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(_wire(body), ensure_ascii=False, separators=(",", ":")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", _CONTENT_TYPE),
                    (b"content-length", str(len(data)).encode()),
                    (b"x-amzn-requestid", str(uuid.uuid4()).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})

    async def error(send: Send, code: str, message: str, status: int = 400) -> None:
        await respond(send, status, {"__type": code, "message": message})

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = await receive()
                if event["type"] == "lifespan.startup":
                    # blocking operations (long polls, synchronous executions) run in
                    # threads: let many wait at once
                    anyio.to_thread.current_default_thread_limiter().total_tokens = 256
                    await send({"type": "lifespan.startup.complete"})
                elif event["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            event = await receive()
            chunks.append(event.get("body", b""))
            if not event.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        target = headers.get("x-amz-target", "")
        if scope["method"] == "GET" and not target:
            if "text/html" in headers.get("accept", "") or scope["path"] not in ("", "/"):
                # the web page: state machines, executions and their pictures
                from asl.service.web import page

                status, text = await anyio.to_thread.run_sync(page, client, scope["path"])
                data = text.encode("utf-8")
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [
                            (b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(data)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": data})
                return
            await respond(send, 200, {"service": "AWSStepFunctions"})
            return
        if not target.startswith(_TARGET_PREFIX):
            await error(send, "UnknownOperationException", f"Unknown target: {target!r}")
            return
        operation = target[len(_TARGET_PREFIX) :]
        method = operations.get(operation)
        if method is None:
            await error(send, "UnknownOperationException", f"Unknown operation {operation}")
            return
        try:
            params = json.loads(b"".join(chunks) or b"{}")
        except ValueError as e:
            await error(send, "SerializationException", f"The request body is not JSON: {e}")
            return
        if not isinstance(params, dict):
            await error(send, "SerializationException", "The request body must be a JSON object")
            return
        try:
            result = await anyio.to_thread.run_sync(lambda: method(client, **params))
        except ApiError as e:
            await error(send, e.code, e.message)
            return
        except Exception as e:  # a bug, not the caller's fault: say so, keep serving
            await error(send, "InternalFailure", f"{type(e).__name__}: {e}", status=500)
            return
        await respond(send, 200, result)

    return app


def client_from_environment(
    *, state_dir: Any = None, environ: Mapping[str, str] | None = None, **options: Any
) -> Client:
    """A `Client` configured as Step Functions Local is: ``SFN_MOCK_CONFIG``,
    ``LAMBDA_ENDPOINT``, ``AWS_DEFAULT_REGION`` and ``AWS_ACCOUNT_ID`` from the
    environment (``options`` win), ``options`` for the rest."""
    env = os.environ if environ is None else environ
    if options.get("region") is None:
        options["region"] = env.get("AWS_DEFAULT_REGION") or "us-east-1"
    if options.get("account_id") is None:
        options["account_id"] = env.get("AWS_ACCOUNT_ID") or "123456789012"
    mock_config = env.get("SFN_MOCK_CONFIG")
    if mock_config and "mock_config" not in options:
        options["mock_config"] = mock_config
    endpoint = env.get("LAMBDA_ENDPOINT")
    if endpoint and "lambda_runtime" not in options:
        options["lambda_runtime"] = _forwarding_runtime(
            endpoint, options.get("region", "us-east-1")
        )
    return Client(state_dir=state_dir, **options)


def _forwarding_runtime(endpoint: str, region: str) -> Any:
    """A Lambda runtime sending every invocation to ``endpoint`` through boto3."""
    try:
        import boto3
    except ImportError:
        raise ConfigurationError(
            "LAMBDA_ENDPOINT needs boto3: pip install 'asl-interpreter[serve]'"
        ) from None
    from asl.lambda_runtime import AwsHost, LambdaRuntime

    session = boto3.session.Session()
    credentials = {}
    if session.get_credentials() is None:  # a local endpoint takes any credentials
        credentials = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
    lambda_client = session.client(
        "lambda", endpoint_url=endpoint, region_name=region, **credentials
    )
    return LambdaRuntime(host=AwsHost(client=lambda_client, region=region))


def _uvicorn() -> Any:
    try:
        import uvicorn
    except ImportError:
        raise ConfigurationError(
            "asl serve needs uvicorn: pip install 'asl-interpreter[serve]'"
        ) from None
    return uvicorn


def serve(client: Client, *, host: str = "127.0.0.1", port: int = 8083) -> None:
    """Serve ``client`` until interrupted (Ctrl-C)."""
    uvicorn = _uvicorn()
    config = uvicorn.Config(make_app(client), host=host, port=port, log_level="warning")
    try:
        uvicorn.Server(config).run()
    finally:
        client.close()


@contextlib.contextmanager
def running(client: Client, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``client`` from a background thread (port 0: a free one); yields the
    endpoint URL, stops the server on exit.  For tests and notebooks."""
    uvicorn = _uvicorn()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(
        make_app(client), log_level="warning", backlog=2048, timeout_keep_alive=30
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="asl-serve", daemon=True
    )
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise ConfigurationError(f"the server could not start on {host}:{bound}")
            threading.Event().wait(0.01)
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
