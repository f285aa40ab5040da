# sls invoke local: Python runtime wrapper (shipped inside the sls binary).
#
# Usage: python3 -u invoke.py INPUT.json
# INPUT.json: { handlerModule, handlerName, taskRoot, event, context, customContext, deadlineMs,
#               resultPath }
#
# The handler's prints go wherever fd 1 points: sls points it at its stderr. The result travels
# through `resultPath`: first line `OK` or `ERROR`, then the text sls prints on stdout
# (json.dumps(value, indent=4), as Serverless v3 prints it).
import decimal
import json
import sys
import time
import traceback
from importlib import import_module

with open(sys.argv[1], encoding="utf-8") as f:
    INPUT = json.load(f)


def write_result(status, text):
    with open(INPUT["resultPath"], "w", encoding="utf-8") as out:
        out.write(status + "\n" + text)


def decimal_serializer(o):
    # Serverless v3: Decimals (DynamoDB) are shown as numbers.
    if isinstance(o, decimal.Decimal):
        f = float(o)
        return int(f) if f.is_integer() else f
    raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


def fail(error_type, message, stack):
    shape = {"errorMessage": message, "errorType": error_type, "stackTrace": stack}
    write_result("ERROR", json.dumps(shape, indent=4, default=str))
    sys.exit(1)


def fail_with(exc, error_type=None):
    stack = [line.rstrip("\n") for line in traceback.format_tb(exc.__traceback__)]
    fail(error_type or type(exc).__name__, str(exc), stack)


class LambdaContext(object):
    """The attributes and methods of the Lambda Python runtime's context object."""

    def __init__(self, c, deadline_ms, custom):
        self.function_name = c["functionName"]
        self.function_version = c["functionVersion"]
        self.invoked_function_arn = c["invokedFunctionArn"]
        self.memory_limit_in_mb = c["memoryLimitInMB"]
        self.aws_request_id = c["awsRequestId"]
        self.log_group_name = c["logGroupName"]
        self.log_stream_name = c["logStreamName"]
        self.identity = None
        self.client_context = None
        # Serverless v3's fake context also had these.
        self.name = c["functionName"]
        self.version = c["functionVersion"]
        self.timeout = c["timeout"]
        self._deadline_ms = deadline_ms
        if isinstance(custom, dict):
            for key, value in custom.items():
                setattr(self, key, value)

    def get_remaining_time_in_millis(self):
        return int(max(self._deadline_ms - int(round(time.time() * 1000)), 0))

    @property
    def log(self):
        return sys.stdout.write


def main():
    # Lambda puts the task root first on sys.path.
    sys.path.insert(0, INPUT["taskRoot"])
    try:
        module = import_module(INPUT["handlerModule"])
    except Exception as exc:  # noqa: BLE001 - reported in Lambda's shape
        fail_with(exc, "Runtime.ImportModuleError")
    handler = getattr(module, INPUT["handlerName"], None)
    if not callable(handler):
        fail(
            "Runtime.HandlerNotFound",
            "Handler '%s' missing on module '%s'" % (INPUT["handlerName"], INPUT["handlerModule"]),
            [],
        )
    context = LambdaContext(INPUT["context"], INPUT["deadlineMs"], INPUT.get("customContext"))
    try:
        result = handler(INPUT["event"], context)
    except Exception as exc:  # noqa: BLE001 - reported in Lambda's shape
        fail_with(exc)
    try:
        text = json.dumps(result, default=decimal_serializer, indent=4)
    except (TypeError, ValueError) as exc:
        fail("Runtime.MarshalError", "Unable to marshal response: %s" % exc, [])
    write_result("OK", text)


if __name__ == "__main__":
    main()
