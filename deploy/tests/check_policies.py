#!/usr/bin/env python3
"""Policy checks for the Punk Records deploy files: what JSON schemas cannot express.

Reads the Dockerfile, .dockerignore, docker-compose.yml, the rendered kustomize overlays (given
with --rendered NAME=FILE), deploy/examples/ and deploy/dapr/, and checks them against the
external contract: environment variable names, probe routes and ports, replica counts against
the events topic's partitions, pinned image tags, the compose persister's scalability,
container security settings, and the event contracts (SCHEMA_DIR points at a mounted copy of
schemas/ in compose and Kubernetes; the images carry schemas/ without setting SCHEMA_DIR).

Prints one line per check, `PASS <check>` or `FAIL <check>: <why>`, and exits 1 when any check
failed. `--self-test` instead breaks the real files in memory, one way at a time, and checks
that every breakage is reported.

Standard library and PyYAML only.
"""

from __future__ import annotations

import argparse
import copy
import fnmatch
import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

# --------------------------------------------------------------------------------------------------
# The contract (shared/contract.md, "Environment")
# --------------------------------------------------------------------------------------------------

CONTRACT_ENV = frozenset(
    {
        "KAFKA_BROKERS",
        "KAFKA_TOPIC",
        "KAFKA_TOPIC_ROUTES",
        "KAFKA_DLQ_TOPIC",
        "HTTP_HOST",
        "HTTP_PORT",
        "PUNK_RECORDS_API_TOKEN",
        "MAX_EVENT_BYTES",
        "MAX_BATCH_EVENTS",
        "DATABASE_URL",
        "KAFKA_TOPICS",
        "KAFKA_GROUP_ID",
        "BATCH_MAX_EVENTS",
        "BATCH_MAX_WAIT_MS",
        "METRICS_PORT",
        "LOG_LEVEL",
        "LOG_FORMAT",
        "SCHEMA_DIR",
        "SCHEMA_POLICY",
        "BATCH_MAX_BYTES",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_SERVICE_NAME",
    }
)
PASSTHROUGH_ENV = re.compile(r"^KAFKA_PROPERTY_[A-Z0-9_]+$")

EVENTS_TOPIC = "clawderpunk.events.v1"
DLQ_TOPIC = "clawderpunk.events.v1.dlq"
DEFAULT_GROUP_ID = "punk-records-persister"

# Per program (also the name of its Dockerfile target and compose service): image repository,
# the variable holding its HTTP port and that port's default, the shortest acceptable shutdown
# grace period, and the highest acceptable memory limit.
PROGRAMS = {
    "gateway": {
        "image": "ghcr.io/punk-records/gateway",
        "port_var": "HTTP_PORT",
        "port_default": 8000,
        "min_grace_seconds": 45,
        "max_memory_limit": 256 * 2**20,
    },
    "persister": {
        "image": "ghcr.io/punk-records/persister",
        "port_var": "METRICS_PORT",
        "port_default": 9100,
        "min_grace_seconds": 90,
        "max_memory_limit": 384 * 2**20,
    },
}

# The event contracts (shared/contract.md, "Event contracts"): where the images carry schemas/ and
# where compose and Kubernetes mount it; the policies SCHEMA_POLICY accepts.
SCHEMA_MOUNT = "/etc/punk-records/schemas"
SCHEMA_POLICIES = {"registered", "strict"}

# docker-compose services that run someone else's program with that program's own settings.
COMPOSE_THIRD_PARTY = {"redpanda", "postgres", "console"}

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "Pod"}


def env_name_allowed(name: str) -> bool:
    return name in CONTRACT_ENV or bool(PASSTHROUGH_ENV.match(name))


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


class Results:
    def __init__(self, echo: bool = True) -> None:
        self.echo = echo
        self.passed: list[str] = []
        self.failed: list[tuple[str, str]] = []

    def check(self, name: str, problems: Iterable[str] | bool | None) -> None:
        """Records one check. `problems`: a list of problem strings, or a bool (True = passed)."""
        if isinstance(problems, bool):
            problems = [] if problems else ["condition not met"]
        elif problems is None:
            problems = []
        problems = list(problems)
        if problems:
            self.failed.append((name, "; ".join(problems)))
            if self.echo:
                print(f"FAIL {name}: {'; '.join(problems)}")
        else:
            self.passed.append(name)
            if self.echo:
                print(f"PASS {name}")


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------

_QUANTITY = re.compile(r"^([0-9.]+)([A-Za-z]*)$")
_QUANTITY_UNITS = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
}


def parse_quantity(value: Any) -> float | None:
    match = _QUANTITY.match(str(value))
    if not match or match.group(2) not in _QUANTITY_UNITS:
        return None
    return float(match.group(1)) * _QUANTITY_UNITS[match.group(2)]


def parse_duration(value: Any) -> float | None:
    """Compose durations: `45s`, `1m30s`, `1h`, `500ms`."""
    text = str(value).strip()
    parts = re.findall(r"([0-9.]+)(ms|us|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    scale = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 0.000001}
    return sum(float(n) * scale[u] for n, u in parts)


_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def resolve_interpolation(text: str) -> str:
    """Applies compose/Dockerfile `${VAR:-default}` defaults (as if no variable were set)."""

    def substitute(match: re.Match[str]) -> str:
        operator, default = match.group(2), match.group(3)
        return default if operator in (":-", "-") and default is not None else ""

    return _INTERPOLATION.sub(substitute, text)


def image_problem(image: Any) -> str | None:
    """None when the image reference carries an explicit tag (not `latest`) or a digest."""
    if not isinstance(image, str) or not image.strip():
        return f"missing image ({image!r})"
    ref = image.strip()
    if "@sha256:" in ref:
        return None
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"{ref} has no tag"
    tag = last.split(":", 1)[1]
    if not tag:
        return f"{ref} has an empty tag"
    if tag.lower() == "latest":
        return f"{ref} uses the latest tag"
    return None


def image_repository(image: str) -> str:
    ref = image.split("@", 1)[0]
    head, _, last = ref.rpartition("/")
    name = last.split(":", 1)[0]
    return f"{head}/{name}" if head else name


def program_of_image(image: Any) -> str | None:
    if not isinstance(image, str):
        return None
    repo = image_repository(image)
    for program, facts in PROGRAMS.items():
        if repo == facts["image"]:
            return program
    return None


def path_under(path: str, mount: str) -> bool:
    """True when `path` is `mount` or inside it (both absolute, compared by segments)."""
    path_parts = [p for p in str(path).split("/") if p not in ("", ".")]
    mount_parts = [p for p in str(mount).split("/") if p not in ("", ".")]
    return str(path).startswith("/") and path_parts[: len(mount_parts)] == mount_parts


def schema_documents(schemas: Path) -> dict[str, str]:
    """`<event_type>/<event_version>.json` -> text for the repository's schemas/ (as the loader
    reads it: the top-level README.md and hidden entries skipped)."""
    documents: dict[str, str] = {}
    if not schemas.is_dir():
        return documents
    for type_dir in sorted(schemas.iterdir()):
        if type_dir.name.startswith(".") or not type_dir.is_dir():
            continue
        for file in sorted(type_dir.iterdir()):
            if not file.name.startswith(".") and file.is_file():
                documents[f"{type_dir.name}/{file.name}"] = file.read_text(encoding="utf-8")
    return documents


def load_yaml_documents(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if isinstance(doc, dict)]


# --------------------------------------------------------------------------------------------------
# Contract table and topic plan
# --------------------------------------------------------------------------------------------------


def contract_env_from_markdown(text: str) -> set[str]:
    section = re.search(r"^## Environment\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not section:
        return set()
    names: set[str] = set()
    for line in section.group(1).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and "`" in cells[0]:
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]))
    return names


