"""Schemathesis hooks for scripts/fuzz.

Two jobs:

1. Keep the run within its time budget without changing what is valid (`before_call`).
2. Tell apart the 400s the spec documents in prose, because JSON Schema cannot express them
   (relations between fields, ranges of durations, uniqueness, lengths in UTF-8 bytes), so that
   positive_data_acceptance does not count them as failures (`filter_failure`).

A 400 is accepted only by a rule below, and only on what is stable: the error's `code` must be
`invalid_argument` and its `field` must match the rule's field pattern exactly (the API's error
body names the input it is about, `{"error":{"code","field","message"}}`), and the rule's
predicate must find the documented condition in the request itself (the subnet really has host
bits, the duration really is outside its range). The message is never read. Each rule quotes the
spec line that documents it. Every dropped failure is written to $FUZZ_DROPPED (one TSV line per
drop), which scripts/fuzz summarises after every run.
"""
import ipaddress
import json
import os
import re
import zoneinfo

import schemathesis

DURATION = re.compile(r"^([0-9]+(ms|s|m|h))+$")
PART = re.compile(r"([0-9]+)(ms|s|m|h)")
UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
DAY_MS = 86_400_000


def milliseconds(text):
    """The value of duration text in milliseconds (any length), or None if it is not one."""
    if not isinstance(text, str) or not DURATION.match(text):
        return None
    return sum(int(number) * UNIT_MS[unit] for number, unit in PART.findall(text))


def value_at(body, path):
    """The value at an error field's path in a JSON body (`template.ports[1].name`), or None."""
    value = body
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        if index:
            if not isinstance(value, list) or int(index) >= len(value):
                return None
            value = value[int(index)]
        else:
            if not isinstance(value, dict) or name not in value:
                return None
            value = value[name]
    return value


def container_of(body, match):
    """The container spec a `(template.)…` field is in: the body, or its template."""
    return value_at(body, match.group("prefix").rstrip(".")) if match.group("prefix") else body


def whole_number(value):
    """JSON's idea of an integer: 8 and 8.0 alike, but not true."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == int(value)


def node_prefix_shorter_than_subnet(body, field, match, path=None):
    prefix, subnet = body.get("nodePrefix"), body.get("subnet")
    return whole_number(prefix) and isinstance(subnet, str) and "/" in subnet and prefix < int(subnet.split("/")[1])


def subnet_has_host_bits(body, field, match, path=None):
    try:
        ipaddress.ip_network(body.get("subnet"), strict=True)
        return False
    except ValueError:
        return True
    except TypeError:
        return False


def health_check_without_port(body, field, match, path=None):
    spec = container_of(body, match)
    return isinstance(spec, dict) and isinstance(spec.get("healthCheck"), dict) and not spec.get("ports")


def health_check_duration_out_of_range(body, field, match, path=None):
    ms = milliseconds(value_at(body, field))
    return ms is not None and not 100 <= ms <= 3_600_000


def duration_over_a_day(body, field, match, path=None):
    ms = milliseconds(value_at(body, field))
    return ms is not None and ms > DAY_MS


def port_name_used_twice(body, field, match, path=None):
    ports = value_at(body, field.rsplit("[", 1)[0])
    index = int(match.group("index"))
    if not isinstance(ports, list) or index >= len(ports):
        return False
    names = [port.get("name") for port in ports[: index + 1] if isinstance(port, dict)]
    return len(names) == index + 1 and names[index] in names[:index]


# The networks of the fuzzed server: its built-in ones (scripts/fuzz starts it with the default
# --cluster-cidr and --service-cidr) and every network a PUT made or moved during the run
# (`after_call` records them).
NETWORKS = {ipaddress.ip_network("10.88.0.0/16"), ipaddress.ip_network("10.96.0.0/16")}


def address_inside_a_network(body, field, match, path=None):
    try:
        address = ipaddress.ip_address(body.get("address"))
    except (ValueError, TypeError):
        return False
    return any(address in network for network in NETWORKS if network.version == address.version)


def source_has_host_bits(body, field, match, path=None):
    try:
        ipaddress.ip_network(value_at(body, field), strict=True)
        return False
    except ValueError:
        return True
    except TypeError:
        return False


def affinity_out_of_range(body, field, match, path=None):
    ms = milliseconds(value_at(body, field))
    return ms is not None and not 1000 <= ms <= DAY_MS


def continues_a_list(body, field, match, path=None):
    """A `next` the fuzzer made up: the server gave no such token (only a token it gave, for the
    same filters, continues a list)."""
    return True


def zero_duration(body, field, match, path=None):
    return milliseconds(value_at(body, field)) == 0


def retry_delay_over_six_minutes(body, field, match, path=None):
    ms = milliseconds(value_at(body, field))
    return ms is not None and ms > 6 * 60_000


CRON_FIELDS = [  # (low, high, names) of minute, hour, day of month, month, day of week
    (0, 59, []), (0, 23, []), (1, 31, []),
    (1, 12, ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
    (0, 7, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
]
CRON_MACROS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}


def cron_value(text, low, names):
    """A field's number, or a name's (month names count from 1, weekday names from 0)."""
    if text.isdigit():
        return int(text)
    return names.index(text.lower()) + low if text.lower() in names else None


def cron_field_ok(text, low, high, names):
    for item in text.split(","):
        base, _, step = item.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            return False
        if base == "*":
            continue
        first, dash, last = base.partition("-")
        numbers = [cron_value(first, low, names)] + ([cron_value(last, low, names)] if dash else [])
        if any(n is None or not low <= n <= high for n in numbers) or (dash and numbers[0] > numbers[1]):
            return False
    return True


def cron_valid(text):
    """A loose reading of JobSpec.schedule's syntax: true when the expression looks valid."""
    if not isinstance(text, str):
        return True
    words = text.split()
    if len(words) == 1 and words[0].lower() in CRON_MACROS:
        return True
    if len(words) == 2 and words[0].lower() == "@every":
        ms = milliseconds(words[1])
        return ms is not None and ms >= 1000
    return len(words) == 5 and all(cron_field_ok(w, *f) for w, f in zip(words, CRON_FIELDS))


