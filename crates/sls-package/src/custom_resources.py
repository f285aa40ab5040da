"""sls's custom-resource handlers (the `custom-resources.zip` that `sls package` writes).

CloudFormation invokes one of these functions for each `Custom::S3`, `Custom::CognitoUserPool`,
`Custom::EventBridge` and `Custom::ApiGatewayAccountRole` resource of a stack compiled by sls
(the same resources and properties as the Serverless Framework v3 compiles), with a Create,
Update or Delete request, and waits for the answer PUT to the request's pre-signed ResponseURL.

The handlers make the AWS calls v3's handlers make, with these deliberate differences: a Delete
of something already gone succeeds (so a stack can always be removed), an EventBridge bus is
created only if missing and deleted only when no rule is left on it, and an Update that moves a
rule to another name or bus removes the old one.

Python 3.12 runtime: boto3 is provided by Lambda, so this file is the whole zip.
"""

import hashlib
import json
import time
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# v3 retries every AWS request up to 8 times (SLS_AWS_REQUEST_MAX_RETRIES).
_CONFIG = Config(retries={"max_attempts": 8, "mode": "standard"})

# v3's PhysicalResourceIds: kept, so that stacks deployed by v3 update in place.
_PHYSICAL_IDS = {
    "s3": "CustomResourceExistingS3",
    "cognito": "CustomResourceExistingCognitoUserPool",
    "event_bridge": "CustomResourceEventBridge",
    "api_gateway": "CustomResourceApiGatewayAccountCloudWatchRole",
}

CUSTOM_SENDERS = ("CustomSMSSender", "CustomEmailSender")


# --- plumbing -------------------------------------------------------------------------------


def _environment(context):
    """Partition, region and account of the function itself (as v3 `getEnvironment`)."""
    parts = context.invoked_function_arn.split(":")
    return {"partition": parts[1], "region": parts[3], "account": parts[4]}


def _client(service, env):
    return boto3.client(service, region_name=env["region"], config=_CONFIG)


def _code(error):
    return error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""


def _ignore_missing(call, *codes):
    """Runs `call`, treating "not found" answers as done (a Delete must not block a stack)."""
    missing = codes or ("ResourceNotFoundException", "NoSuchEntity", "NoSuchBucket")
    try:
        return call()
    except ClientError as e:
        if _code(e) in missing:
            return None
        raise


def _respond(event, context, status, physical_id, reason=""):
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": physical_id,
            "StackId": event.get("StackId"),
            "RequestId": event.get("RequestId"),
            "LogicalResourceId": event.get("LogicalResourceId"),
            "Data": {},
        }
    ).encode()
    print(body.decode())
    request = urllib.request.Request(
        event["ResponseURL"],
        data=body,
        method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(body))},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        print(f"response status {answer.status}")


def _run(kind, handlers, event, context):
    """Calls the handler of the request type and always answers CloudFormation."""
    physical_id = _PHYSICAL_IDS[kind]
    try:
        handler = handlers.get(event.get("RequestType"))
        if handler is None:
            raise ValueError(f"Unhandled RequestType {event.get('RequestType')}")
        handler(event, _environment(context))
    except Exception as e:  # noqa: BLE001 - every failure must reach CloudFormation
        print(f"{type(e).__name__}: {e}")
        reason = f"{e} See details in CloudWatch Log: {getattr(context, 'log_stream_name', '')}"
        _respond(event, context, "FAILED", physical_id, reason)
        return
    _respond(event, context, "SUCCESS", physical_id)


def _statement_id(function_name, other):
    """v3's permission statement ids: at most 100 characters."""
    return f"{function_name}-{other}"[:100]


def _lambda_arn(env, function_name):
    return f"arn:{env['partition']}:lambda:{env['region']}:{env['account']}:function:{function_name}"


def _add_permission(env, function_name, statement_id, principal, source_arn, source_account=None):
    lam = _client("lambda", env)
    args = {
        "FunctionName": function_name,
        "StatementId": statement_id,
        "Action": "lambda:InvokeFunction",
        "Principal": principal,
        "SourceArn": source_arn,
    }
    if source_account:
        args["SourceAccount"] = source_account
    try:
        lam.add_permission(**args)
    except ClientError as e:
        if _code(e) != "ResourceConflictException":  # already there (a retried Create)
            raise


def _remove_permission(env, function_name, statement_id):
    lam = _client("lambda", env)
    _ignore_missing(
        lambda: lam.remove_permission(FunctionName=function_name, StatementId=statement_id)
    )


