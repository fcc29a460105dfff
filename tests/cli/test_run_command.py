"""`asl run` as a user runs it: a subprocess, with pipes, exit codes and handler folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


def asl_run(*args: str, stdin: str | None = None, cwd: Path | None = None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "asl", "run", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def definition(tmp_path: Path, doc: dict) -> str:
    return str(write(tmp_path / "machine.asl.json", json.dumps(doc)))


def test_input_from_a_pipe(tmp_path: Path) -> None:
    result = asl_run(definition(tmp_path, PASS), stdin='{"piped": true}')
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"piped": True}


def test_input_at_dash_reads_standard_input(tmp_path: Path) -> None:
    result = asl_run(definition(tmp_path, PASS), "--input", "@-", stdin='{"dash": 1}')
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"dash": 1}


def test_no_input_and_an_empty_pipe_is_an_empty_object(tmp_path: Path) -> None:
    result = asl_run(definition(tmp_path, PASS), stdin="")
    assert json.loads(result.stdout) == {}


def test_bad_piped_json_is_a_usage_error(tmp_path: Path) -> None:
    result = asl_run(definition(tmp_path, PASS), stdin="{nope")
    assert result.returncode == 2
    assert "standard input is not valid JSON" in result.stderr


def test_invalid_definition_exits_two_with_diagnostics(tmp_path: Path) -> None:
    path = definition(tmp_path, {"StartAt": "Missing", "States": PASS["States"]})
    result = asl_run(path, stdin="")
    assert result.returncode == 2
    assert "machine.asl.json" in result.stderr and "Missing" in result.stderr
    assert result.stdout == ""


def test_missing_file_and_bad_option_exit_two(tmp_path: Path) -> None:
    assert asl_run(str(tmp_path / "nope.json"), stdin="").returncode == 2
    result = asl_run(definition(tmp_path, PASS), "--clock", "sundial", stdin="")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_failed_execution_exits_one_with_path_error_and_traceback(tmp_path: Path) -> None:
    write(
        tmp_path / "functions" / "charge" / "app.py",
        "def lambda_handler(event, context):\n"
        "    print('charging', event['order'])\n"
        "    return {'card': event['card']}\n",
    )
    doc = {
        "StartAt": "Check",
        "States": {
            "Check": {"Type": "Pass", "Next": "Charge"},
            "Charge": {"Type": "Task", "Resource": LAMBDA + "charge", "End": True},
        },
    }
    result = asl_run(
        definition(tmp_path, doc), "--functions", str(tmp_path / "functions"), stdin='{"order": 5}'
    )
    assert result.returncode == 1
    assert result.stdout == ""  # handler output stays off stdout
    err = result.stderr
    assert err.startswith("FAILED: KeyError\n")
    assert "Check   Pass  succeeded -> Charge" in err
    assert "Failed in state 'Charge' (Task state)" in err
    assert "Traceback (most recent call last):" in err
    assert (
        f'File "{tmp_path / "functions" / "charge" / "app.py"}", line 3, in lambda_handler' in err
    )
    assert "KeyError: 'card'" in err
    # what the failing invocation printed
    assert "charging 5" in err


def test_handler_prints_never_reach_stdout(tmp_path: Path) -> None:
    write(
        tmp_path / "fns" / "greet" / "app.py",
        "import logging\n"
        "def handler(event, context):\n"
        "    print('noise on stdout')\n"
        "    logging.getLogger().warning('noise in logs')\n"
        "    return {'hello': event['name']}\n",
    )
    doc = {
        "StartAt": "G",
        "States": {"G": {"Type": "Task", "Resource": LAMBDA + "greet", "End": True}},
    }
    path = definition(tmp_path, doc)
    result = asl_run(path, "--functions", str(tmp_path / "fns"), stdin='{"name": "ada"}')
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"hello": "ada"}
    assert "noise" not in result.stderr
    logged = asl_run(path, "--functions", str(tmp_path / "fns"), "--logs", stdin='{"name": "b"}')
    assert json.loads(logged.stdout) == {"hello": "b"}
    assert "noise on stdout" in logged.stderr and "noise in logs" in logged.stderr
    assert "REPORT RequestId" in logged.stderr


def test_sam_folders_each_with_their_own_app_module(tmp_path: Path) -> None:
    # two functions, each with app.py and a utils.py of its own, as `sam init` lays out
    write(tmp_path / "src" / "first" / "utils.py", "WHO = 'first'\n")
    write(
        tmp_path / "src" / "first" / "app.py",
        "import utils\ndef lambda_handler(event, context):\n    return event + [utils.WHO]\n",
    )
    write(tmp_path / "src" / "second" / "utils.py", "WHO = 'second'\n")
    write(
        tmp_path / "src" / "second" / "app.py",
        "import utils\ndef lambda_handler(event, context):\n    return event + [utils.WHO]\n",
    )
    doc = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": LAMBDA + "first", "Next": "B"},
            "B": {"Type": "Task", "Resource": LAMBDA + "second", "End": True},
        },
    }
    result = asl_run(definition(tmp_path, doc), "--functions", str(tmp_path / "src"), stdin="[]")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["first", "second"]


def test_handler_strings_name_the_module_and_function(tmp_path: Path) -> None:
    write(
        tmp_path / "src" / "charge" / "billing" / "__init__.py",
        "",
    )
    write(
        tmp_path / "src" / "charge" / "billing" / "card.py",
        "def charge(event, context):\n    return 'charged'\n",
    )
    write(tmp_path / "src" / "shared.py", "def refund(event, context):\n    return 'refunded'\n")
    doc = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Task", "Resource": LAMBDA + "charge", "ResultPath": "$.c", "Next": "R"},
            "R": {"Type": "Task", "Resource": LAMBDA + "refund", "ResultPath": "$.r", "End": True},
        },
    }
    result = asl_run(
        definition(tmp_path, doc),
        "--functions",
        str(tmp_path / "src"),
        "--handler",
        "charge=billing.card.charge",
        "--handler",
        "refund=shared.refund",
        stdin="{}",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"c": "charged", "r": "refunded"}


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        ("charge=app.nope", "handler 'app.nope': app has no function 'nope'"),
        ("charge=missing.fn", "cannot import module 'missing'"),
        ("charge", "expected NAME=module.function"),
        ("other=nowhere.fn", "no folder 'other' and no module for 'nowhere.fn'"),
    ],
)
def test_bad_handler_strings_are_usage_errors(tmp_path: Path, handler: str, message: str) -> None:
    write(tmp_path / "src" / "charge" / "app.py", "def handler(event, context):\n    return 1\n")
    result = asl_run(
        definition(tmp_path, PASS),
        "--functions",
        str(tmp_path / "src"),
        "--handler",
        handler,
        stdin="{}",
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_a_folder_without_a_conventional_handler_says_how_to_name_it(tmp_path: Path) -> None:
    write(tmp_path / "src" / "odd" / "code.py", "def run(event, context):\n    return 1\n")
    result = asl_run(definition(tmp_path, PASS), "--functions", str(tmp_path / "src"), stdin="{}")
    assert result.returncode == 2
    assert "no handler found" in result.stderr
    assert "--handler odd=module.function" in result.stderr


def test_handler_code_that_fails_to_import_shows_its_traceback(tmp_path: Path) -> None:
    write(tmp_path / "src" / "bad" / "app.py", "import nothing_here_at_all\n")
    result = asl_run(definition(tmp_path, PASS), "--functions", str(tmp_path / "src"), stdin="{}")
    assert result.returncode == 2
    assert "importing the Lambda handlers failed" in result.stderr
    assert "No module named 'nothing_here_at_all'" in result.stderr


def test_functions_from_a_sam_template(tmp_path: Path) -> None:
    write(
        tmp_path / "template.yaml",
        """AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Handler: app.lambda_handler