def schedule_invalid(body, field, match, path=None):
    return not cron_valid(body.get("schedule"))


def time_zone_unknown(body, field, match, path=None):
    zone = body.get("timeZone")
    return isinstance(zone, str) and zone not in zoneinfo.available_timezones() | {"UTC"}


def periodic_name_too_long(body, field, match, path=None):
    """A periodic job (one with a `schedule`) named longer than its runs' names allow."""
    name = (path or {}).get("name")
    return body.get("schedule") is not None and isinstance(name, str) and len(name) > 52


def over_bytes(limit):
    """A string the schema's maxLength (in characters) allows but whose UTF-8 is over `limit`."""

    def predicate(body, field, match, path=None):
        value = value_at(body, field)
        return isinstance(value, str) and len(value) <= limit < len(value.encode("utf-8"))

    return predicate


# id, field pattern (matched in full against the error's field), predicate, the spec line.
DOCUMENTED_400 = [
    ("node-prefix-vs-subnet", r"nodePrefix", node_prefix_shorter_than_subnet,
     "NetworkSpec.nodePrefix: \"not shorter than the subnet's own prefix length (400 otherwise)\""),
    ("subnet-host-bits", r"subnet", subnet_has_host_bits,
     "IPv4Cidr: \"and zero host bits (`10.88.0.0/16`, not `10.88.1.0/16`; 400 otherwise)\""),
    ("health-check-needs-port", r"(?P<prefix>template\.)?healthCheck", health_check_without_port,
     "ContainerTemplate/ContainerSpec: \"A health check (not null) needs a declared port to probe.\""),
    ("health-check-duration-range", r"(?P<prefix>template\.)?healthCheck\.(interval|timeout)", health_check_duration_out_of_range,
     "HealthCheck.interval/timeout: \"From `100ms` to `1h` (400 otherwise).\""),
    ("duration-over-a-day", r"update\.delay|retryDelay|activeDeadline|ttlAfterFinished|startingDeadline", duration_over_a_day,
     "Duration: \"at most 32 characters and at most `24h` in total (longer ones are rejected with 400)\""),
    ("address-outside-networks", r"address", address_inside_a_network,
     "putNode: \"A new or changed IPv4 `address` inside any network (the cluster's container and service networks ...) is a 400 naming `address`.\""),
    ("ingress-source-host-bits", r"ingress\[\d+\]\.from\[\d+\]\.cidr", source_has_host_bits,
     "IngressSource.cidr: \"an IPv4 network with zero host bits ... (400 otherwise)\""),
    ("affinity-timeout-range", r"loadBalancer\.affinityTimeout", affinity_out_of_range,
     "LoadBalancer.affinityTimeout: \"from `1s` to `24h` (400 otherwise)\""),
    ("next-not-given", r"next", continues_a_list,
     "parameters.Next: \"A token the server did not give, or given with other filters, is 400 naming `next`.\""),
    ("job-duration-positive", r"activeDeadline|startingDeadline", zero_duration,
     "JobSpec.activeDeadline/startingDeadline: \"longer than 0s (400 otherwise)\""),
    ("retry-delay-max", r"retryDelay", retry_delay_over_six_minutes,
     "JobSpec.retryDelay: \"at most 6m (400 otherwise)\""),
    ("schedule-syntax", r"schedule", schedule_invalid,
     "JobSpec.schedule: \"Five-field cron (ranges, lists, steps, names), `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`, or `@every 30s`.\""),
    ("time-zone-known", r"timeZone", time_zone_unknown,
     "JobSpec.timeZone: \"a name the server's zone database does not know is a 400\""),
    ("periodic-name-length", r"name", periodic_name_too_long,
     "JobSpec.schedule: \"A periodic job's name is at most 52 characters.\""),
    ("port-names-unique", r"(?P<prefix>template\.)?ports\[(?P<index>\d+)\]\.name", port_name_used_twice,
     "ContainerTemplate/ContainerSpec.ports: \"Port names must be unique (400 otherwise).\""),
    # Lengths are in UTF-8 bytes, JSON Schema's maxLength in characters.
    ("image-bytes", r"(template\.)?image", over_bytes(512), "image: \"At most 512 bytes of UTF-8.\""),
    ("command-bytes", r"(template\.)?command\[\d+\]", over_bytes(4096), "command: \"Arguments, each at most 4096 bytes of UTF-8.\""),
    ("env-value-bytes", r"(template\.)?env\.[A-Za-z0-9_]+", over_bytes(32768), "Env: \"values at most 32768 bytes of UTF-8.\""),
    ("health-check-path-bytes", r"(template\.)?healthCheck\.http", over_bytes(1024), "HealthCheck.http: \"At most 1024 bytes of UTF-8.\""),
    ("reason-bytes", r"reason", over_bytes(1024), "ContainerStatusReport.reason: \"At most 1024 bytes of UTF-8.\""),
    ("token-description-bytes", r"description", over_bytes(256), "TokenSpec.description: \"A note on what the token is for (UTF-8 bytes).\" (maxLength 256)"),
]