def _js_json(value):
    """JavaScript's JSON.stringify (no spaces), as v3 hashes and serialises with it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# --- s3: notifications of an existing bucket ------------------------------------------------


def _s3_statement_id(function_name, bucket):
    return _statement_id(function_name, "".join(c for c in bucket if c not in ".:*"))


def _s3_filter(config):
    rules = config.get("Rules") or []
    if not rules:
        return None
    filter_rules = []
    for rule in rules:
        key = next(iter(rule))
        filter_rules.append({"Name": key.lower(), "Value": rule[key]})
    return {"Key": {"FilterRules": filter_rules}}


def _s3_notifications(s3, bucket):
    current = s3.get_bucket_notification_configuration(Bucket=bucket)
    current.pop("ResponseMetadata", None)
    return current


def _s3_put(env, function_name, bucket, bucket_configs):
    """Replaces this function's notifications (ids starting with its name), keeps the rest."""
    s3 = _client("s3", env)
    notifications = _s3_notifications(s3, bucket)
    mine = [
        c
        for c in notifications.get("LambdaFunctionConfigurations", [])
        if not c.get("Id", "").startswith(function_name)
    ]
    for config in bucket_configs or []:
        digest = hashlib.md5(_js_json(config).encode()).hexdigest()
        entry = {
            "Id": f"{function_name}-{digest}",
            "LambdaFunctionArn": _lambda_arn(env, function_name),
            "Events": [config["Event"]],
        }
        f = _s3_filter(config)
        if f:
            entry["Filter"] = f
        mine.append(entry)
    notifications["LambdaFunctionConfigurations"] = mine
    if not mine:
        notifications.pop("LambdaFunctionConfigurations")
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=notifications
    )


def _s3_create(event, env):
    p = event["ResourceProperties"]
    _add_permission(
        env,
        p["FunctionName"],
        _s3_statement_id(p["FunctionName"], p["BucketName"]),
        "s3.amazonaws.com",
        f"arn:{env['partition']}:s3:::{p['BucketName']}",
        env["account"],
    )
    _s3_put(env, p["FunctionName"], p["BucketName"], p.get("BucketConfigs"))


def _s3_update(event, env):
    p = event["ResourceProperties"]
    old = event.get("OldResourceProperties") or {}
    moved = old.get("BucketName") and (
        old.get("BucketName") != p["BucketName"] or old.get("FunctionName") != p["FunctionName"]
    )
    if moved:
        _s3_delete({"ResourceProperties": old}, env)
        _s3_create(event, env)
        return
    _s3_put(env, p["FunctionName"], p["BucketName"], p.get("BucketConfigs"))


def _s3_delete(event, env):
    p = event["ResourceProperties"]
    _remove_permission(env, p["FunctionName"], _s3_statement_id(p["FunctionName"], p["BucketName"]))
    _ignore_missing(lambda: _s3_put(env, p["FunctionName"], p["BucketName"], []))


def s3(event, context):
    """`Custom::S3`: an existing bucket's notifications to a function of the stack."""
    _run("s3", {"Create": _s3_create, "Update": _s3_update, "Delete": _s3_delete}, event, context)


# --- cognitoUserPool: triggers of an existing user pool -------------------------------------


def _find_pool(cognito, name):
    args = {"MaxResults": 60}
    while True:
        page = cognito.list_user_pools(**args)
        for pool in page.get("UserPools", []):
            if pool.get("Name") == name:
                return pool
        if not page.get("NextToken"):
            return None
        args["NextToken"] = page["NextToken"]


def _update_arguments(cognito, pool):
    """UpdateUserPool resets every setting it is not given: send the pool's current ones
    (what UpdateUserPool accepts of DescribeUserPool's answer, as v3 does)."""
    accepted = cognito.meta.service_model.operation_model("UpdateUserPool").input_shape.members
    args = {k: v for k, v in pool.items() if k in accepted}
    admin = args.get("AdminCreateUserConfig")
    if admin and "UnusedAccountValidityDays" in admin:
        # Deprecated: its value lives on as the password policy's setting.
        days = admin.pop("UnusedAccountValidityDays")
        password = args.setdefault("Policies", {}).setdefault("PasswordPolicy", {})
        password.setdefault("TemporaryPasswordValidityDays", days)
    args["UserPoolId"] = pool["Id"]
    return args


def _without_function(lambda_config, arn):
    """The pool's triggers minus those calling `arn`."""

    def calls(value):
        return value == arn or (isinstance(value, dict) and value.get("LambdaArn") == arn)

    out = {k: v for k, v in (lambda_config or {}).items() if not calls(v)}
    if "KMSKeyID" in out and not any(s in out for s in CUSTOM_SENDERS):
        del out["KMSKeyID"]
    return out


