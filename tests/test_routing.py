"""infra/template.yaml: every path the app answers reaches the Function URL, only
`/static/*` reaches S3, resolved the way CloudFront resolves cache behaviours. Plus the
template's other promises: tables as the app defines them, kept and recoverable; a
least-privilege role; no error page rewriting."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import BaseRoute, Match, Mount, Route

from deploy.release import RUNTIME
from deploy.stacks import OUTPUTS
from server import ROOT
from server.app import create_app
from server.lambda_handler import HEARTBEAT
from server.settings import Settings
from server.store.tables import TABLES, TTL
from server.web.assets import Assets
from tests.helpers.template import TEMPLATE, resources, template

STATIC, APP = "S3", "Function URL"
SECRET = "test-secret-key-that-is-long-enough-0123456789"


# --- reading the template --------------------------------------------------------------


def distribution() -> dict[str, Any]:
    (found,) = resources("AWS::CloudFront::Distribution").values()
    config: dict[str, Any] = found["Properties"]["DistributionConfig"]
    return config


# --- CloudFront's resolution -----------------------------------------------------------


def pattern_matches(pattern: str, path: str) -> bool:
    """CloudFront path patterns: case-sensitive, `*` any run of characters (slashes
    too), `?` exactly one, the leading `/` optional, matched against the whole path."""
    pattern = pattern if pattern.startswith("/") else "/" + pattern
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, path, flags=re.DOTALL) is not None


def origin_kind(origin: dict[str, Any]) -> str:
    """S3 for a bucket origin, the Function URL for the origin built from AppUrl."""
    if "S3OriginConfig" in origin or "s3" in str(origin["DomainName"]).lower():
        return STATIC
    if "AppUrl" in str(origin["DomainName"]) and "CustomOriginConfig" in origin:
        return APP
    return f"unknown origin {origin['Id']}"


def resolve(path: str, config: dict[str, Any] | None = None) -> str:
    """Where CloudFront sends a viewer request for `path`: the first cache behaviour
    (in order) whose pattern matches, else the default; then that behaviour's origin
    (every member of an origin group). A behaviour that runs code on the request could
    rewrite the path, so it counts as a misroute."""
    config = config or distribution()
    if path == "/" and config.get("DefaultRootObject"):
        path = "/" + config["DefaultRootObject"]
    behaviours = config.get("CacheBehaviors", [])
    chosen = next(
        (b for b in behaviours if pattern_matches(b["PathPattern"], path)),
        config["DefaultCacheBehavior"],
    )
    if chosen.get("FunctionAssociations") or chosen.get("LambdaFunctionAssociations"):
        return "rewritten by an edge function"
    origins = {o["Id"]: o for o in config["Origins"]}
    groups = {g["Id"]: g for g in config.get("OriginGroups", {}).get("Items", [])}
    target = chosen["TargetOriginId"]
    if target in groups:
        members = groups[target]["Members"]["Items"]
        kinds = {origin_kind(origins[m["OriginId"]]) for m in members}
        return kinds.pop() if len(kinds) == 1 else "an origin group mixing origins"
    return origin_kind(origins[target])


def error_pages(config: dict[str, Any] | None = None) -> list[tuple[int, str]]:
    """(status, page path) of custom error responses: CloudFront would answer an app's
    404 (or other error) with that page, fetched through the behaviours."""
    config = config or distribution()
    return [
        (int(e["ErrorCode"]), str(e.get("ResponsePagePath", "")))
        for e in config.get("CustomErrorResponses", [])
    ]


# --- the app's paths ---------------------------------------------------------------------

SAMPLE_PARAMS = {
    "event_id": ["2026-05-23-alice-whale", "2026-05-23", "x", "2026-07-04-bo"],
    "payment_id": ["0b7b3f5e-6c3a-4c57-9a53-2d7c86f0f1aa"],
    "waiver_id": ["0b7b3f5e-6c3a-4c57-9a53-2d7c86f0f1aa"],
}
DEFAULT_SAMPLES = ["x", "2026-05-23-alice-whale"]


def _app_routes() -> list[BaseRoute]:
    settings = Settings.from_env({"SCC_SECRET_KEY": SECRET})
    return list(create_app(settings).routes)


def sample_paths(route: Route) -> Iterator[str]:
    names = list(route.param_convertors)
    if not names:
        yield route.path
        return
    for i in range(max(len(SAMPLE_PARAMS.get(n, DEFAULT_SAMPLES)) for n in names)):
        values = {}
        for name in names:
            options = SAMPLE_PARAMS.get(name, DEFAULT_SAMPLES)
            values[name] = options[i % len(options)]
        yield str(route.url_path_for(route.name, **values))


def app_paths() -> list[tuple[str, str]]:
    """(route, sample path) for every route the app defines, each sample checked to
    really reach that route in Starlette."""
    found = []
    for route in _app_routes():
        if isinstance(route, Mount):
            continue
        assert isinstance(route, Route), f"unexpected route type {route!r}"
        for path in sample_paths(route):
            method = sorted(route.methods or {"GET"})[0]
            match, _ = route.matches({"type": "http", "path": path, "method": method})
            assert match is Match.FULL, f"{path} does not reach {route.path}"
            found.append((route.path, path))
    return found


def static_paths() -> list[str]:
    assets = Assets(ROOT / "static")
    mounts = [r for r in _app_routes() if isinstance(r, Mount)]
    assert [m.path for m in mounts] == ["/static"], "the only mount is /static"
    return [assets.url(name) for name in sorted(assets.names)]


OTHER_APP_PATHS = [
    "/",
    "/no-such-page",
    "/g/2026-05-23/waiver",  # the old SPA's failure: an id the router must still get
    "/g/2026-05-23-alice-whale/waiver/",
    "/static",  # no slash: not the static behaviour
    "/staticfoo/app.css",
    "/STATIC/app.css",  # patterns are case-sensitive
    "/api/static/x",
    "/g/static/waiver",
    "/index.html",
]


# --- the routing tests ---------------------------------------------------------------------


def test_the_samples_cover_every_route() -> None:
    routes = {r.path for r in _app_routes() if isinstance(r, Route)}
    assert routes == {route for route, _ in app_paths()}
    assert {"/g/{event_id}/waiver", "/api/events/{event_id}/payment", "/admin/payments"} <= routes


@pytest.mark.parametrize(("route", "path"), app_paths())
def test_every_app_route_reaches_the_function(route: str, path: str) -> None:
    assert resolve(path) == APP, f"{path} (route {route}) would not reach the app"


@pytest.mark.parametrize("path", OTHER_APP_PATHS)
def test_other_paths_reach_the_function(path: str) -> None:
    assert resolve(path) == APP


def test_static_assets_come_from_s3() -> None:
    paths = static_paths()
    assert any(re.fullmatch(r"/static/app\.[0-9a-f]{12}\.css", p) for p in paths)
    assert any(p.startswith("/static/vendor/htmx.min.") for p in paths)
    for path in paths:
        assert resolve(path) == STATIC, path


def test_no_error_response_or_root_object_rewrites_app_answers() -> None:
    config = distribution()
    assert error_pages() == [], "the app renders its own error pages"
    assert not config.get("DefaultRootObject")


def test_the_default_behaviour_is_uncached_and_forwards_everything() -> None:
    default = distribution()["DefaultCacheBehavior"]
    assert default["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # disabled
    assert default["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    methods = {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert set(default["AllowedMethods"]) == methods
    behaviours = {b["PathPattern"]: b for b in distribution()["CacheBehaviors"]}
    assert set(behaviours) == {"/static/*", "/webhooks/*"}
    static = behaviours["/static/*"]
    assert static["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"  # optimized


def test_stripes_webhook_reaches_the_function_uncached_with_its_raw_body() -> None:
    # Issue 28: the signature is over the raw body and in a header, so the behaviour
    # must allow POST, cache nothing, forward every viewer header and run no edge code.
    assert resolve("/webhooks/stripe") == APP  # (an edge function would count as a rewrite)
    (hook,) = [b for b in distribution()["CacheBehaviors"] if b["PathPattern"] == "/webhooks/*"]
    assert "POST" in hook["AllowedMethods"]
    assert hook["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # disabled
    assert hook["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # all viewer
    assert hook["TargetOriginId"] == distribution()["DefaultCacheBehavior"]["TargetOriginId"]
    assert not hook.get("FunctionAssociations") and not hook.get("LambdaFunctionAssociations")


def test_the_function_origin_carries_the_origin_secret() -> None:
    (app,) = [o for o in distribution()["Origins"] if origin_kind(o) == APP]
    headers = {h["HeaderName"]: h["HeaderValue"] for h in app["OriginCustomHeaders"]}
    # The stack's generated secret (kept across updates), pinned to a version once a
    # rotation names one; the function reads the same secret (current and previous).
    assert headers == {
        "X-Origin-Verify": {
            "Fn::If": [
                "PinnedOriginSecret",
                {
                    "Fn::Sub": "{{resolve:secretsmanager:${OriginVerifySecret}"
                    ":SecretString:::${OriginSecretVersion}}}"
                },
                {"Fn::Sub": "{{resolve:secretsmanager:${OriginVerifySecret}}}"},
            ]
        }
    }
    (function,) = resources("AWS::Lambda::Function").values()
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["SCC_ORIGIN_SECRET_ARN"] == {"Ref": "OriginVerifySecret"}
    assert "SCC_ORIGIN_SECRET" not in variables
    assert app["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    (url,) = resources("AWS::Lambda::Url").values()
    assert url["Properties"]["AuthType"] == "NONE"
    assert url["Properties"]["Qualifier"] == {"Ref": "Stage"}


# The checker itself must catch the mistakes it exists for.


def _with(**changes: Any) -> dict[str, Any]:
    return {**distribution(), **changes}


def test_the_checker_catches_a_behaviour_sending_an_app_path_to_s3() -> None:
    config = distribution()
    for pattern in ("/g/*", "*waiver", "/g/????-??-??*", "*"):
        bad = _with(CacheBehaviors=[{**config["CacheBehaviors"][0], "PathPattern": pattern}])
        assert resolve("/g/2026-05-23-alice-whale/waiver", bad) == STATIC, pattern
    # Order matters: a later catch-all does not shadow /static/*, an earlier one does.
    static = config["CacheBehaviors"]
    catch_all = {**static[0], "PathPattern": "*", "TargetOriginId": "app"}
    assert resolve("/static/app.css", _with(CacheBehaviors=[*static, catch_all])) == STATIC
    assert resolve("/static/app.css", _with(CacheBehaviors=[catch_all, *static])) == APP
    s3_default = {**config["DefaultCacheBehavior"], "TargetOriginId": "static"}
    assert resolve("/dispatch", _with(DefaultCacheBehavior=s3_default)) == STATIC


def test_the_checker_sees_wildcards_as_cloudfront_does() -> None:
    assert pattern_matches("/static/*", "/static/vendor/htmx.min.abc.js")
    assert pattern_matches("static/*", "/static/app.css")
    assert not pattern_matches("/static/*", "/static")
    assert pattern_matches("/g/?/waiver", "/g/x/waiver")
    assert not pattern_matches("/g/?/waiver", "/g/xy/waiver")
    assert not pattern_matches("/Static/*", "/static/app.css")


def test_the_checker_catches_an_index_page_error_response() -> None:
    index = {"ErrorCode": 404, "ResponseCode": 200, "ResponsePagePath": "/index.html"}
    bad = _with(CustomErrorResponses=[index])
    assert error_pages(bad) == [(404, "/index.html")]
    static_index = _with(
        CustomErrorResponses=bad["CustomErrorResponses"],
        CacheBehaviors=[
            {**distribution()["CacheBehaviors"][0], "PathPattern": "/index.html"},
            *distribution()["CacheBehaviors"],
        ],
    )
    # An app 404 would be replaced by a page from S3.
    assert [resolve(page, static_index) for _, page in error_pages(static_index)] == [STATIC]
    assert resolve("/", _with(DefaultRootObject="index.html")) == APP  # -> /index.html


# --- the rest of the template ----------------------------------------------------------------


def _sub(value: Any) -> str:
    assert isinstance(value, dict) and "Fn::Sub" in value, value
    return str(value["Fn::Sub"])


def test_tables_match_the_app_and_are_kept() -> None:
    tables = {
        _sub(r["Properties"]["TableName"]).removeprefix("scc-${Stage}-"): r
        for r in resources("AWS::DynamoDB::Table").values()
    }
    assert set(tables) == set(TABLES), "infra/template.yaml tables differ from TABLES"
    for name, spec in TABLES.items():
        resource = tables[name]
        props = resource["Properties"]
        assert resource["DeletionPolicy"] == "Retain", name
        assert resource["UpdateReplacePolicy"] == "Retain", name
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["KeySchema"] == spec["KeySchema"], name
        key = "AttributeName"
        assert sorted(props["AttributeDefinitions"], key=lambda a: a[key]) == sorted(
            spec["AttributeDefinitions"], key=lambda a: a[key]
        ), name
        indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
        expected = {i["IndexName"]: i for i in spec.get("GlobalSecondaryIndexes", [])}
        assert indexes == expected, name


def test_the_role_may_touch_only_its_own_tables() -> None:
    roles = resources("AWS::IAM::Role")
    role = roles["AppRole"]
    statements = [
        s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]
    ]
    table_names = set(resources("AWS::DynamoDB::Table"))
    for statement in statements:
        actions = statement["Action"]
        assert statement["Effect"] == "Allow"
        assert "*" not in str(actions), "no wildcard actions"
        if statement.get("Sid") == "ReadOwedStreams":
            # The notification streams: read only, of the two tables carrying owed marks.
            assert set(actions) == {
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
            }
            streams = [{"Fn::GetAtt": [t, "StreamArn"]} for t in ("EventsTable", "WaiversTable")]
            assert statement["Resource"] == streams
        elif statement.get("Sid") == "ReadOwnSecrets":
            # Its own two secrets, read only (server/settings.py resolve_secrets).
            assert actions == ["secretsmanager:GetSecretValue"]
            assert statement["Resource"] == [{"Ref": "AppSecrets"}, {"Ref": "OriginVerifySecret"}]
        elif statement.get("Sid") == "FailedBatchesToTheQueue":
            assert actions == ["sqs:SendMessage"]
            assert statement["Resource"] == {"Fn::GetAtt": ["OwedStreamFailures", "Arn"]}
        elif any(a.startswith("dynamodb:") for a in actions):
            assert all(a.startswith("dynamodb:") for a in actions)
            assert "dynamodb:DeleteTable" not in actions
            arns = {
                r["Fn::GetAtt"][0] if "Fn::GetAtt" in r else _sub(r) for r in statement["Resource"]
            }
            tables_named = {a for a in arns if a in table_names}
            index_arns = arns - tables_named
            assert tables_named == table_names
            assert all(re.fullmatch(r"\$\{(\w+)\.Arn\}/index/\*", a) for a in index_arns)
        else:
            assert all(a.startswith("logs:") for a in actions)


def test_the_schedule_may_only_invoke_the_app_with_the_outbox_task() -> None:
    role = resources("AWS::IAM::Role")["OutboxScheduleRole"]
    invoke, dead_letters = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert invoke["Action"] == "lambda:InvokeFunction"
    assert invoke["Resource"] == {"Ref": "AppAlias"}
    # ... and put what it could not deliver in its own dead-letter queue.
    assert dead_letters["Action"] == "sqs:SendMessage"
    assert dead_letters["Resource"] == {"Fn::GetAtt": ["SweepDeadLetters", "Arn"]}
    schedule = resources("AWS::Scheduler::Schedule")["OutboxSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == "rate(5 minutes)"
    assert json.loads(schedule["Target"]["Input"]) == {"scc_task": "outbox-send"}


def test_the_sweep_is_retried_dead_lettered_and_missed_when_silent() -> None:
    """Issue 23 item 5: the sweep is the only sender of OVERDUE alerts."""
    target = resources("AWS::Scheduler::Schedule")["OutboxSchedule"]["Properties"]["Target"]
    retries = target["RetryPolicy"]
    assert retries["MaximumRetryAttempts"] >= 1
    assert 60 <= retries["MaximumEventAgeInSeconds"] < 300  # given up before the next run
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["SweepDeadLetters", "Arn"]}}
    alarms = resources("AWS::CloudWatch::Alarm")
    missing = alarms["SweepMissingAlarm"]["Properties"]
    assert (missing["Namespace"], missing["MetricName"]) == ("ShipCaptainCrew", HEARTBEAT)
    assert missing["Dimensions"] == [{"Name": "TablePrefix", "Value": {"Fn::Sub": "scc-${Stage}-"}}]
    assert missing["Period"] * missing["EvaluationPeriods"] == 15 * 60
    assert missing["DatapointsToAlarm"] == missing["EvaluationPeriods"]
    assert missing["TreatMissingData"] == "breaching"
    assert (missing["ComparisonOperator"], missing["Threshold"]) == ("LessThanThreshold", 1)
    assert missing["Statistic"] == "Sum"
    queued = alarms["SweepDeadLettersAlarm"]["Properties"]
    assert queued["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["SweepDeadLetters", "QueueName"]}}
    ]


def test_the_bucket_is_private_and_cloudfront_reads_static_only() -> None:
    (bucket,) = resources("AWS::S3::Bucket").values()
    block = bucket["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    (policy,) = resources("AWS::S3::BucketPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1
    assert allows[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allows[0]["Action"] == "s3:GetObject"
    assert _sub(allows[0]["Resource"]) == "${StaticBucket.Arn}/static/*"
    (s3,) = [o for o in distribution()["Origins"] if origin_kind(o) == STATIC]
    assert "OriginAccessControlId" in s3


def test_the_function_has_a_stage_alias_and_the_deploy_outputs() -> None:
    (function,) = resources("AWS::Lambda::Function").values()
    assert function["Properties"]["Runtime"] == RUNTIME  # what `scc deploy build` targets
    assert function["Properties"]["Architectures"] == ["x86_64"]
    (alias,) = resources("AWS::Lambda::Alias").values()
    assert alias["Properties"]["Name"] == {"Ref": "Stage"}
    assert template()["Parameters"]["Stage"]["AllowedValues"] == ["staging", "prod"]
    assert set(OUTPUTS) <= set(template()["Outputs"])


def test_cfn_lint_passes_with_its_informational_rules() -> None:
    """cfn-lint as `make lint` runs it: informational rules (I3011: the stream-failure
    queue's DeletionPolicy) included."""
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    command = [str(cfn_lint), "--include-checks", "I", "--", str(TEMPLATE)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    makefile = (ROOT / "Makefile").read_text()
    assert "cfn-lint --include-checks I -- infra/template.yaml" in makefile


def test_the_queues_are_kept_like_the_tables() -> None:
    for name, queue in resources("AWS::SQS::Queue").items():
        assert queue["DeletionPolicy"] == queue["UpdateReplacePolicy"] == "Retain", name


def test_the_tables_expire_what_the_app_says_expires() -> None:
    """Every limits counter and marker carries expires_at (server/store/limits.py), as
    sessions do; without a TTL on the limits table they piled up for ever."""
    assert TTL["limits"] == "expires_at"
    for resource in resources("AWS::DynamoDB::Table").values():
        props = resource["Properties"]
        table = _sub(props["TableName"]).removeprefix("scc-${Stage}-")
        expected = {"AttributeName": TTL[table], "Enabled": True} if table in TTL else None
        assert props.get("TimeToLiveSpecification") == expected, table


def test_the_metric_filters_compare_status_as_a_number() -> None:
    """`status` is a JSON number in the request log line; CloudWatch Logs documents
    numeric comparisons (>=, <, ...) for numbers, so both filters use one (the old
    `$.status = *` was not a documented form for a numeric field)."""
    filters = {
        f["Properties"]["MetricTransformations"][0]["MetricName"]: f["Properties"]["FilterPattern"]
        for f in resources("AWS::Logs::MetricFilter").values()
    }
    numeric = r'\{ \$\.message = "request" && \$\.status (>=|<|>|<=) (\d+) \}'
    requests = re.fullmatch(numeric, filters["Requests"])
    errors = re.fullmatch(numeric, filters["ServerErrors"])
    assert requests and requests.groups() == (">=", "100"), filters["Requests"]
    assert errors and errors.groups() == (">=", "500"), filters["ServerErrors"]


# --- the production path (issue 16) ----------------------------------------------------------


def test_owed_marks_stream_into_the_function_with_a_failure_queue() -> None:
    tables = resources("AWS::DynamoDB::Table")
    streaming = {n for n, t in tables.items() if "StreamSpecification" in t["Properties"]}
    assert streaming == {"EventsTable", "WaiversTable"}  # the tables carrying owed marks
    mappings = resources("AWS::Lambda::EventSourceMapping")
    assert set(mappings) == {"EventsOwedMapping", "WaiversOwedMapping"}
    for name, mapping in mappings.items():
        props = mapping["Properties"]
        table = name.removesuffix("OwedMapping") + "Table"
        assert props["EventSourceArn"] == {"Fn::GetAtt": [table, "StreamArn"]}
        assert props["FunctionName"] == {"Ref": "AppAlias"}  # the published, snapshotted code
        assert props["BisectBatchOnFunctionError"] is True
        assert 0 <= props["MaximumRetryAttempts"] <= 5
        assert props["BatchSize"] <= 10
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["DestinationConfig"]["OnFailure"]["Destination"] == {
            "Fn::GetAtt": ["OwedStreamFailures", "Arn"]
        }
        (only,) = props["FilterCriteria"]["Filters"]
        pattern = json.loads(only["Pattern"])
        assert pattern["dynamodb"] == {"NewImage": {"outbox": {"S": ["owed"]}}}
    assert set(resources("AWS::SQS::Queue")) == {"OwedStreamFailures", "SweepDeadLetters"}


def test_snapstart_reserved_concurrency_and_json_logs() -> None:
    (function,) = resources("AWS::Lambda::Function").values()
    props = function["Properties"]
    # A parameter: on for prod and off for staging unless `on` / `off` says otherwise.
    assert props["SnapStart"] == {
        "ApplyOn": {"Fn::If": ["UseSnapStart", "PublishedVersions", "None"]}
    }
    condition = template()["Conditions"]["UseSnapStart"]
    assert condition == {
        "Fn::Or": [
            {"Fn::Equals": [{"Ref": "SnapStart"}, "on"]},
            {"Fn::And": [
                {"Fn::Equals": [{"Ref": "SnapStart"}, "stage"]},
                {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
            ]},
        ]
    }  # fmt: skip
    # 0 (the default) reserves nothing: the property is left out (issue 23 item 9).
    reserved = {"Ref": "ReservedConcurrency"}
    assert props["ReservedConcurrentExecutions"] == {
        "Fn::If": ["HasReservedConcurrency", reserved, {"Ref": "AWS::NoValue"}]
    }
    parameter = template()["Parameters"]["ReservedConcurrency"]
    assert parameter["Type"] == "Number"
    assert (parameter["Default"], parameter["MinValue"]) == (0, 0)
    assert template()["Conditions"]["HasReservedConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ReservedConcurrency"}, 0]}]
    }
    assert props["LoggingConfig"]["LogFormat"] == "JSON"


def test_alarms_reach_the_operator_by_email() -> None:
    (topic,) = resources("AWS::SNS::Topic")
    (subscription,) = resources("AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    alarms = resources("AWS::CloudWatch::Alarm")
    watched = set()
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": topic}]
        metrics = (
            [props]
            if "MetricName" in props
            else [m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]
        )
        watched |= {m["MetricName"] for m in metrics}
    assert {
        "Errors",
        "Throttles",
        "ServerErrors",
        "IteratorAge",
        "ApproximateNumberOfMessagesVisible",
        "NoticesFailed",
        HEARTBEAT,
    } <= watched
    filters = resources("AWS::Logs::MetricFilter")
    assert any("$.status >= 500" in f["Properties"]["FilterPattern"] for f in filters.values())


def test_every_checkov_skip_says_why() -> None:
    skipped = 0
    for name, resource in template()["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), name
            assert len(skip.get("comment", "")) > 20, f"{name} {skip['id']}: give the reason"
            skipped += 1
    assert skipped > 0