def documented_400(case, error):
    """The id of the rule that documents this 400, or None."""
    if not isinstance(error, dict) or error.get("code") != "invalid_argument" or not isinstance(error.get("field"), str):
        return None
    body = case.body if isinstance(case.body, dict) else {}
    for rule, pattern, predicate, _ in DOCUMENTED_400:
        match = re.fullmatch(pattern, error["field"])
        if match and predicate(body, error["field"], match, getattr(case, "path_parameters", None) or {}):
            return rule
    return None


# Each rule accepts its documented case and nothing next to it: (rule, body, field, accepted).
# scripts/fuzz runs self_test() before fuzzing, so a renamed field or a broken predicate fails
# loudly instead of letting failures through or hiding them.
EXAMPLES = [
    ("node-prefix-vs-subnet", {"subnet": "10.96.0.0/16", "nodePrefix": 8.0}, "nodePrefix", True),
    ("node-prefix-vs-subnet", {"subnet": "10.96.0.0/16", "nodePrefix": 24}, "nodePrefix", False),
    ("subnet-host-bits", {"subnet": "10.88.1.0/16"}, "subnet", True),
    ("subnet-host-bits", {"subnet": "10.88.0.0/16"}, "subnet", False),
    ("health-check-needs-port", {"template": {"image": "x", "healthCheck": {"http": "/"}}}, "template.healthCheck", True),
    ("health-check-needs-port", {"image": "x", "healthCheck": {"http": "/"}, "ports": [{"name": "a", "containerPort": 1}]}, "healthCheck", False),
    ("health-check-duration-range", {"healthCheck": {"http": "/", "interval": "99ms"}}, "healthCheck.interval", True),
    ("health-check-duration-range", {"template": {"healthCheck": {"http": "/", "timeout": "2h"}}}, "template.healthCheck.timeout", True),
    ("health-check-duration-range", {"healthCheck": {"http": "/", "interval": "1h"}}, "healthCheck.interval", False),
    ("duration-over-a-day", {"update": {"delay": "25h"}}, "update.delay", True),
    ("duration-over-a-day", {"update": {"delay": "24h"}}, "update.delay", False),
    ("port-names-unique", {"ports": [{"name": "a"}, {"name": "b"}, {"name": "a"}]}, "ports[2].name", True),
    ("port-names-unique", {"template": {"ports": [{"name": "a"}, {"name": "b"}]}}, "template.ports[1].name", False),
    ("address-outside-networks", {"address": "10.88.3.4", "capacity": {"cpu": 1, "memory": 1}}, "address", True),
    ("address-outside-networks", {"address": "10.0.0.4", "capacity": {"cpu": 1, "memory": 1}}, "address", False),
    ("next-not-given", {}, "next", True),
    ("job-duration-positive", {"startingDeadline": "000ms"}, "startingDeadline", True),
    ("job-duration-positive", {"activeDeadline": "1ms"}, "activeDeadline", False),
    ("retry-delay-max", {"retryDelay": "6m1s"}, "retryDelay", True),
    ("retry-delay-max", {"retryDelay": "6m"}, "retryDelay", False),
    ("schedule-syntax", {"schedule": "0000"}, "schedule", True),
    ("schedule-syntax", {"schedule": "61 * * * *"}, "schedule", True),
    ("schedule-syntax", {"schedule": "@every 500ms"}, "schedule", True),
    ("schedule-syntax", {"schedule": "*/5 1-3,7 * jan-mar mon-fri"}, "schedule", False),
    ("schedule-syntax", {"schedule": "@every 30s"}, "schedule", False),
    ("time-zone-known", {"timeZone": ""}, "timeZone", True),
    ("time-zone-known", {"timeZone": "Europe/Berlin"}, "timeZone", False),
    ("periodic-name-length", {"schedule": "@hourly", "template": {"image": "x"}}, "name", True, {"name": "j" * 53}),
    ("periodic-name-length", {"schedule": "@hourly", "template": {"image": "x"}}, "name", False, {"name": "j" * 52}),
    ("periodic-name-length", {"template": {"image": "x"}}, "name", False, {"name": "j" * 60}),
    ("ingress-source-host-bits", {"ingress": [{"from": [{"cidr": "10.0.0.1/8"}]}]}, "ingress[0].from[0].cidr", True),
    ("ingress-source-host-bits", {"ingress": [{"from": [{"cidr": "10.0.0.0/8"}]}]}, "ingress[0].from[0].cidr", False),
    ("affinity-timeout-range", {"loadBalancer": {"algorithm": "sourceHash", "affinityTimeout": "500ms"}}, "loadBalancer.affinityTimeout", True),
    ("affinity-timeout-range", {"loadBalancer": {"algorithm": "sourceHash", "affinityTimeout": "2h"}}, "loadBalancer.affinityTimeout", False),
    ("image-bytes", {"image": "é" * 300}, "image", True),
    ("image-bytes", {"image": "e" * 300}, "image", False),
    ("command-bytes", {"template": {"command": ["x", "ü" * 2049]}}, "template.command[1]", True),
    ("env-value-bytes", {"env": {"A_1": "ß" * 16385}}, "env.A_1", True),
    ("health-check-path-bytes", {"healthCheck": {"http": "/" + "ö" * 600}}, "healthCheck.http", True),
    ("reason-bytes", {"state": "failed", "reason": "ä" * 513}, "reason", True),
    ("token-description-bytes", {"role": "reader", "description": "ø" * 129}, "description", True),
    ("token-description-bytes", {"role": "reader", "description": "o" * 129}, "description", False),
]