def _cognito_set(env, pool_name, function_name, configs):
    cognito = _client("cognito-idp", env)
    found = _find_pool(cognito, pool_name)
    if found is None:
        raise ValueError(f'User pool "{pool_name}" not found')
    pool = cognito.describe_user_pool(UserPoolId=found["Id"])["UserPool"]
    arn = _lambda_arn(env, function_name)
    lambda_config = _without_function(pool.get("LambdaConfig"), arn)
    for config in configs:
        trigger = config["Trigger"]
        if trigger in CUSTOM_SENDERS:
            lambda_config[trigger] = {"LambdaArn": arn, "LambdaVersion": config["LambdaVersion"]}
            lambda_config["KMSKeyID"] = config["KMSKeyID"]
        else:
            lambda_config[trigger] = arn
    args = _update_arguments(cognito, pool)
    args["LambdaConfig"] = lambda_config
    cognito.update_user_pool(**args)
    return found["Id"]


def _cognito_statement_id(function_name, pool_name):
    normalized = "".join(c for c in pool_name.lower() if c not in ".:*" and not c.isspace())
    return _statement_id(function_name, normalized)


def _cognito_create(event, env):
    p = event["ResourceProperties"]
    cognito = _client("cognito-idp", env)
    found = _find_pool(cognito, p["UserPoolName"])
    if found is None:
        raise ValueError(f'User pool "{p["UserPoolName"]}" not found')
    _add_permission(
        env,
        p["FunctionName"],
        _cognito_statement_id(p["FunctionName"], p["UserPoolName"]),
        "cognito-idp.amazonaws.com",
        f"arn:{env['partition']}:cognito-idp:{env['region']}:{env['account']}:userpool/{found['Id']}",
    )
    _cognito_set(env, p["UserPoolName"], p["FunctionName"], p.get("UserPoolConfigs") or [])


def _cognito_update(event, env):
    p = event["ResourceProperties"]
    old = event.get("OldResourceProperties") or {}
    moved = old.get("UserPoolName") and (
        old.get("UserPoolName") != p["UserPoolName"] or old.get("FunctionName") != p["FunctionName"]
    )
    if moved:
        _cognito_delete({"ResourceProperties": old}, env)
        _cognito_create(event, env)
        return
    _cognito_set(env, p["UserPoolName"], p["FunctionName"], p.get("UserPoolConfigs") or [])


def _cognito_delete(event, env):
    p = event["ResourceProperties"]
    _remove_permission(
        env, p["FunctionName"], _cognito_statement_id(p["FunctionName"], p["UserPoolName"])
    )
    cognito = _client("cognito-idp", env)
    if _find_pool(cognito, p["UserPoolName"]) is not None:
        _cognito_set(env, p["UserPoolName"], p["FunctionName"], [])


def cognito_user_pool(event, context):
    """`Custom::CognitoUserPool`: an existing user pool's triggers to a function of the stack."""
    handlers = {"Create": _cognito_create, "Update": _cognito_update, "Delete": _cognito_delete}
    _run("cognito", handlers, event, context)


# --- eventBridge: rules without native CloudFormation resources -----------------------------


def _bus_name(bus):
    if bus and bus.startswith("arn"):
        return bus[bus.index("/") + 1 :]
    return bus


def _target_id(rule):
    target = f"{rule}-target"
    if len(target) > 64:
        digest = hashlib.md5(target.encode()).hexdigest()
        target = f"{target[: 31 - len('target')]}{digest}-target"
    return target


def _rule_args(config):
    args = {"Rule": config["RuleName"]}
    bus = _bus_name(config.get("EventBus"))
    if bus:
        args["EventBusName"] = bus
    return args


def _eb_statement_id(function_name, rule):
    return _statement_id(function_name, "".join(c for c in rule.lower() if c not in ".:*"))


def _eb_put(env, function_name, config):
    events = _client("events", env)
    bus = _bus_name(config.get("EventBus"))
    rule = {"Name": config["RuleName"], "State": config.get("State", "ENABLED")}
    if bus:
        rule["EventBusName"] = bus
    if config.get("Pattern") is not None:
        rule["EventPattern"] = _js_json(config["Pattern"])
    if config.get("Schedule"):
        rule["ScheduleExpression"] = config["Schedule"]
    events.put_rule(**rule)
    target = {"Arn": _lambda_arn(env, function_name), "Id": _target_id(config["RuleName"])}
    if config.get("Input"):
        target["Input"] = _js_json(config["Input"])
    elif config.get("InputPath"):
        target["InputPath"] = config["InputPath"]
    elif config.get("InputTransformer"):
        target["InputTransformer"] = config["InputTransformer"]
    args = _rule_args(config)
    events.remove_targets(Ids=[target["Id"]], **args)
    events.put_targets(Targets=[target], **args)


