"""Assertions on the CloudFormation that the SAM transform makes of template.yaml (translated offline)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from local.template_model import routes
from tests.template.checks import (
    AUTHORIZER,
    AUTHORIZER_FUNCTION,
    ROOT,
    WEBHOOK_PATHS,
    api_operations,
    authorizer_invoke_permissions,
    evaluate_condition,
    problems_in,
    refers_to,
    resources_of_type,
)
from tests.template.conftest import CORS_ORIGINS

FUNCTIONS = [
    "AuthorizerFunction",
    "AddPaymentMethodFunction",
    "ProcessPaymentFunction",
    "ListPaymentMethodsFunction",
    "PaymentStatusFunction",
    "StripeWebhookFunction",
    "BookingsFunction",
    "RefundsFunction",
    "ReconcileFunction",
]

# Resources as `grants()` names them: a table, one of its indexes, or the secret parameter | created secret.
PAYMENTS, IDEMPOTENCY = "PaymentsTable", "IdempotencyTable"
STRIPE_SECRET, JWT_SECRET = "StripeSecretArn|StripeSecret", "JwtSecretArn|JwtSecret"
READ_SECRET = {"secretsmanager:GetSecretValue"}
POWERTOOLS_IDEMPOTENCY = {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}


def _dynamodb(*actions: str) -> set[str]:
    return {f"dynamodb:{action}" for action in actions}


def _index(name: str) -> str:
    return f"{PAYMENTS}/index/{name}"


# What each function's code calls (adapters/dynamo.py through its services), and nothing more.
LEAST_PRIVILEGE: dict[str, dict[str, set[str]]] = {
    "AuthorizerFunction": {JWT_SECRET: READ_SECRET},
    "AddPaymentMethodFunction": {
        PAYMENTS: _dynamodb("BatchGetItem", "GetItem", "UpdateItem", "PutItem"),
        IDEMPOTENCY: POWERTOOLS_IDEMPOTENCY,
        STRIPE_SECRET: READ_SECRET,
    },
    "ProcessPaymentFunction": {
        PAYMENTS: _dynamodb("BatchGetItem", "GetItem", "UpdateItem", "PutItem"),
        IDEMPOTENCY: POWERTOOLS_IDEMPOTENCY,
        STRIPE_SECRET: READ_SECRET,
    },
    "ListPaymentMethodsFunction": {PAYMENTS: _dynamodb("GetItem", "UpdateItem"), STRIPE_SECRET: READ_SECRET},
    "PaymentStatusFunction": {
        PAYMENTS: _dynamodb("GetItem", "UpdateItem", "PutItem"),
        _index("gsi1"): _dynamodb("Query"),
        STRIPE_SECRET: READ_SECRET,
    },
    "StripeWebhookFunction": {
        PAYMENTS: _dynamodb("GetItem", "PutItem", "UpdateItem", "DeleteItem"),
        STRIPE_SECRET: READ_SECRET,
    },
    "BookingsFunction": {
        PAYMENTS: _dynamodb("GetItem", "UpdateItem"),
        _index("gsi1"): _dynamodb("Query"),
        _index("gsi2"): _dynamodb("Query"),
        STRIPE_SECRET: READ_SECRET,
    },
    "RefundsFunction": {
        PAYMENTS: _dynamodb("GetItem", "PutItem", "UpdateItem", "DeleteItem"),
        _index("gsi2"): _dynamodb("Query"),
        STRIPE_SECRET: READ_SECRET,
    },
    "ReconcileFunction": {
        PAYMENTS: _dynamodb("GetItem", "PutItem", "UpdateItem"),
        _index("gsi3"): _dynamodb("Query"),
        STRIPE_SECRET: READ_SECRET,
    },
}
MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}
SERVICE_DIMENSION = {"service": "linguaflex-payments"}


# -- helpers ----------------------------------------------------------------------------------------


def _name(value: Any) -> str:
    """A resource of a policy statement, named as LEAST_PRIVILEGE names it."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return str(value["Ref"])
    if "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "Arn":
        return str(value["Fn::GetAtt"][0])
    if "Fn::If" in value:
        _, when_true, when_false = value["Fn::If"]
        return f"{_name(when_true)}|{_name(when_false)}"
    substitution = value.get("Fn::Sub")
    if isinstance(substitution, str):
        return re.sub(r"\$\{(\w+)\.Arn\}", r"\1", substitution)
    if isinstance(substitution, list) and substitution[0] == "${secretArn}":  # SAM's secrets policy template
        return _name(substitution[1]["secretArn"])
    return json.dumps(value, sort_keys=True)