def self_test():
    class Case:
        def __init__(self, body, path):
            self.body = body
            self.path_parameters = path

    for rule, body, field, accepted, *path in EXAMPLES:
        case = Case(body, path[0] if path else {})
        got = documented_400(case, {"code": "invalid_argument", "field": field, "message": "not read"})
        assert (got == rule) == accepted, f"rule {rule}: {field} in {json.dumps(body)[:120]} gave {got}, expected {'it' if accepted else 'none'}"
        assert documented_400(case, {"code": "conflict", "field": field}) is None, f"rule {rule} accepted a conflict"
    assert {rule for rule, *_ in EXAMPLES} == {rule for rule, *_ in DOCUMENTED_400}, "a rule has no example"
    print(f"fuzz hooks: {len(DOCUMENTED_400)} documented-400 rules checked against {len(EXAMPLES)} examples")


# The admin token the fuzzer uses, which revokeToken must not revoke (the rest of the run would
# be 401s); every other id, existing or not, is fuzzed.
PROTECTED_TOKEN = os.environ.get("FUZZ_PROTECTED_TOKEN_ID", "")
STANDIN_TOKEN = "000000000000"


@schemathesis.hook
def before_call(context, case, kwargs):
    """Keeps the run within its time budget without changing what is valid, in every phase: a
    blocking query waits at most 20ms (`wait` is forced small, and set when absent since the
    default is 5m; an invalid one is kept, to test the 400), revokeToken never revokes the
    fuzzer's own admin token (a stand-in id is revoked instead, a documented 404). Every valid
    `replicas` is sent as generated: lists page and a big service's delete is set-based."""
    operation = case.operation
    if any(p.name == "wait" for p in operation.query):
        query = dict(case.query or {})
        wait = query.get("wait")
        if wait is None or (isinstance(wait, str) and DURATION.match(wait)):
            query["wait"] = "20ms"
        case.query = query
    if operation.method.upper() == "DELETE" and operation.path == "/v1/tokens/{id}":
        parameters = dict(case.path_parameters or {})
        if PROTECTED_TOKEN and parameters.get("id") == PROTECTED_TOKEN:
            parameters["id"] = STANDIN_TOKEN
            case.path_parameters = parameters