def check_contract(results: Results, contract_path: Path | None) -> None:
    if contract_path is None:
        results.check("contract: environment table located (skipped cross-check)", True)
        return
    names = contract_env_from_markdown(contract_path.read_text(encoding="utf-8"))
    problems = []
    if not names:
        problems.append(f"no Environment table found in {contract_path}")
    else:
        if names - CONTRACT_ENV:
            problems.append(f"contract lists variables this checker lacks: {sorted(names - CONTRACT_ENV)}")
        if CONTRACT_ENV - names:
            problems.append(f"checker allows variables the contract lacks: {sorted(CONTRACT_ENV - names)}")
    results.check(f"contract: checker's variable list equals the table in {contract_path.name}", problems)


def topic_plan(script_text: str) -> dict[str, int]:
    plan = {}
    for key in ("EVENTS_PARTITIONS", "EVENTS_RETENTION_DAYS", "DLQ_PARTITIONS", "DLQ_RETENTION_DAYS"):
        match = re.search(rf"^\s*(?:readonly\s+)?{key}=([0-9]+)\s*$", script_text, re.M)
        if match:
            plan[key] = int(match.group(1))
    return plan


def check_topic_script(results: Results, script_text: str) -> dict[str, int]:
    plan = topic_plan(script_text)
    expected = {
        "EVENTS_PARTITIONS": 6,
        "EVENTS_RETENTION_DAYS": 7,
        "DLQ_PARTITIONS": 3,
        "DLQ_RETENTION_DAYS": 30,
    }
    problems = [
        f"{key} is {plan.get(key)}, expected {value}"
        for key, value in expected.items()
        if plan.get(key) != value
    ]
    results.check("topics: events 6 partitions / 7 days, DLQ 3 partitions / 30 days", problems)
    defaults_ok = (
        f"KAFKA_TOPIC:-{EVENTS_TOPIC}}}" in script_text and f"KAFKA_DLQ_TOPIC:-{DLQ_TOPIC}}}" in script_text
    )
    results.check("topics: script defaults to the contract's topic names", defaults_ok)
    results.check(
        "topics: script uses `rpk topic create` and tolerates existing topics",
        "rpk" in script_text and "topic create" in script_text and "TOPIC_ALREADY_EXISTS" in script_text,
    )
    return plan


# --------------------------------------------------------------------------------------------------
# Kubernetes (rendered overlays)
# --------------------------------------------------------------------------------------------------


def pod_spec_of(doc: dict) -> dict | None:
    kind = doc.get("kind")
    spec = doc.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec")
    if kind in WORKLOAD_KINDS:
        return (spec.get("template") or {}).get("spec")
    return None


def containers_of(pod: dict) -> list[dict]:
    return list(pod.get("initContainers") or []) + list(pod.get("containers") or [])


def ident(doc: dict) -> str:
    return f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"


def effective_env(
    container: dict, config_maps: dict[str, dict], secrets: dict[str, dict]
) -> tuple[dict[str, str | None], list[str]]:
    """Variable name -> literal value (None when not knowable), plus reference problems."""
    env: dict[str, str | None] = {}
    problems: list[str] = []
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        if "configMapRef" in source:
            name = source["configMapRef"].get("name")
            data = config_maps.get(name)
            if data is None:
                problems.append(f"envFrom ConfigMap {name} is not in the rendered output")
                continue
            for key, value in data.items():
                env[prefix + key] = str(value)
        if "secretRef" in source:
            name = source["secretRef"].get("name")
            data = secrets.get(name)
            if data is None:
                problems.append(f"envFrom Secret {name} is not in the rendered output")
                continue
            for key in data:
                env[prefix + key] = None
    for item in container.get("env") or []:
        name = item.get("name")
        value: str | None = None
        if "value" in item:
            value = str(item["value"])
        ref = item.get("valueFrom") or {}
        if "configMapKeyRef" in ref:
            cm_name, key = ref["configMapKeyRef"].get("name"), ref["configMapKeyRef"].get("key")
            data = config_maps.get(cm_name)
            if data is None or key not in data:
                problems.append(f"{name}: ConfigMap key {cm_name}/{key} is not in the rendered output")
            else:
                value = str(data[key])
        if "secretKeyRef" in ref:
            s_name, key = ref["secretKeyRef"].get("name"), ref["secretKeyRef"].get("key")
            data = secrets.get(s_name)
            if data is None or key not in data:
                problems.append(f"{name}: Secret key {s_name}/{key} is not in the rendered output")
        env[name] = value
    return env, problems


def resolve_probe_port(port: Any, container: dict) -> int | None:
    if isinstance(port, int):
        return port
    for declared in container.get("ports") or []:
        if declared.get("name") == port:
            return declared.get("containerPort")
    if isinstance(port, str) and port.isdigit():
        return int(port)
    return None


def check_security_context(pod: dict, container: dict) -> list[str]:
    problems = []
    pod_sc = pod.get("securityContext") or {}
    sc = container.get("securityContext")
    if not isinstance(sc, dict) or not sc:
        return ["no securityContext"]
    if sc.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation is not false")
    if sc.get("readOnlyRootFilesystem") is not True:
        problems.append("readOnlyRootFilesystem is not true")
    if sc.get("privileged") is True:
        problems.append("privileged")
    drops = [str(cap).upper() for cap in ((sc.get("capabilities") or {}).get("drop") or [])]
    if "ALL" not in drops:
        problems.append("capabilities.drop lacks ALL")
    if (sc.get("capabilities") or {}).get("add"):
        problems.append("adds capabilities")
    run_as_non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
    if run_as_non_root is not True:
        problems.append("runAsNonRoot is not true")
    if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
        problems.append("runs as uid 0")
    seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
    if seccomp not in ("RuntimeDefault", "Localhost"):
        problems.append(f"seccompProfile is {seccomp!r}, not RuntimeDefault")
    return problems