def _eb_create(event, env):
    p = event["ResourceProperties"]
    config = p["EventBridgeConfig"]
    bus = config.get("EventBus")
    name = _bus_name(bus)
    rule_path = f"{name}/{config['RuleName']}" if bus else config["RuleName"]
    _add_permission(
        env,
        p["FunctionName"],
        _eb_statement_id(p["FunctionName"], config["RuleName"]),
        "events.amazonaws.com",
        f"arn:{env['partition']}:events:{env['region']}:{env['account']}:rule/{rule_path}",
    )
    if bus and not bus.startswith("arn") and bus != "default":
        events = _client("events", env)
        try:
            events.create_event_bus(Name=bus)
        except ClientError as e:
            if _code(e) != "ResourceAlreadyExistsException":  # another rule's bus
                raise
    _eb_put(env, p["FunctionName"], config)


def _eb_update(event, env):
    p = event["ResourceProperties"]
    old = event.get("OldResourceProperties") or {}
    old_config = old.get("EventBridgeConfig") or {}
    config = p["EventBridgeConfig"]
    moved = old_config and (
        old_config.get("RuleName") != config["RuleName"]
        or old_config.get("EventBus") != config.get("EventBus")
        or old.get("FunctionName") != p["FunctionName"]
    )
    if moved:
        _eb_delete({"ResourceProperties": old}, env)
        _eb_create(event, env)
        return
    _eb_put(env, p["FunctionName"], config)


def _eb_delete(event, env):
    p = event["ResourceProperties"]
    config = p["EventBridgeConfig"]
    _remove_permission(env, p["FunctionName"], _eb_statement_id(p["FunctionName"], config["RuleName"]))
    events = _client("events", env)
    args = _rule_args(config)
    _ignore_missing(lambda: events.remove_targets(Ids=[_target_id(config["RuleName"])], **args))
    delete = {"Name": args["Rule"]}
    if "EventBusName" in args:
        delete["EventBusName"] = args["EventBusName"]
    _ignore_missing(lambda: events.delete_rule(**delete))
    bus = config.get("EventBus")
    if bus and not bus.startswith("arn") and bus != "default":
        # The bus this stack created goes with its last rule; other rules keep it.
        rules = _ignore_missing(lambda: events.list_rules(EventBusName=bus, Limit=1))
        if rules is not None and not rules.get("Rules"):
            _ignore_missing(lambda: events.delete_event_bus(Name=bus))


def event_bridge(event, context):
    """`Custom::EventBridge`: a rule (and its bus) with the stack's function as target."""
    handlers = {"Create": _eb_create, "Update": _eb_update, "Delete": _eb_delete}
    _run("event_bridge", handlers, event, context)


# --- logs.restApi: the account's API Gateway CloudWatch role --------------------------------

_ROLE_NAME = "serverlessApiGatewayCloudWatchRole"
_UPDATE_ACCOUNT_ATTEMPTS = 10
_UPDATE_ACCOUNT_WAIT = 10


def _ensure_role(env):
    """v3's own role: created if missing, with the managed policy for API Gateway logs."""
    iam = _client("iam", env)
    policy = (
        f"arn:{env['partition']}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    )
    try:
        attached = iam.list_attached_role_policies(RoleName=_ROLE_NAME)["AttachedPolicies"]
    except ClientError as e:
        if _code(e) != "NoSuchEntity":
            raise
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": ["apigateway.amazonaws.com"]},
                    "Action": ["sts:AssumeRole"],
                }
            ],
        }
        iam.create_role(RoleName=_ROLE_NAME, Path="/", AssumeRolePolicyDocument=json.dumps(trust))
        attached = []
    if not any(p.get("PolicyArn") == policy for p in attached):
        iam.attach_role_policy(RoleName=_ROLE_NAME, PolicyArn=policy)
    return f"arn:{env['partition']}:iam::{env['account']}:role/{_ROLE_NAME}"


def _set_account_role(event, env):
    role = (event.get("ResourceProperties") or {}).get("RoleArn")
    apigw = _client("apigateway", env)
    assigned = apigw.get_account().get("cloudwatchRoleArn")
    if not role:
        role = _ensure_role(env)
    if role == assigned:
        return
    for attempt in range(1, _UPDATE_ACCOUNT_ATTEMPTS + 1):
        try:
            apigw.update_account(
                patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}]
            )
            return
        except ClientError:
            # A role just created is not usable by API Gateway for a few seconds.
            if attempt == _UPDATE_ACCOUNT_ATTEMPTS:
                raise
            time.sleep(_UPDATE_ACCOUNT_WAIT)


def api_gateway_cloud_watch_role(event, context):
    """`Custom::ApiGatewayAccountRole`: the account's CloudWatch role for API Gateway logs.
    An account-wide setting other stacks rely on: a Delete leaves it (as v3)."""
    handlers = {"Create": _set_account_role, "Update": _set_account_role, "Delete": lambda e, n: None}
    _run("api_gateway", handlers, event, context)