Resources:
  ChargeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/charge/
      FunctionName: charge
      Role: !GetAtt ChargeRole.Arn
  NotifyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/notify/
      Handler: main.send
  NodeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/node/
      Runtime: nodejs20.x
      Handler: index.handler
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: machine.asl.json
""",
    )
    write(
        tmp_path / "functions" / "charge" / "app.py",
        "def lambda_handler(event, context):\n    return {'charged': True}\n",
    )
    write(
        tmp_path / "functions" / "notify" / "main.py",
        "def send(event, context):\n    return {**event, 'sent': True}\n",
    )
    doc = {
        "StartAt": "Charge",
        "States": {
            "Charge": {"Type": "Task", "Resource": LAMBDA + "charge", "Next": "Notify"},
            "Notify": {"Type": "Task", "Resource": LAMBDA + "NotifyFunction", "End": True},
        },
    }
    result = asl_run(
        definition(tmp_path, doc), "--functions", str(tmp_path / "template.yaml"), stdin="{}"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"charged": True, "sent": True}


def test_a_template_without_python_functions_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path / "template.yaml", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    result = asl_run(
        definition(tmp_path, PASS), "--functions", str(tmp_path / "template.yaml"), stdin="{}"
    )
    assert result.returncode == 2
    assert "no AWS::Serverless::Function with a Python runtime" in result.stderr


def test_prints_while_importing_handlers_go_to_stderr(tmp_path: Path) -> None:
    write(
        tmp_path / "src" / "greet" / "app.py",
        "print('loading greet')\ndef handler(event, context):\n    return 'hi'\n",
    )
    doc = {
        "StartAt": "G",
        "States": {"G": {"Type": "Task", "Resource": LAMBDA + "greet", "End": True}},
    }
    result = asl_run(definition(tmp_path, doc), "--functions", str(tmp_path / "src"), stdin="{}")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == "hi"
    assert "loading greet" in result.stderr


def test_a_timed_out_execution_exits_one_and_says_where_it_stopped(tmp_path: Path) -> None:
    doc = {
        "StartAt": "Sleep",
        "TimeoutSeconds": 1,
        "States": {"Sleep": {"Type": "Wait", "Seconds": 5, "End": True}},
    }
    result = asl_run(definition(tmp_path, doc), stdin="{}")
    assert result.returncode == 1
    assert result.stderr.startswith("TIMED_OUT: States.Timeout\n")
    assert "Stopped in state 'Sleep' (Wait state)" in result.stderr
    assert "Error: States.Timeout" in result.stderr