def check_rendered(
    results: Results, label: str, docs: list[dict], partitions: int, schemas: dict[str, str]
) -> None:
    config_maps = {
        (d.get("metadata") or {}).get("name"): (d.get("data") or {})
        for d in docs
        if d.get("kind") == "ConfigMap"
    }
    secrets = {
        (d.get("metadata") or {}).get("name"): {**(d.get("data") or {}), **(d.get("stringData") or {})}
        for d in docs
        if d.get("kind") == "Secret"
    }
    workloads = [d for d in docs if pod_spec_of(d) is not None]
    deployments = {(d.get("metadata") or {}).get("name"): d for d in docs if d.get("kind") == "Deployment"}

    env_problems, ref_problems, image_problems, security_problems = [], [], [], []
    resource_problems, probe_problems, grace_problems = [], [], []
    programs_seen: dict[str, list[str]] = {name: [] for name in PROGRAMS}

    for doc in workloads:
        pod = pod_spec_of(doc) or {}
        init_names = {c.get("name") for c in pod.get("initContainers") or []}
        for container in containers_of(pod):
            where = f"{ident(doc)}[{container.get('name')}]"
            env, problems = effective_env(container, config_maps, secrets)
            ref_problems += [f"{where}: {p}" for p in problems]
            env_problems += [f"{where}: {name}" for name in env if not env_name_allowed(name)]
            problem = image_problem(container.get("image"))
            if problem:
                image_problems.append(f"{where}: {problem}")
            security_problems += [f"{where}: {p}" for p in check_security_context(pod, container)]
            resources = container.get("resources") or {}
            for section in ("requests", "limits"):
                if "memory" not in (resources.get(section) or {}):
                    resource_problems.append(f"{where}: no {section}.memory")
            if "cpu" not in (resources.get("requests") or {}):
                resource_problems.append(f"{where}: no requests.cpu")

            program = program_of_image(container.get("image"))
            if program is None or doc.get("kind") != "Deployment" or container.get("name") in init_names:
                continue
            facts = PROGRAMS[program]
            programs_seen[program].append(where)
            limit = parse_quantity((resources.get("limits") or {}).get("memory"))
            if limit is not None and limit > facts["max_memory_limit"]:
                resource_problems.append(
                    f"{where}: memory limit above {facts['max_memory_limit'] // 2**20}Mi"
                )
            port_value = env.get(facts["port_var"])
            expected_port = int(port_value) if port_value and port_value.isdigit() else facts["port_default"]
            for probe_key, path in (("livenessProbe", "/live"), ("readinessProbe", "/ready")):
                probe = container.get(probe_key)
                http = (probe or {}).get("httpGet")
                if not http:
                    probe_problems.append(f"{where}: no {probe_key}.httpGet")
                    continue
                if http.get("path") != path:
                    probe_problems.append(f"{where}: {probe_key} path {http.get('path')!r}, expected {path}")
                port = resolve_probe_port(http.get("port"), container)
                if port != expected_port:
                    probe_problems.append(
                        f"{where}: {probe_key} port {http.get('port')!r} -> {port}, "
                        f"expected {facts['port_var']}={expected_port}"
                    )
            declared = [p.get("containerPort") for p in container.get("ports") or []]
            if expected_port not in declared:
                probe_problems.append(
                    f"{where}: containerPort {expected_port} ({facts['port_var']}) not declared"
                )
            grace = pod.get("terminationGracePeriodSeconds", 30)
            if grace < facts["min_grace_seconds"]:
                grace_problems.append(
                    f"{where}: terminationGracePeriodSeconds {grace} < {facts['min_grace_seconds']}"
                )

    results.check(
        f"k8s[{label}]: every container env var is in the contract or KAFKA_PROPERTY_*", env_problems
    )
    results.check(f"k8s[{label}]: env references resolve to rendered ConfigMaps/Secrets", ref_problems)
    results.check(f"k8s[{label}]: every image has a pinned tag (no latest)", image_problems)
    results.check(f"k8s[{label}]: every container has a restrictive securityContext", security_problems)
    results.check(
        f"k8s[{label}]: every container sets cpu/memory requests and memory limits", resource_problems
    )
    results.check(
        f"k8s[{label}]: probes hit /live (liveness) and /ready (readiness) on the service port",
        probe_problems,
    )
    results.check(f"k8s[{label}]: terminationGracePeriodSeconds covers graceful shutdown", grace_problems)
    results.check(
        f"k8s[{label}]: gateway and persister Deployments present",
        [f"no Deployment runs {name}" for name, seen in programs_seen.items() if not seen],
    )

    # Replica counts against the partition count.
    replica_problems = []
    persister_deployments = [
        name
        for name, dep in deployments.items()
        if any(program_of_image(c.get("image")) == "persister" for c in containers_of(pod_spec_of(dep) or {}))
    ]
    for name in persister_deployments:
        replicas = (deployments[name].get("spec") or {}).get("replicas", 1)
        if replicas > partitions:
            replica_problems.append(f"Deployment/{name} replicas {replicas} > {partitions} partitions")
    for doc in docs:
        target = ((doc.get("spec") or {}).get("scaleTargetRef") or {}).get("name")
        if target not in persister_deployments:
            continue
        if doc.get("kind") == "HorizontalPodAutoscaler":
            maximum = (doc.get("spec") or {}).get("maxReplicas", 0)
            if maximum > partitions:
                replica_problems.append(f"{ident(doc)} maxReplicas {maximum} > {partitions}")
        if doc.get("kind") == "ScaledObject":
            maximum = (doc.get("spec") or {}).get("maxReplicaCount", 100)
            if maximum > partitions:
                replica_problems.append(f"{ident(doc)} maxReplicaCount {maximum} > {partitions}")
    results.check(
        f"k8s[{label}]: persister replicas and autoscaler maxima <= {partitions} partitions", replica_problems
    )

    # The gateway autoscaler and the disruption budgets.
    hpa_problems = []
    gateway_deployments = [
        name
        for name, dep in deployments.items()
        if any(program_of_image(c.get("image")) == "gateway" for c in containers_of(pod_spec_of(dep) or {}))
    ]
    for name in gateway_deployments:
        hpas = [
            d
            for d in docs
            if d.get("kind") == "HorizontalPodAutoscaler"
            and ((d.get("spec") or {}).get("scaleTargetRef") or {}).get("name") == name
        ]
        if not hpas:
            hpa_problems.append(f"no HorizontalPodAutoscaler for Deployment/{name}")
        for hpa in hpas:
            if hpa.get("apiVersion") != "autoscaling/v2":
                hpa_problems.append(f"{ident(hpa)} is {hpa.get('apiVersion')}, not autoscaling/v2")
            spec = hpa.get("spec") or {}
            if spec.get("minReplicas", 1) > spec.get("maxReplicas", 0):
                hpa_problems.append(f"{ident(hpa)} minReplicas > maxReplicas")
    results.check(f"k8s[{label}]: gateway has an autoscaling/v2 HorizontalPodAutoscaler", hpa_problems)

    pdb_problems = []
    pdbs = [d for d in docs if d.get("kind") == "PodDisruptionBudget"]
    for name in gateway_deployments + persister_deployments:
        labels = (
            (((deployments[name].get("spec") or {}).get("template") or {}).get("metadata") or {}).get(
                "labels"
            )
        ) or {}
        covered = any(
            ((pdb.get("spec") or {}).get("selector") or {}).get("matchLabels")
            and all(labels.get(k) == v for k, v in pdb["spec"]["selector"]["matchLabels"].items())
            for pdb in pdbs
        )
        if not covered:
            pdb_problems.append(f"no PodDisruptionBudget selects Deployment/{name}")
    results.check(f"k8s[{label}]: gateway and persister have PodDisruptionBudgets", pdb_problems)

    # The two Jobs.
    jobs = [d for d in docs if d.get("kind") == "Job"]
    migrate_jobs = [
        j
        for j in jobs
        for c in (pod_spec_of(j) or {}).get("containers") or []
        if program_of_image(c.get("image")) == "persister"
        and list(c.get("args") or c.get("command") or []) == ["migrate"]
    ]
    results.check(f"k8s[{label}]: a Job runs `persister migrate`", bool(migrate_jobs))
    topic_jobs = [
        j
        for j in jobs
        for c in (pod_spec_of(j) or {}).get("containers") or []
        if "redpanda" in image_repository(str(c.get("image")))
        and any("create-topics" in str(part) for part in (c.get("command") or []) + (c.get("args") or []))
    ]
    results.check(f"k8s[{label}]: a Job provisions topics with rpk", bool(topic_jobs))

    # Services point at declared container ports.
    service_problems = []
    for svc in (d for d in docs if d.get("kind") == "Service"):
        selector = (svc.get("spec") or {}).get("selector") or {}
        pods = [
            dep
            for dep in deployments.values()
            if selector
            and all(
                (
                    (((dep.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels")
                    or {}
                ).get(k)
                == v
                for k, v in selector.items()
            )
        ]
        if not pods:
            service_problems.append(f"{ident(svc)} selects no Deployment")
            continue
        for port in (svc.get("spec") or {}).get("ports") or []:
            target = port.get("targetPort", port.get("port"))
            for dep in pods:
                containers = (pod_spec_of(dep) or {}).get("containers") or []
                if not any(
                    resolve_probe_port(target, c) in [p.get("containerPort") for p in c.get("ports") or []]
                    for c in containers
                ):
                    service_problems.append(
                        f"{ident(svc)} targetPort {target!r} is not a port of {ident(dep)}"
                    )
    results.check(f"k8s[{label}]: Services target declared container ports", service_problems)

    check_rendered_schemas(results, label, docs, config_maps, secrets, schemas)


def check_rendered_schemas(
    results: Results,
    label: str,
    docs: list[dict],
    config_maps: dict[str, dict],
    secrets: dict[str, dict],
    schemas: dict[str, str],
) -> None:
    """Every gateway/persister Deployment container reads SCHEMA_DIR from a mounted volume, the
    persister checks that directory in an init container, and the volume projects exactly the
    repository's schemas/ (scripts/schemas-configmap.sh output) into the SCHEMA_DIR layout."""
    dir_problems: list[str] = []
    content_problems: list[str] = []
    volumes_checked: set[tuple[str, str]] = set()
    seen = {name: False for name in PROGRAMS}

    def mounted_volume(pod: dict, container: dict, path: str, where: str) -> dict | None:
        mounts = [m for m in container.get("volumeMounts") or [] if path_under(path, m.get("mountPath", ""))]
        if not mounts:
            dir_problems.append(f"{where}: {path} is not on a volumeMount")
            return None
        mount = max(mounts, key=lambda m: len(m.get("mountPath", "")))
        if mount.get("readOnly") is not True:
            dir_problems.append(f"{where}: the mount at {mount.get('mountPath')} is not readOnly")
        volume = next((v for v in pod.get("volumes") or [] if v.get("name") == mount.get("name")), None)
        if volume is None:
            dir_problems.append(f"{where}: volume {mount.get('name')!r} is not defined in the pod")
        return volume

    for doc in docs:
        if doc.get("kind") != "Deployment":
            continue
        pod = pod_spec_of(doc) or {}
        directories: dict[str, dict | None] = {}
        for container in pod.get("containers") or []:
            program = program_of_image(container.get("image"))
            if program is None:
                continue
            seen[program] = True
            where = f"{ident(doc)}[{container.get('name')}]"
            env, _ = effective_env(container, config_maps, secrets)
            directory = env.get("SCHEMA_DIR")
            if not directory:
                dir_problems.append(f"{where}: SCHEMA_DIR is not set to a literal path")
                continue
            policy = env.get("SCHEMA_POLICY")
            if "SCHEMA_POLICY" in env and policy not in SCHEMA_POLICIES:
                dir_problems.append(f"{where}: SCHEMA_POLICY {policy!r} is not one of {sorted(SCHEMA_POLICIES)}")
            directories[directory] = mounted_volume(pod, container, directory, where)
            if program == "persister":
                checks = [
                    c
                    for c in pod.get("initContainers") or []
                    if program_of_image(c.get("image")) == "persister"
                    and list(c.get("command") or []) + list(c.get("args") or []) == ["check-schemas", directory]
                ]
                if not checks:
                    dir_problems.append(f"{where}: no init container runs `persister check-schemas {directory}`")
                for check in checks:
                    mounted_volume(pod, check, directory, f"{ident(doc)}[{check.get('name')}]")
        # The volume behind SCHEMA_DIR holds exactly schemas/, in the loader's layout.
        for directory, volume in directories.items():
            if volume is None or (ident(doc), volume.get("name")) in volumes_checked:
                continue
            volumes_checked.add((ident(doc), volume.get("name")))
            where = f"{ident(doc)} volume {volume.get('name')}"
            source = volume.get("configMap")
            if source is None:
                content_problems.append(f"{where}: not a configMap volume")
                continue
            data = config_maps.get(source.get("name"))
            if data is None:
                content_problems.append(f"{where}: ConfigMap {source.get('name')} is not in the rendered output")
                continue
            items = source.get("items") or []
            if not items:
                content_problems.append(f"{where}: no items (flat keys would not give <type>/<version>.json)")
                continue
            projected = {}
            for item in items:
                if item.get("key") not in data:
                    content_problems.append(f"{where}: key {item.get('key')!r} is not in the ConfigMap")
                else:
                    projected[item.get("path")] = str(data[item["key"]])
            for path in sorted(set(schemas) - set(projected)):
                content_problems.append(f"{where}: schemas/{path} is missing")
            for path in sorted(set(projected) - set(schemas)):
                content_problems.append(f"{where}: {path} is not in schemas/")
            for path in sorted(set(projected) & set(schemas)):
                if projected[path] != schemas[path]:
                    content_problems.append(f"{where}: {path} differs from schemas/{path}")
            if source.get("name") == "punk-records-schemas":
                content_problems.append(
                    f"{where}: ConfigMap punk-records-schemas has no content-hash suffix "
                    "(a schema change would not roll the pods)"
                )
    for program, present in seen.items():
        if not present:
            dir_problems.append(f"no Deployment runs {program}")
    results.check(
        f"k8s[{label}]: gateway and persister read SCHEMA_DIR from a read-only mount "
        "(the persister checks it in an init container)",
        dir_problems,
    )
    results.check(
        f"k8s[{label}]: the volume behind SCHEMA_DIR projects exactly schemas/ "
        "(regenerate: scripts/schemas-configmap.sh)",
        content_problems,
    )


# --------------------------------------------------------------------------------------------------
# docker-compose.yml
# --------------------------------------------------------------------------------------------------


def compose_env(service: dict) -> dict[str, str | None]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        result: dict[str, str | None] = {}
        for item in env:
            name, sep, value = str(item).partition("=")
            result[name] = value if sep else None
        return result
    return {str(k): (None if v is None else str(v)) for k, v in env.items()}


def healthcheck_text(service: dict) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    if isinstance(test, list):
        return " ".join(str(part) for part in test)
    return str(test or "")


def check_compose(results: Results, compose: dict, repo: Path, partitions: int) -> None:
    services: dict[str, dict] = compose.get("services") or {}

    env_problems, image_problems = [], []
    for name, service in services.items():
        problem = image_problem(resolve_interpolation(str(service.get("image", ""))))
        if problem:
            image_problems.append(f"{name}: {problem}")
        if name in COMPOSE_THIRD_PARTY:
            continue
        env_problems += [f"{name}: {var}" for var in compose_env(service) if not env_name_allowed(var)]
    results.check("compose: our services' env vars are in the contract or KAFKA_PROPERTY_*", env_problems)
    results.check("compose: every image has a pinned tag (no latest)", image_problems)

    by_program: dict[str, list[str]] = {p: [] for p in PROGRAMS}
    for name, service in services.items():
        program = program_of_image(resolve_interpolation(str(service.get("image", ""))))
        if program and name == program:
            by_program[program].append(name)
    results.check(
        "compose: gateway and persister services present",
        [f"no `{p}` service running {PROGRAMS[p]['image']}" for p, names in by_program.items() if not names],
    )

    persister = services.get("persister") or {}
    scale_problems = []
    if "container_name" in persister:
        scale_problems.append("persister has container_name")
    if persister.get("ports"):
        scale_problems.append("persister publishes host ports")
    replicas = ((persister.get("deploy") or {}).get("replicas")) or persister.get("scale")
    if replicas and int(replicas) > partitions:
        scale_problems.append(f"persister replicas {replicas} > {partitions}")
    results.check(
        "compose: persister can be scaled (no container_name, no ports, <= partitions)", scale_problems
    )

    health_problems = []
    for program, facts in PROGRAMS.items():
        service = services.get(program)
        if not service:
            continue
        env = compose_env(service)
        value = resolve_interpolation(env.get(facts["port_var"]) or "")
        port = int(value) if value.isdigit() else facts["port_default"]
        text = healthcheck_text(service)
        if not text:
            # The image's HEALTHCHECK applies; the Dockerfile check covers it, but then the port
            # must be the default the image assumes.
            if port != facts["port_default"]:
                health_problems.append(f"{program}: no healthcheck while {facts['port_var']}={port}")
            continue
        if "/health" not in text:
            health_problems.append(f"{program}: healthcheck does not call /health")
        if f":{port}/" not in text and f"{facts['port_var']}" not in text:
            health_problems.append(f"{program}: healthcheck does not use port {port}")
    results.check("compose: healthchecks call /health on the configured port", health_problems)

    dep_problems = []
    allowed_conditions = {"service_healthy", "service_completed_successfully"}
    for name, service in services.items():
        depends = service.get("depends_on")
        if depends is None:
            continue
        if isinstance(depends, list):
            dep_problems.append(f"{name}: depends_on without conditions")
            continue
        for target, spec in depends.items():
            if target not in services:
                dep_problems.append(f"{name}: depends on unknown service {target}")
            condition = (spec or {}).get("condition")
            if condition not in allowed_conditions:
                dep_problems.append(f"{name} -> {target}: condition {condition!r}")
            if condition == "service_healthy":
                hc = services.get(target, {}).get("healthcheck") or {}
                if not hc.get("test") or hc.get("disable"):
                    dep_problems.append(f"{name} waits for {target} to be healthy but it has no healthcheck")
    for name, needs in (("gateway", "topic-init"), ("persister", "migrate"), ("persister", "topic-init")):
        depends = (services.get(name) or {}).get("depends_on") or {}
        condition = (depends.get(needs) or {}).get("condition") if isinstance(depends, dict) else None
        if condition != "service_completed_successfully":
            dep_problems.append(f"{name} does not wait for {needs} to complete")
    results.check("compose: depends_on uses healthy/completed conditions", dep_problems)

    oneshot_problems = []
    migrate = services.get("migrate") or {}
    if program_of_image(resolve_interpolation(str(migrate.get("image", "")))) != "persister":
        oneshot_problems.append("migrate does not run the persister image")
    if list(migrate.get("command") or []) != ["migrate"]:
        oneshot_problems.append(f"migrate command is {migrate.get('command')!r}")
    topic_init = services.get("topic-init") or {}
    if "create-topics" not in " ".join(
        str(p) for p in (topic_init.get("entrypoint") or []) + (topic_init.get("command") or [])
    ):
        oneshot_problems.append("topic-init does not run create-topics.sh")
    for name, service in services.items():
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else (volume or {}).get("source", "")
            if source.startswith("./") and not (repo / source).exists():
                oneshot_problems.append(f"{name}: bind mount source {source} does not exist")
    results.check("compose: migrate and topic-init one-shots are wired", oneshot_problems)

    misc_problems = []
    gateway = services.get("gateway") or {}
    token = str(compose_env(gateway).get("PUNK_RECORDS_API_TOKEN") or "")
    if not re.fullmatch(r"\$\{PUNK_RECORDS_API_TOKEN:-[^}]+\}", token):
        misc_problems.append("gateway token is not `${PUNK_RECORDS_API_TOKEN:-default}`")
    published = []
    for port in gateway.get("ports") or []:
        if isinstance(port, dict):
            published.append((str(port.get("published", "")), str(port.get("target", ""))))
        else:
            parts = str(port).split("/")[0].split(":")
            published.append((parts[-2] if len(parts) >= 2 else parts[0], parts[-1]))
    if ("8000", "8000") not in published:
        misc_problems.append("gateway does not publish port 8000")
    for program, facts in PROGRAMS.items():
        grace = parse_duration((services.get(program) or {}).get("stop_grace_period", "10s"))
        if grace is None or grace < facts["min_grace_seconds"]:
            misc_problems.append(f"{program}: stop_grace_period below {facts['min_grace_seconds']}s")
    console = services.get("console")
    if console is None or "console" not in (console.get("profiles") or []):
        misc_problems.append("Redpanda Console is not under the `console` profile")
    postgres = services.get("postgres") or {}
    if not str(postgres.get("image", "")).startswith("postgres:15"):
        misc_problems.append("postgres is not PostgreSQL 15")
    if not any(isinstance(v, str) and not v.startswith(("./", "/")) for v in postgres.get("volumes") or []):
        misc_problems.append("postgres has no named volume")
    results.check(
        "compose: token default, gateway port, grace periods, console profile, postgres volume", misc_problems
    )

    schema_problems = []
    for program in PROGRAMS:
        service = services.get(program)
        if not service:
            continue
        env = compose_env(service)
        directory = resolve_interpolation(env.get("SCHEMA_DIR") or "")
        if not directory:
            schema_problems.append(f"{program}: SCHEMA_DIR is not set")
            continue
        policy = resolve_interpolation(env.get("SCHEMA_POLICY") or "registered")
        if policy not in SCHEMA_POLICIES:
            schema_problems.append(f"{program}: SCHEMA_POLICY defaults to {policy!r}")
        mounts = []
        for volume in service.get("volumes") or []:
            if isinstance(volume, str):
                parts = volume.split(":")
                source, target = parts[0], parts[1] if len(parts) > 1 else parts[0]
                read_only = len(parts) > 2 and "ro" in parts[2].split(",")
            else:
                source, target = volume.get("source", ""), volume.get("target", "")
                read_only = volume.get("read_only") is True
            if path_under(directory, target):
                mounts.append((len(target), source, target, read_only))
        if not mounts:
            schema_problems.append(f"{program}: SCHEMA_DIR {directory} is not on a mounted volume")
            continue
        _, source, target, read_only = max(mounts)
        if not read_only:
            schema_problems.append(f"{program}: {source}:{target} is not read-only")
        if source.rstrip("/") != "./schemas" or directory.rstrip("/") != target.rstrip("/"):
            schema_problems.append(f"{program}: SCHEMA_DIR {directory} is not the mount of ./schemas ({source}:{target})")
    results.check("compose: gateway and persister set SCHEMA_DIR to a read-only mount of ./schemas", schema_problems)


# --------------------------------------------------------------------------------------------------
# Dockerfile and .dockerignore
# --------------------------------------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        line = (pending + stripped).strip()
        pending = ""
        if line:
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def dockerfile_stages(text: str) -> tuple[dict[str, dict], list[str]]:
    """Stage name -> effective settings (inherited through `FROM <stage>`); external base images."""
    global_args: dict[str, str] = {}
    stages: dict[str, dict] = {}
    external: list[str] = []
    current: dict | None = None
    for keyword, rest in dockerfile_instructions(text):
        if keyword == "ARG" and current is None:
            name, _, default = rest.partition("=")
            global_args[name.strip()] = default.strip().strip('"')
            continue
        if keyword == "FROM":
            parts = [p for p in rest.split() if not p.startswith("--")]
            image = parts[0]
            for name, value in global_args.items():
                image = image.replace("${" + name + "}", value).replace("$" + name, value)
            alias = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else f"stage{len(stages)}"
            if image in stages:
                current = copy.deepcopy(stages[image])
                current["copies"] = []
            else:
                external.append(image)
                current = {
                    "user": None,
                    "workdir": None,
                    "healthcheck": None,
                    "entrypoint": None,
                    "copies": [],
                    "env": [],
                }
            current["image"] = image
            stages[alias] = current
            continue
        if current is None:
            continue
        if keyword == "USER":
            current["user"] = rest
        elif keyword == "WORKDIR":
            current["workdir"] = rest
        elif keyword == "HEALTHCHECK":
            current["healthcheck"] = rest
        elif keyword == "ENTRYPOINT":
            current["entrypoint"] = rest
        elif keyword in ("COPY", "ADD"):
            current["copies"].append(rest)
        elif keyword == "ENV":
            current["env"].append(rest)
    return stages, external


def check_dockerfile(results: Results, text: str) -> None:
    stages, external = dockerfile_stages(text)
    results.check(
        "dockerfile: base images are pinned (no latest)",
        [p for p in (image_problem(image) for image in external) if p],
    )
    for program, facts in PROGRAMS.items():
        stage = stages.get(program)
        if stage is None:
            results.check(f"dockerfile: target `{program}`", [f"no stage named {program}"])
            continue
        problems = []
        user = (stage.get("user") or "").split(":")[0]
        if not user or user in ("0", "root"):
            problems.append(f"runs as {user or 'root (no USER)'}")
        if stage.get("workdir") != "/app":
            problems.append(f"WORKDIR is {stage.get('workdir')!r}")
        health = stage.get("healthcheck") or ""
        if "/health" not in health or f"${{{facts['port_var']}:-{facts['port_default']}}}" not in health:
            problems.append(
                f"HEALTHCHECK does not call /health on ${{{facts['port_var']}:-{facts['port_default']}}}"
            )
        if f"/app/{program}" not in (stage.get("entrypoint") or ""):
            problems.append(f"ENTRYPOINT is not /app/{program}")
        if program == "persister" and not any(
            re.search(r"(^|\s)migrations/?\s+/app/migrations/?$", c) for c in stage["copies"]
        ):
            problems.append("migrations/ is not copied to /app/migrations")
        results.check(f"dockerfile: target `{program}` (non-root, /app, HEALTHCHECK, entrypoint)", problems)

    # The starter contracts ride along in both images; SCHEMA_DIR stays a per-deployment choice.
    schema_problems = []
    for program in PROGRAMS:
        stage = stages.get(program)
        if stage is None:
            continue
        if not any(
            re.search(rf"(^|\s)\.?/?schemas/?\s+{re.escape(SCHEMA_MOUNT)}/?$", c) for c in stage["copies"]
        ):
            schema_problems.append(f"{program}: schemas/ is not copied to {SCHEMA_MOUNT}")
        if any(re.search(r"(^|\s)SCHEMA_(DIR|POLICY)[=\s]", env) for env in stage.get("env") or []):
            schema_problems.append(f"{program}: the image sets SCHEMA_DIR/SCHEMA_POLICY (opt-in per deployment)")
    results.check(
        f"dockerfile: both targets carry schemas/ at {SCHEMA_MOUNT} without setting SCHEMA_DIR", schema_problems
    )


def check_dockerignore(results: Results, text: str) -> None:
    patterns = [
        line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")
    ]
    needed = [
        "Package.swift",
        "Package.resolved",
        "Sources",
        "Sources/Gateway/main.swift",
        "Tests",
        "migrations",
        "migrations/001.sql",
        "schemas",
        "schemas/task.created/v1.json",
    ]
    problems = []
    for path in needed:
        excluded = False
        for pattern in patterns:
            negate = pattern.startswith("!")
            body = pattern[1:] if negate else pattern
            body = body.strip("/")
            if (
                fnmatch.fnmatchcase(path, body)
                or fnmatch.fnmatchcase(path, body + "/*")
                or path.startswith(body + "/")
            ):
                excluded = not negate
        if excluded:
            problems.append(f"{path} is excluded from the build context")
    results.check(
        ".dockerignore keeps Package.*, Sources/, Tests/, migrations/ and schemas/ in the context", problems
    )


# --------------------------------------------------------------------------------------------------
# Examples (KEDA), Dapr component, kustomization references
# --------------------------------------------------------------------------------------------------


def check_examples(results: Results, example_docs: dict[str, list[dict]], partitions: int) -> None:
    problems = []
    scaled = 0
    for path, docs in example_docs.items():
        for doc in docs:
            if doc.get("kind") != "ScaledObject":
                continue
            scaled += 1
            spec = doc.get("spec") or {}
            maximum = spec.get("maxReplicaCount", 100)
            if maximum > partitions:
                problems.append(f"{path}: maxReplicaCount {maximum} > {partitions}")
            if (spec.get("scaleTargetRef") or {}).get("name") != "persister":
                problems.append(f"{path}: does not target the persister Deployment")
            for trigger in spec.get("triggers") or []:
                if trigger.get("type") != "kafka":
                    continue
                meta = trigger.get("metadata") or {}
                if meta.get("topic") != EVENTS_TOPIC:
                    problems.append(f"{path}: kafka trigger topic {meta.get('topic')!r}")
                if meta.get("consumerGroup") != DEFAULT_GROUP_ID:
                    problems.append(f"{path}: kafka trigger group {meta.get('consumerGroup')!r}")
                if str(meta.get("allowIdleConsumers", "false")).lower() == "true":
                    problems.append(f"{path}: allowIdleConsumers lets KEDA exceed the partition count")
    if scaled == 0:
        problems.append("no KEDA ScaledObject example under deploy/examples/")
    results.check(
        f"examples: KEDA ScaledObject targets the persister with maxReplicaCount <= {partitions}", problems
    )


def check_dapr(results: Results, dapr_docs: dict[str, list[dict]], readme: str) -> None:
    problems = []
    components = [(p, d) for p, docs in dapr_docs.items() for d in docs if d.get("kind") == "Component"]
    if not components:
        problems.append("no Dapr Component under deploy/dapr/")
    for path, doc in components:
        spec = doc.get("spec") or {}
        if doc.get("apiVersion") != "dapr.io/v1alpha1":
            problems.append(f"{path}: apiVersion {doc.get('apiVersion')!r}")
        if spec.get("type") != "pubsub.kafka" or spec.get("version") != "v1":
            problems.append(f"{path}: type/version {spec.get('type')!r}/{spec.get('version')!r}")
        meta = {item.get("name"): item.get("value") for item in spec.get("metadata") or []}
        if not meta.get("brokers"):
            problems.append(f"{path}: no brokers")
        allowed = meta.get("allowedTopics")
        if allowed is not None and EVENTS_TOPIC not in str(allowed).split(","):
            problems.append(f"{path}: allowedTopics excludes {EVENTS_TOPIC}")
    name = (components[0][1].get("metadata") or {}).get("name") if components else None
    if name and f"/v1.0/publish/{name}/{EVENTS_TOPIC}" not in readme:
        problems.append("deploy/dapr/README.md does not show publishing to the component and events topic")
    for word in ("rawPayload", "UUIDv5", "specversion", "datacontenttype"):
        if word not in readme:
            problems.append(f"deploy/dapr/README.md does not mention {word}")
    results.check("dapr: pubsub.kafka component and publishing guide", problems)


def check_kustomizations(results: Results, deploy: Path) -> None:
    problems = []
    for kustomization in sorted(deploy.rglob("kustomization.yaml")):
        data = yaml.safe_load(kustomization.read_text(encoding="utf-8")) or {}
        for entry in (data.get("resources") or []) + (data.get("components") or []):
            target = (kustomization.parent / entry).resolve()
            if (deploy / "examples").resolve() in [target, *target.parents] or (
                deploy / "dapr"
            ).resolve() in [target, *target.parents]:
                problems.append(f"{kustomization.relative_to(deploy)} pulls in {entry}")
        for image in data.get("images") or []:
            tag = str(image.get("newTag", ""))
            if "digest" not in image and (not tag or tag.lower() == "latest"):
                problems.append(
                    f"{kustomization.relative_to(deploy)}: image {image.get('name')} newTag {tag!r}"
                )
    results.check(
        "kustomize: examples/ and dapr/ stay out of kustomizations; image overrides pinned", problems
    )


# --------------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------------


class Inputs:
    def __init__(self, repo: Path, rendered: dict[str, Path], contract: Path | None) -> None:
        self.repo = repo
        self.contract = contract
        self.dockerfile = (repo / "Dockerfile").read_text(encoding="utf-8")
        self.dockerignore = (repo / ".dockerignore").read_text(encoding="utf-8")
        self.compose = yaml.safe_load((repo / "docker-compose.yml").read_text(encoding="utf-8"))
        self.topic_script = (repo / "deploy/base/topics/create-topics.sh").read_text(encoding="utf-8")
        self.rendered = {label: load_yaml_documents(path) for label, path in rendered.items()}
        self.schemas = schema_documents(repo / "schemas")
        self.examples = {
            str(p.relative_to(repo)): load_yaml_documents(p)
            for p in sorted((repo / "deploy/examples").glob("*.yaml"))
        }
        self.dapr = {
            str(p.relative_to(repo)): load_yaml_documents(p)
            for p in sorted((repo / "deploy/dapr").glob("*.yaml"))
        }
        readme = repo / "deploy/dapr/README.md"
        self.dapr_readme = readme.read_text(encoding="utf-8") if readme.exists() else ""


def run_all(results: Results, inputs: Inputs) -> None:
    check_contract(results, inputs.contract)
    plan = check_topic_script(results, inputs.topic_script)
    partitions = plan.get("EVENTS_PARTITIONS", 6)
    check_dockerfile(results, inputs.dockerfile)
    check_dockerignore(results, inputs.dockerignore)
    check_compose(results, inputs.compose, inputs.repo, partitions)
    for label, docs in inputs.rendered.items():
        check_rendered(results, label, docs, partitions, inputs.schemas)
    check_examples(results, inputs.examples, partitions)
    check_dapr(results, inputs.dapr, inputs.dapr_readme)
    check_kustomizations(results, inputs.repo / "deploy")


# Self-test: each mutation breaks one rule in a copy of the real inputs; the checks must notice.


def _first_container(docs: list[dict], program: str) -> dict:
    for doc in docs:
        if doc.get("kind") != "Deployment":
            continue
        for container in (pod_spec_of(doc) or {}).get("containers") or []:
            if program_of_image(container.get("image")) == program:
                return container
    raise LookupError(program)


def _deployment(docs: list[dict], program: str) -> dict:
    for doc in docs:
        if doc.get("kind") == "Deployment" and any(
            program_of_image(c.get("image")) == program
            for c in (pod_spec_of(doc) or {}).get("containers") or []
        ):
            return doc
    raise LookupError(program)


def _set_compose(path: list[str], value: Any) -> Callable[[Inputs], None]:
    def mutate(inputs: Inputs) -> None:
        node = inputs.compose
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value

    return mutate


def _k8s(mutation: Callable[[list[dict]], None]) -> Callable[[Inputs], None]:
    def mutate(inputs: Inputs) -> None:
        for docs in inputs.rendered.values():
            mutation(docs)

    return mutate


def _add_env(docs: list[dict]) -> None:
    _first_container(docs, "gateway").setdefault("env", []).append({"name": "GATEWAY_MODE", "value": "fast"})


def _drop_security(docs: list[dict]) -> None:
    _first_container(docs, "persister").pop("securityContext", None)


def _privilege_escalation(docs: list[dict]) -> None:
    _first_container(docs, "gateway")["securityContext"]["allowPrivilegeEscalation"] = True


def _latest_image(docs: list[dict]) -> None:
    _first_container(docs, "persister")["image"] = "ghcr.io/punk-records/persister:latest"


def _untagged_image(docs: list[dict]) -> None:
    for doc in docs:
        if doc.get("kind") == "Job":
            for container in (pod_spec_of(doc) or {}).get("containers") or []:
                container["image"] = image_repository(container["image"])


def _too_many_persisters(docs: list[dict]) -> None:
    _deployment(docs, "persister")["spec"]["replicas"] = 7


def _persister_hpa(docs: list[dict]) -> None:
    docs.append(
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "persister"},
            "spec": {
                "scaleTargetRef": {"kind": "Deployment", "name": "persister"},
                "minReplicas": 1,
                "maxReplicas": 12,
            },
        }
    )


def _wrong_readiness_path(docs: list[dict]) -> None:
    _first_container(docs, "gateway")["readinessProbe"]["httpGet"]["path"] = "/readyz"


def _liveness_on_health(docs: list[dict]) -> None:
    _first_container(docs, "persister")["livenessProbe"]["httpGet"]["path"] = "/health"


def _wrong_probe_port(docs: list[dict]) -> None:
    _first_container(docs, "persister")["livenessProbe"]["httpGet"]["port"] = 8080


def _port_var_mismatch(docs: list[dict]) -> None:
    _first_container(docs, "gateway").setdefault("env", []).append({"name": "HTTP_PORT", "value": "9000"})


def _short_grace(docs: list[dict]) -> None:
    _deployment(docs, "persister")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 30


def _big_memory(docs: list[dict]) -> None:
    _first_container(docs, "gateway")["resources"]["limits"]["memory"] = "1Gi"


def _drop_migrate_job(docs: list[dict]) -> None:
    docs[:] = [d for d in docs if not (d.get("kind") == "Job" and "migrate" in ident(d))]


def _schema_mount_dropped(docs: list[dict]) -> None:
    container = _first_container(docs, "gateway")
    container["volumeMounts"] = [m for m in container.get("volumeMounts") or [] if m.get("mountPath") != SCHEMA_MOUNT]


def _schema_check_dropped(docs: list[dict]) -> None:
    (pod_spec_of(_deployment(docs, "persister")) or {}).pop("initContainers", None)


def _schema_item_dropped(docs: list[dict]) -> None:
    for volume in (pod_spec_of(_deployment(docs, "persister")) or {}).get("volumes") or []:
        if (volume.get("configMap") or {}).get("items"):
            volume["configMap"]["items"].pop()


def _schema_edited(docs: list[dict]) -> None:
    for doc in docs:
        if doc.get("kind") == "ConfigMap" and str((doc.get("metadata") or {}).get("name")).startswith(
            "punk-records-schemas"
        ):
            key = sorted(doc["data"])[0]
            doc["data"][key] = doc["data"][key].replace('"type"', '"type" ', 1) + " "


def _keda_too_many(inputs: Inputs) -> None:
    for docs in inputs.examples.values():
        for doc in docs:
            if doc.get("kind") == "ScaledObject":
                doc["spec"]["maxReplicaCount"] = 12


def _dockerfile_root(inputs: Inputs) -> None:
    inputs.dockerfile = re.sub(r"^USER .*$", "USER root", inputs.dockerfile, flags=re.M)


def _dockerfile_latest(inputs: Inputs) -> None:
    inputs.dockerfile = inputs.dockerfile.replace(
        "ARG RUNTIME_IMAGE=ubuntu:24.04", "ARG RUNTIME_IMAGE=ubuntu:latest"
    )


def _dockerfile_no_migrations(inputs: Inputs) -> None:
    inputs.dockerfile = re.sub(r"^COPY migrations .*$", "", inputs.dockerfile, flags=re.M)


def _dockerfile_no_schemas(inputs: Inputs) -> None:
    inputs.dockerfile = re.sub(r"^COPY schemas/? .*$", "", inputs.dockerfile, flags=re.M)


def _dockerfile_schema_dir(inputs: Inputs) -> None:
    inputs.dockerfile = re.sub(
        r"^USER ", f"ENV SCHEMA_DIR={SCHEMA_MOUNT}\nUSER ", inputs.dockerfile, count=1, flags=re.M
    )


def _dockerignore_schemas(inputs: Inputs) -> None:
    inputs.dockerignore += "\nschemas\n"


def _compose_no_schema_volume(inputs: Inputs) -> None:
    service = inputs.compose["services"]["gateway"]
    service["volumes"] = [v for v in service.get("volumes") or [] if SCHEMA_MOUNT not in str(v)]


def _compose_schema_dir_elsewhere(inputs: Inputs) -> None:
    inputs.compose["services"]["persister"]["environment"]["SCHEMA_DIR"] = "/srv/schemas"


def _dockerignore_sources(inputs: Inputs) -> None:
    inputs.dockerignore += "\nSources\n"


def _compose_env(inputs: Inputs) -> None:
    inputs.compose["services"]["persister"]["environment"]["POSTGRES_HOST"] = "postgres"


def _compose_no_condition(inputs: Inputs) -> None:
    inputs.compose["services"]["gateway"]["depends_on"] = ["redpanda", "topic-init"]


def _compose_short_grace(inputs: Inputs) -> None:
    inputs.compose["services"]["gateway"]["stop_grace_period"] = "10s"


def _compose_health_port(inputs: Inputs) -> None:
    inputs.compose["services"]["persister"]["environment"]["METRICS_PORT"] = "9200"


def _compose_latest(inputs: Inputs) -> None:
    inputs.compose["services"]["postgres"]["image"] = "postgres"


MUTATIONS: list[tuple[str, Callable[[Inputs], None], str]] = [
    ("k8s env var outside the contract", _k8s(_add_env), "env var"),
    ("k8s container without securityContext", _k8s(_drop_security), "securityContext"),
    ("k8s allowPrivilegeEscalation true", _k8s(_privilege_escalation), "securityContext"),
    ("k8s image with latest tag", _k8s(_latest_image), "pinned tag"),
    ("k8s image without tag", _k8s(_untagged_image), "pinned tag"),
    ("k8s persister replicas 7", _k8s(_too_many_persisters), "partitions"),
    ("k8s persister HPA max 12", _k8s(_persister_hpa), "partitions"),
    ("k8s readiness probe on /readyz", _k8s(_wrong_readiness_path), "probes"),
    ("k8s liveness probe on the wrong port", _k8s(_wrong_probe_port), "probes"),
    ("k8s liveness probe on /health (restarts pods in an outage)", _k8s(_liveness_on_health), "probes"),
    ("k8s HTTP_PORT differs from the probed port", _k8s(_port_var_mismatch), "probes"),
    ("k8s persister grace period 30 s", _k8s(_short_grace), "terminationGracePeriodSeconds"),
    ("k8s gateway memory limit 1Gi", _k8s(_big_memory), "requests"),
    ("k8s migrations Job missing", _k8s(_drop_migrate_job), "migrate"),
    ("k8s gateway without the schemas mount", _k8s(_schema_mount_dropped), "SCHEMA_DIR"),
    ("k8s persister without the check-schemas init container", _k8s(_schema_check_dropped), "SCHEMA_DIR"),
    ("k8s schemas volume missing a document", _k8s(_schema_item_dropped), "exactly schemas/"),
    ("k8s schemas ConfigMap differs from schemas/", _k8s(_schema_edited), "exactly schemas/"),
    ("KEDA maxReplicaCount 12", _keda_too_many, "KEDA"),
    (
        "compose persister with container_name",
        _set_compose(["services", "persister", "container_name"], "persister"),
        "scaled",
    ),
    (
        "compose persister with host ports",
        _set_compose(["services", "persister", "ports"], ["9100:9100"]),
        "scaled",
    ),
    ("compose env var outside the contract", _compose_env, "env vars"),
    ("compose depends_on without conditions", _compose_no_condition, "depends_on"),
    ("compose gateway stop_grace_period 10s", _compose_short_grace, "grace"),
    ("compose METRICS_PORT differs from the healthcheck", _compose_health_port, "healthchecks"),
    ("compose untagged image", _compose_latest, "pinned tag"),
    ("Dockerfile USER root", _dockerfile_root, "non-root"),
    ("Dockerfile base image latest", _dockerfile_latest, "pinned"),
    ("Dockerfile without migrations", _dockerfile_no_migrations, "non-root"),
    (".dockerignore excludes Sources", _dockerignore_sources, "dockerignore"),
    ("Dockerfile without schemas/", _dockerfile_no_schemas, "carry schemas/"),
    ("Dockerfile sets SCHEMA_DIR", _dockerfile_schema_dir, "carry schemas/"),
    (".dockerignore excludes schemas", _dockerignore_schemas, "dockerignore"),
    ("compose gateway without the schemas mount", _compose_no_schema_volume, "SCHEMA_DIR"),
    ("compose persister SCHEMA_DIR outside the mount", _compose_schema_dir_elsewhere, "SCHEMA_DIR"),
]


def self_test(results: Results, inputs: Inputs) -> None:
    baseline = Results(echo=False)
    run_all(baseline, inputs)
    results.check(
        "self-test: the unmodified files pass",
        [f"fails: {name}" for name, _ in baseline.failed],
    )
    for title, mutate, expected in MUTATIONS:
        broken = copy.deepcopy(inputs)
        mutate(broken)
        outcome = Results(echo=False)
        run_all(outcome, broken)
        caught = [name for name, _ in outcome.failed if expected.lower() in name.lower()]
        results.check(
            f"self-test: {title} is reported",
            (
                []
                if caught
                else [f"no failing check mentions {expected!r}; failures: {[n for n, _ in outcome.failed]}"]
            ),
        )


def find_contract(repo: Path, explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    for candidate in (repo / "docs/contract.md", repo.parent / "shared/contract.md"):
        if candidate.is_file():
            return candidate
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parents[2]), help="repository root")
    parser.add_argument(
        "--rendered", action="append", default=[], metavar="NAME=FILE", help="rendered overlay"
    )
    parser.add_argument("--contract", help="path of contract.md (default: looked up beside the repo)")
    parser.add_argument("--self-test", action="store_true", help="check that broken inputs are reported")
    args = parser.parse_args(argv)

    repo = Path(args.repo).resolve()
    rendered = {}
    for item in args.rendered:
        label, sep, path = item.partition("=")
        if not sep:
            parser.error(f"--rendered wants NAME=FILE, got {item!r}")
        rendered[label] = Path(path)
    inputs = Inputs(repo, rendered, find_contract(repo, args.contract))

    results = Results()
    if args.self_test:
        if not rendered:
            parser.error("--self-test needs at least one --rendered overlay")
        self_test(results, inputs)
    else:
        run_all(results, inputs)
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