def grants(translated: dict[str, Any], function: str) -> dict[str, set[str]]:
    """Resource -> actions the function's role allows through its inline policies."""
    role_id = translated["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    found: dict[str, set[str]] = {}
    for policy in translated["Resources"][role_id]["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            assert not {"NotAction", "NotResource", "Condition"} & set(statement), statement
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:
                found.setdefault(_name(resource), set()).update(actions)
    return found


def watched(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) an alarm reads: plain metric, metric math or Metrics Insights query."""

    def dimensions(items: list[dict[str, Any]]) -> dict[str, str]:
        return {item["Name"]: _name(item["Value"]) for item in items}

    props = alarm["Properties"]
    if "MetricName" in props:
        return [(props["Namespace"], props["MetricName"], dimensions(props.get("Dimensions", [])))]
    found = []
    for query in props["Metrics"]:
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            found.append((metric["Namespace"], metric["MetricName"], dimensions(metric.get("Dimensions", []))))
        expression = query.get("Expression")
        expression = expression.get("Fn::Sub") if isinstance(expression, dict) else expression
        insights = re.match(
            r'SELECT SUM\((\w+)\) FROM SCHEMA\("([^"]+)".*WHERE TableName = \'\$\{(\w+)\}\'', expression or ""
        )
        if insights:
            metric_name, namespace, table = insights.groups()
            found.append((namespace, metric_name, {"TableName": table}))
    return found


def returned_expression(alarm: dict[str, Any]) -> str:
    [query] = [q for q in alarm["Properties"]["Metrics"] if q.get("ReturnData", True)]
    return " ".join(str(query["Expression"]).split())


def alarms(translated: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources_of_type(translated, "AWS::CloudWatch::Alarm")


def alarms_on(translated: dict[str, Any], namespace: str, metric: str, dims: dict[str, str]) -> list[str]:
    return [
        logical_id
        for logical_id, alarm in alarms(translated).items()
        if any(w == (namespace, metric, dims) for w in watched(alarm))
    ]


def emitted_metrics() -> set[str]:
    """Custom metric names the code emits (Powertools EMF, or an EMF line written by hand: the authorizer)."""
    sources = [*(ROOT / "layers/common/linguaflex").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    pattern = r'add_metric\(name="(\w+)"|\{"Name": "(\w+)", "Unit"'
    return {a or b for path in sources for a, b in re.findall(pattern, path.read_text())}


# -- the checks the broken fixtures are run through -------------------------------------------------


def test_the_template_passes_our_checks(translations: dict[str, dict[str, Any]]) -> None:
    # Given template.yaml translated offline, when translation, authorizer and cfn-lint checks run
    # Then none of them finds a problem (tests/template/test_broken_templates.py shows that each one bites)
    assert problems_in(translations["default"]) == []


def test_the_prod_and_cors_variants_translate(translations: dict[str, dict[str, Any]]) -> None:
    assert translations["prod"]["errors"] == []
    assert translations["cors"]["errors"] == []


# -- API ----------------------------------------------------------------------------------------------


def test_every_route_of_the_template_model_is_in_the_api(translated: dict[str, Any]) -> None:
    # The local stack routes from the same template: both must agree on the route table.
    assert set(api_operations(translated)) == {(r.method, r.path) for r in routes()}


def test_the_authorizer_guards_every_route_but_the_stripe_webhook(translated: dict[str, Any]) -> None:
    operations = api_operations(translated)
    for (method, path), operation in operations.items():
        expected: list[dict[str, list[str]]] = [{"NONE": []}] if path in WEBHOOK_PATHS else [{AUTHORIZER: []}]
        assert operation["security"] == expected, f"{method} {path}"
    assert {path for (_, path) in operations if path in WEBHOOK_PATHS} == WEBHOOK_PATHS


def test_the_authorizer_is_a_cached_simple_response_lambda_authorizer(translated: dict[str, Any]) -> None:
    body = translated["Resources"]["HttpApi"]["Properties"]["Body"]
    authorizer = body["components"]["securitySchemes"][AUTHORIZER]["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "request"
    assert authorizer["enableSimpleResponses"] is True
    assert authorizer["authorizerPayloadFormatVersion"] == "2.0"
    assert authorizer["identitySource"] == ["$request.header.Authorization"]
    assert authorizer["authorizerResultTtlInSeconds"] == 300
    assert refers_to(authorizer["authorizerUri"], AUTHORIZER_FUNCTION)


def test_api_gateway_may_invoke_the_authorizer(translated: dict[str, Any]) -> None:
    assert len(authorizer_invoke_permissions(translated)) == 1


def test_the_stage_throttles_and_post_routes_are_tighter(translated: dict[str, Any]) -> None:
    stage = resources_of_type(translated, "AWS::ApiGatewayV2::Stage")["HttpApiStage"]["Properties"]
    default = stage["DefaultRouteSettings"]
    assert default == {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50}
    route_settings = stage["RouteSettings"]
    route_keys = {f"{method} {path}" for method, path in api_operations(translated)}
    # An unknown route key fails the deploy ("Unable to find Route by key").
    assert set(route_settings) <= route_keys
    for key in sorted(k for k in route_keys if k.startswith("POST ")):
        assert key in route_settings, key
        assert route_settings[key]["ThrottlingRateLimit"] < default["ThrottlingRateLimit"], key
        assert route_settings[key]["ThrottlingBurstLimit"] < default["ThrottlingBurstLimit"], key


def test_access_logs_go_to_a_log_group_with_retention(translated: dict[str, Any]) -> None:
    stage = translated["Resources"]["HttpApiStage"]["Properties"]
    assert stage["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    fields = json.loads(stage["AccessLogSettings"]["Format"])
    assert {"requestId", "routeKey", "status", "latency", "integrationError", "authorizerError"} <= set(fields)
    assert translated["Resources"]["ApiAccessLogs"]["Properties"]["RetentionInDays"]


def test_cors_is_closed_by_default(sam_template: dict[str, Any], translated: dict[str, Any]) -> None:
    parameter = sam_template["Parameters"]["CorsAllowOrigins"]
    assert (parameter["Type"], parameter["Default"]) == ("CommaDelimitedList", "")
    assert evaluate_condition(sam_template, "HasCorsOrigins") is False
    cors = translated["Resources"]["HttpApi"]["Properties"]["Body"]["x-amazon-apigateway-cors"]
    condition, _, otherwise = cors["Fn::If"]
    assert (condition, otherwise) == ("HasCorsOrigins", {"Ref": "AWS::NoValue"})


def test_cors_opens_to_the_listed_origins_only(
    sam_template: dict[str, Any], translations: dict[str, dict[str, Any]]
) -> None:
    assert evaluate_condition(sam_template, "HasCorsOrigins", {"CorsAllowOrigins": ",".join(CORS_ORIGINS)})
    body = translations["cors"]["template"]["Resources"]["HttpApi"]["Properties"]["Body"]
    _, when_set, _ = body["x-amazon-apigateway-cors"]["Fn::If"]
    assert when_set["allowOrigins"] == CORS_ORIGINS
    assert "idempotency-key" in when_set["allowHeaders"]
    assert "allowCredentials" not in when_set


# -- functions ------------------------------------------------------------------------------------------


def test_every_function_is_python313_arm64_traced_with_the_layer(translated: dict[str, Any]) -> None:
    functions = resources_of_type(translated, "AWS::Lambda::Function")
    assert sorted(functions) == sorted(FUNCTIONS)
    layer_ids = list(resources_of_type(translated, "AWS::Lambda::LayerVersion"))
    for logical_id, function in functions.items():
        props = function["Properties"]
        assert props["Runtime"] == "python3.13", logical_id
        assert props["Architectures"] == ["arm64"], logical_id
        assert props["TracingConfig"] == {"Mode": "Active"}, logical_id
        assert [layer["Ref"] for layer in props["Layers"]] == layer_ids, logical_id


def test_powertools_is_configured_like_the_code(translated: dict[str, Any]) -> None:
    from linguaflex.observability import SERVICE, metrics

    for logical_id, function in resources_of_type(translated, "AWS::Lambda::Function").items():
        env = function["Properties"]["Environment"]["Variables"]
        assert env["POWERTOOLS_SERVICE_NAME"] == SERVICE == SERVICE_DIMENSION["service"], logical_id
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == metrics.namespace == "LinguaFlex", logical_id
        assert env["POWERTOOLS_LOG_LEVEL"] == "INFO", logical_id
        assert env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false", logical_id
        assert env["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false", logical_id
        assert env["POWERTOOLS_LOGGER_LOG_EVENT"] == "false", logical_id


CONFIG_MODULES = ("config.py", "auth_config.py")


def test_every_environment_variable_is_read_by_the_code(sam_template: dict[str, Any]) -> None:
    config = "".join((ROOT / "layers/common/linguaflex" / name).read_text() for name in CONFIG_MODULES)
    names = set(sam_template["Globals"]["Function"]["Environment"]["Variables"])
    for resource in sam_template["Resources"].values():
        names |= set(resource.get("Properties", {}).get("Environment", {}).get("Variables", {}))
    libraries = ("POWERTOOLS_", "PYDANTIC_")  # read by the libraries themselves
    unread = {name for name in names if not name.startswith(libraries) and f'"{name}"' not in config}
    assert unread == set()


def test_the_layer_builds_for_arm64_from_pinned_requirements(sam_template: dict[str, Any]) -> None:
    layer = sam_template["Resources"]["CommonLayer"]
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    lines = (ROOT / "layers/common/requirements.txt").read_text().splitlines()
    requirements = [line for line in lines if line.strip() and not line.startswith("#")]
    assert requirements and all(re.fullmatch(r"[\w.\-\[\]]+==[\w.]+", line) for line in requirements), requirements


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_role_is_least_privilege(translated: dict[str, Any], function: str) -> None:
    allowed = grants(translated, function)
    assert allowed == LEAST_PRIVILEGE[function]
    actions = set().union(*allowed.values())
    assert not any(action.endswith("*") or action == "dynamodb:Scan" for action in actions)
    role_id = translated["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    assert set(translated["Resources"][role_id]["Properties"]["ManagedPolicyArns"]) == MANAGED_POLICIES


def test_only_the_reconcile_schedule_and_api_gateway_invoke_functions(translated: dict[str, Any]) -> None:
    for logical_id, permission in resources_of_type(translated, "AWS::Lambda::Permission").items():
        props = permission["Properties"]
        assert props["Principal"] == "apigateway.amazonaws.com", logical_id
        assert refers_to(props["SourceArn"], "HttpApi"), logical_id
    [schedule] = resources_of_type(translated, "AWS::Scheduler::Schedule").values()
    assert schedule["Properties"]["Name"] == {"Fn::Sub": "${AWS::StackName}-reconcile"}
    assert refers_to(schedule["Properties"]["Target"]["Arn"], "ReconcileFunction")


# -- data and secrets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", [PAYMENTS, IDEMPOTENCY])
def test_tables_are_on_demand_recoverable_encrypted_expiring_and_kept(translated: dict[str, Any], table: str) -> None:
    resource = translated["Resources"][table]
    props = resource["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["TimeToLiveSpecification"]["Enabled"] is True
    assert props["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"


def test_secrets_live_in_secrets_manager_with_the_keys_the_code_reads(translated: dict[str, Any]) -> None:
    secrets = resources_of_type(translated, "AWS::SecretsManager::Secret")
    assert set(secrets) == {"StripeSecret", "JwtSecret"}
    assert set(json.loads(secrets["StripeSecret"]["Properties"]["SecretString"])) == {"api_key", "webhook_secret"}
    assert secrets["JwtSecret"]["Properties"]["GenerateSecretString"]["GenerateStringKey"] == "secret"
    assert secrets["StripeSecret"]["Condition"] == "CreateStripeSecret"
    assert secrets["JwtSecret"]["Condition"] == "CreateJwtSecret"


# -- logs, alarms, dashboard, outputs -----------------------------------------------------------------------


def test_every_function_logs_to_its_own_group_with_retention(
    sam_template: dict[str, Any], translated: dict[str, Any]
) -> None:
    groups = resources_of_type(translated, "AWS::Logs::LogGroup")
    by_name = {json.dumps(g["Properties"].get("LogGroupName"), sort_keys=True): g for g in groups.values()}
    mapping = sam_template["Mappings"]["StageSettings"]
    for function in FUNCTIONS:
        group = by_name.get(json.dumps({"Fn::Sub": f"/aws/lambda/${{{function}}}"}))
        assert group is not None, f"{function} has no /aws/lambda/ log group"
        retention = group["Properties"]["RetentionInDays"]
        assert retention == {"Fn::FindInMap": ["StageSettings", {"Ref": "Stage"}, "LogRetentionDays"]}
    assert (mapping["dev"]["LogRetentionDays"], mapping["prod"]["LogRetentionDays"]) == (14, 90)


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_errors_and_throttles_alarms(translated: dict[str, Any], function: str, metric: str) -> None:
    [alarm_id] = alarms_on(translated, "AWS/Lambda", metric, {"FunctionName": function})
    props = alarms(translated)[alarm_id]["Properties"]
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", 0)


def test_every_alarm_notifies_the_alarm_topic(translated: dict[str, Any]) -> None:
    for logical_id, alarm in alarms(translated).items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], logical_id
        assert alarm["Properties"]["OKActions"] == [{"Ref": "AlarmTopic"}], logical_id
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching", logical_id


def test_the_alarm_topic_emails_only_when_an_address_is_given(sam_template: dict[str, Any]) -> None:
    topic = sam_template["Resources"]["AlarmTopic"]
    condition, [subscription], otherwise = topic["Properties"]["Subscription"]["Fn::If"]
    assert (condition, otherwise) == ("HasAlarmEmail", {"Ref": "AWS::NoValue"})
    assert subscription == {"Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}
    assert evaluate_condition(sam_template, "HasAlarmEmail") is False
    assert evaluate_condition(sam_template, "HasAlarmEmail", {"AlarmEmail": "oncall@linguaflex.example"}) is True


def test_api_5xx_rate_alarm_divides_5xx_by_requests(translated: dict[str, Any]) -> None:
    api = {"ApiId": "HttpApi", "Stage": "Stage"}
    [alarm_id] = alarms_on(translated, "AWS/ApiGateway", "5xx", api)
    assert alarm_id in alarms_on(translated, "AWS/ApiGateway", "Count", api)
    assert "100 * FILL(errors, 0) / requests" in returned_expression(alarms(translated)[alarm_id])


def test_api_p99_latency_alarm(translated: dict[str, Any]) -> None:
    [alarm_id] = alarms_on(translated, "AWS/ApiGateway", "Latency", {"ApiId": "HttpApi", "Stage": "Stage"})
    assert alarms(translated)[alarm_id]["Properties"]["ExtendedStatistic"] == "p99"


def test_payment_failure_rate_alarm_is_declined_over_attempts(translated: dict[str, Any]) -> None:
    [alarm_id] = alarms_on(translated, "LinguaFlex", "PaymentsDeclined", SERVICE_DIMENSION)
    assert alarm_id in alarms_on(translated, "LinguaFlex", "PaymentsSucceeded", SERVICE_DIMENSION)
    expression = returned_expression(alarms(translated)[alarm_id])
    assert "100 * FILL(declined, 0) / (FILL(declined, 0) + FILL(succeeded, 0))" in expression


@pytest.mark.parametrize(
    ("metric", "statistic"),
    [("WebhookSignatureFailures", "Sum"), ("PaymentsStuckProcessing", "Maximum"), ("UnhandledErrors", "Sum")],
)
def test_custom_metric_alarms_fire_above_zero(translated: dict[str, Any], metric: str, statistic: str) -> None:
    [alarm_id] = alarms_on(translated, "LinguaFlex", metric, SERVICE_DIMENSION)
    props = alarms(translated)[alarm_id]["Properties"]
    assert (props["Statistic"], props["ComparisonOperator"], props["Threshold"]) == (
        statistic,
        "GreaterThanThreshold",
        0,
    )


@pytest.mark.parametrize("table", [PAYMENTS, IDEMPOTENCY])
@pytest.mark.parametrize("metric", ["ThrottledRequests", "ReadThrottleEvents", "WriteThrottleEvents"])
def test_dynamodb_throttles_alarm_on_both_tables(translated: dict[str, Any], table: str, metric: str) -> None:
    [alarm_id] = alarms_on(translated, "AWS/DynamoDB", metric, {"TableName": table})
    assert alarms(translated)[alarm_id]["Properties"]["Threshold"] == 0


def test_alarmed_custom_metrics_are_emitted_by_the_code(translated: dict[str, Any]) -> None:
    alarmed = {metric for a in alarms(translated).values() for ns, metric, _ in watched(a) if ns == "LinguaFlex"}
    assert alarmed == {
        "PaymentsDeclined",
        "PaymentsSucceeded",
        "WebhookSignatureFailures",
        "PaymentsStuckProcessing",
        "UnhandledErrors",
    }
    assert alarmed <= emitted_metrics()


def test_the_dashboard_covers_api_functions_payments_and_tables(translated: dict[str, Any]) -> None:
    [dashboard] = resources_of_type(translated, "AWS::CloudWatch::Dashboard").values()
    source = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    known = {*translated["Resources"], *translated["Parameters"], "AWS::Region", "AWS::StackName"}
    references = set(re.findall(r"\$\{([\w:]+)(?:\.Arn)?\}", source))
    assert references <= known, references - known
    body = json.loads(re.sub(r"\$\{([\w:]+)(?:\.Arn)?\}", r"<\1>", source))
    rows = [row for w in body["widgets"] if w["type"] == "metric" for row in w["properties"]["metrics"]]
    plain = {tuple(str(part) for part in row if not isinstance(part, dict)) for row in rows}
    assert ("AWS/ApiGateway", "5xx", "ApiId", "<HttpApi>", "Stage", "<Stage>") in plain
    for function in FUNCTIONS:
        for metric in ("Errors", "Throttles", "Duration"):
            assert ("AWS/Lambda", metric, "FunctionName", f"<{function}>") in plain
    for metric in ("PaymentsSucceeded", "PaymentsDeclined", "PaymentsStuckProcessing", "WebhookSignatureFailures"):
        assert ("LinguaFlex", metric, "service", "linguaflex-payments") in plain
    for table in (PAYMENTS, IDEMPOTENCY):
        assert ("AWS/DynamoDB", "WriteThrottleEvents", "TableName", f"<{table}>") in plain
    dashboard_metrics = {row[1] for row in plain if len(row) > 1 and row[0] == "LinguaFlex"}
    assert dashboard_metrics <= emitted_metrics()


def test_the_outputs_operators_need(translated: dict[str, Any]) -> None:
    outputs = translated["Outputs"]
    assert {"ApiUrl", "WebhookUrl", "DashboardUrl", "AlarmTopicArn"} <= set(outputs)
    webhook = outputs["WebhookUrl"]["Value"]["Fn::Sub"]
    assert any(webhook.endswith(f"/${{Stage}}{path}") for path in WEBHOOK_PATHS), webhook
    assert refers_to(outputs["DashboardUrl"]["Value"], "Dashboard")
    assert outputs["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}


# -- samconfig.toml ------------------------------------------------------------------------------------------


def test_samconfig_has_dev_and_prod() -> None:
    import tomllib

    config = tomllib.loads(Path(ROOT / "samconfig.toml").read_text())
    assert config["default"]["deploy"] == config["dev"]["deploy"]
    for env, stage in (("dev", "dev"), ("prod", "prod")):
        deploy = config[env]["deploy"]["parameters"]
        assert deploy["stack_name"] == f"linguaflex-payments-{stage}"
        assert deploy["region"] == "us-east-1"
        assert deploy["capabilities"] == "CAPABILITY_IAM"
        assert deploy["resolve_s3"] is True
        assert f"Stage={stage}" in deploy["parameter_overrides"].split()
        assert config[env]["build"]["parameters"] == {"cached": True, "parallel": True}
    assert config["prod"]["deploy"]["parameters"]["confirm_changeset"] is True