@schemathesis.hook
def after_call(context, case, response):
    """Remembers the networks the run made, for `address-outside-networks`."""
    if case.operation.method.upper() == "PUT" and case.operation.path == "/v1/networks/{name}" and response.status_code in (200, 201):
        try:
            NETWORKS.add(ipaddress.ip_network(response.json()["subnet"]))
        except Exception:
            pass


def _error(response):
    try:
        return response.json()["error"]
    except Exception:
        return {}


def _dropped(rule, failure, case, response):
    log = os.environ.get("FUZZ_DROPPED")
    if log:
        error = _error(response)
        with open(log, "a") as f:
            f.write("\t".join([
                rule, failure.code, f"{case.operation.method.upper()} {case.operation.path}", str(response.status_code),
                str(error.get("field", "")), json.dumps(error.get("message", ""))[:200],
            ]) + "\n")
    return False


@schemathesis.hook
def filter_failure(context, failure, case, response):
    # negative_data_rejection: a body over 1 MiB gets the documented 413 before it is parsed.
    # Spec, responses.PayloadTooLarge: "`payload_too_large`: the request body is over 1 MiB."
    if failure.code == "ST201" and response.status_code == 413 and _error(response).get("code") == "payload_too_large":
        return _dropped("payload-too-large", failure, case, response)
    # positive_data_acceptance: a list token whose list the server no longer keeps (its last page
    # was read, or it was not used for a minute) is the documented 410. Spec, responses.ListExpired:
    # "`expired`: the list this `next` token continues is no longer kept".
    if failure.code == "ST202" and response.status_code == 410 and _error(response).get("code") == "expired" \
            and "next" in (case.query or {}):
        return _dropped("list-expired", failure, case, response)
    # positive_data_acceptance: a 400 for a rule the spec states in prose.
    if failure.code == "ST202" and response.status_code == 400:
        rule = documented_400(case, _error(response))
        if rule:
            return _dropped(rule, failure, case, response)
    return True
