#!/usr/bin/env python3
"""Offline checks of deploy/observability/: the Grafana dashboard and the Prometheus alert rules.

- dashboard.json parses, has the DS_PROMETHEUS datasource input and variable, and the panels
  the runbook relies on, each with a PromQL query;
- alerts.yaml and deploy/base/prometheusrule.yaml hold rules with the alerts listed below;
- every metric name used by a dashboard query or a rule is one the services export, and every
  label matcher names a label the metric has (or `job`/`instance`, added by Prometheus).

The exported names come from the Swift sources: each `registry.make<Kind>(descriptor:
.punk("subsystem", "name", unit: "unit", …), labels: […])` gives `punk_subsystem_name_unit`
(histograms as `_bucket`, `_sum` and `_count`). With `--scraped FILE…` (Prometheus text from
the /metrics of running services, as deploy/tests/compose_topology.py saves it), the scrapes are
checked against the sources too: every `punk_` series scraped must be known to the sources, and
every metric without labels that a query uses must be in a scrape (labelled counters appear only
after their first increment, so those are not required).

    deploy/tests/check_observability.py [--repo DIR] [--scraped FILE...]

Prints `ok observability: …` or `FAIL observability: …` lines (deploy/tests/validate.sh counts
them); exit status 1 when something failed. Needs python3 with PyYAML.
"""
import argparse
import json
import os
import re
import sys

import yaml
from tally import Tally

# Panels the dashboard must have: a word of each required title (case-insensitive).
REQUIRED_PANELS = {
    "ingest rate by status": r"ingest rate",
    "produce latency": r"produce latency",
    "persist rate": r"persist rate",
    "lag seconds": r"\blag\b",
    "end-to-end p99": r"end-to-end",
    "dead letters": r"dead letter",
    "database retries": r"database retries",
    "replicas ready": r"replicas ready",
}

# Alerts the rules must define (and the metric each one must be built on).
REQUIRED_ALERTS = {
    "PunkRecordsPersisterLagHigh": "punk_persister_lag_seconds",
    "PunkRecordsDeadLetters": "punk_persister_dead_lettered_total",
    "PunkRecordsPersisterDown": "up",
    "PunkRecordsGateway503": "punk_gateway_http_requests_total",
}

# Series Prometheus makes itself for every target: not exported by the services.
SYNTHETIC = {"up": set()}
# Labels Prometheus adds to every scraped series (and `le` of histogram buckets, added per name).
TARGET_LABELS = {"job", "instance"}

# Metrics the dashboard and rules use before the code exports them: still a failure, said plainly.
PENDING: dict[str, str] = {}

KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset",
    "bool", "inf", "nan", "start", "end",
}

check = Tally("observability")


# --------------------------------------------------------------------------------------------------
# What the services export
# --------------------------------------------------------------------------------------------------

MAKE = re.compile(r"\bmake(Counter|FloatingPointCounter|Gauge|DurationHistogram|ValueHistogram|Summary|"
                  r"DurationSummary|ValueSummary)\s*\(")
PUNK = re.compile(r'\.punk\(\s*"([a-z0-9_]+)"\s*,\s*"([a-z0-9_]+)"\s*,\s*unit:\s*"([a-z0-9_]*)"')
LABEL = re.compile(r'\(\s*"([a-zA-Z_][a-zA-Z0-9_]*)"\s*,')


def call_text(text, start):
    """The text of the call whose `(` is at start, up to its matching `)`."""
    depth, quoted, index = 0, False, start
    while index < len(text):
        char = text[index]
        if quoted:
            if char == "\\":
                index += 1  # an escaped character: \" or \\ inside a string literal
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True  # parentheses inside help texts do not count
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[start:index + 1]
        index += 1
    return text[start:]


def exported_from_sources(repo):
    """{name: set of labels} for every series name the Swift sources register."""
    exported = {}
    sources = os.path.join(repo, "Sources")
    for directory, _, files in os.walk(sources):
        for file in sorted(files):
            if not file.endswith(".swift"):
                continue
            text = open(os.path.join(directory, file), encoding="utf-8").read()
            for make in MAKE.finditer(text):
                call = call_text(text, make.end() - 1)
                punk = PUNK.search(call)
                if not punk:
                    continue
                base = "_".join(part for part in ("punk",) + punk.groups() if part)
                labels = set()
                labels_at = call.find("labels:")
                if labels_at >= 0:
                    labels = set(LABEL.findall(call[labels_at:]))
                kind = make.group(1)
                if "Histogram" in kind:
                    names = {base + "_bucket": labels | {"le"}, base + "_sum": labels, base + "_count": labels}
                elif "Summary" in kind:
                    names = {base: labels | {"quantile"}, base + "_sum": labels, base + "_count": labels}
                else:
                    names = {base: labels}
                for name, name_labels in names.items():
                    exported.setdefault(name, set()).update(name_labels)
    return exported


SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+\S+")


def scraped_names(path):
    names = set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            match = SAMPLE.match(line)
            if match:
                names.add(match.group(1))
    return names


# --------------------------------------------------------------------------------------------------
# What the dashboard and the rules use
# --------------------------------------------------------------------------------------------------

STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
SELECTOR = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*"
                      r"\{((?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^}\"'])*)\}")
MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')')
IDENT = re.compile(r"(?<![\w:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])")


def metrics_in(expr):
    """(metric names, [(metric or None, label names of its matchers)]) of a PromQL expression."""
    expr = re.sub(r"\$\{[^}]*\}|\$[a-zA-Z_][a-zA-Z0-9_]*", "x", expr)  # Grafana variables
    names, selectors = set(), []
    for match in SELECTOR.finditer(expr):
        matchers = MATCHER.findall(match.group(2))
        metric = match.group(1)
        for label, _, value in matchers:
            if label == "__name__" and _ == "=":
                metric = value[1:-1]
        if metric:
            names.add(metric)
        selectors.append((metric, {label for label, _, _ in matchers if label != "__name__"}))
    bare = SELECTOR.sub(lambda m: f" {m.group(1) or ''} ", expr)
    bare = STRING.sub(" ", bare)
    bare = GROUPING.sub(" ", bare)
    bare = re.sub(r"\[[^\]]*\]", " ", bare)  # ranges and subqueries: [5m], [1h:1m]
    for match in IDENT.finditer(bare):
        word = match.group(1)
        rest = bare[match.end():].lstrip()
        if word.lower() in KEYWORDS or rest.startswith("("):
            continue  # a keyword, or a function or aggregation: sum(, rate(, histogram_quantile(
        names.add(word)
    return names, selectors


def panels_of(dashboard):
    for panel in dashboard.get("panels") or []:
        yield panel
        yield from panels_of(panel)  # panels inside collapsed rows


def load_dashboard(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle), None
    except (OSError, ValueError) as error:
        return None, str(error)


def check_dashboard(dashboard):
    """Structure checks; returns [(where, expr)]."""
    inputs = [i.get("name") for i in dashboard.get("__inputs") or [] if i.get("pluginId") == "prometheus"]
    check("dashboard declares the DS_PROMETHEUS datasource input", "DS_PROMETHEUS" in inputs, f"inputs {inputs}")
    variables = {v.get("name"): v for v in (dashboard.get("templating") or {}).get("list") or []}
    variable = variables.get("DS_PROMETHEUS") or {}
    check("dashboard has the DS_PROMETHEUS datasource variable",
          variable.get("type") == "datasource" and variable.get("query") == "prometheus")
    check("dashboard has a uid, a title and schemaVersion >= 36",
          bool(dashboard.get("uid")) and bool(dashboard.get("title"))
          and isinstance(dashboard.get("schemaVersion"), int) and dashboard["schemaVersion"] >= 36)

    panels = [p for p in panels_of(dashboard) if p.get("type") != "row"]
    ids = [p.get("id") for p in panels]
    check("dashboard panel ids are unique", len(ids) == len(set(ids)), f"ids {ids}")
    exprs = []
    for panel in panels:
        title = panel.get("title") or f"panel {panel.get('id')}"
        targets = [t for t in panel.get("targets") or [] if (t.get("expr") or "").strip()]
        wrong_ds = [t.get("refId") for t in [panel] + (panel.get("targets") or [])
                    if (t.get("datasource") or {}).get("uid") not in (None, "${DS_PROMETHEUS}", "$DS_PROMETHEUS")]
        check(f"panel {title!r}: has a PromQL query, datasource ${{DS_PROMETHEUS}}",
              bool(targets) and not wrong_ds, f"queries {len(targets)}, other datasource in {wrong_ds}")
        exprs.extend((f"dashboard panel {title!r}", t["expr"]) for t in targets)
    for variable in variables.values():
        if variable.get("type") == "query":
            query = variable.get("query")
            query = query.get("query") if isinstance(query, dict) else query
            if query:
                exprs.append((f"dashboard variable {variable.get('name')!r}", query))
    titles = [(p.get("title") or "").lower() for p in panels]
    for required, pattern in REQUIRED_PANELS.items():
        check(f"dashboard has a panel for {required}", any(re.search(pattern, t) for t in titles),
              f"titles {titles}")
    return exprs


def rules_of(groups, where):
    exprs, alerts = [], {}
    for group in groups or []:
        for rule in group.get("rules") or []:
            name = rule.get("alert") or rule.get("record")
            exprs.append((f"{where} rule {name}", str(rule.get("expr", ""))))
            if rule.get("alert"):
                alerts[rule["alert"]] = rule
    return exprs, alerts


def check_rules(path, groups, where):
    check(f"{where}: has a rule group named punk-records",
          any(g.get("name") == "punk-records" for g in groups or []))
    exprs, alerts = rules_of(groups, where)
    for alert, metric in REQUIRED_ALERTS.items():
        rule = alerts.get(alert)
        ok = rule is not None and metric in metrics_in(str(rule.get("expr", "")))[0]
        check(f"{where}: alert {alert} on {metric}", ok, "missing" if rule is None else f"expr {rule.get('expr')!r}")
    lag = alerts.get("PunkRecordsPersisterLagHigh") or {}
    check(f"{where}: lag alert fires above 60 s for 5m",
          re.search(r">\s*60\b", str(lag.get("expr", ""))) is not None and lag.get("for") == "5m")
    unlabelled = [a for a, r in alerts.items() if not (r.get("labels") or {}).get("severity")]
    check(f"{where}: every alert has a severity label", not unlabelled, f"without: {unlabelled}")
    return exprs


# --------------------------------------------------------------------------------------------------


def main(argv):
    parser = argparse.ArgumentParser(description="Checks deploy/observability/ against the exported metrics.")
    parser.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    parser.add_argument("--scraped", nargs="+", metavar="FILE", default=[],
                        help="Prometheus text scraped from the running services' /metrics")
    arguments = parser.parse_args(argv)
    repo = arguments.repo
    observability = os.path.join(repo, "deploy", "observability")

    exported = exported_from_sources(repo)
    check("the Swift sources export punk_ metrics", bool(exported) and all(n.startswith("punk_") for n in exported),
          f"found {sorted(exported)}")

    dashboard, error = load_dashboard(os.path.join(observability, "dashboard.json"))
    uses = []
    if check("deploy/observability/dashboard.json parses as JSON", dashboard is not None, error or ""):
        uses += check_dashboard(dashboard)

    for where, path, key in (("alerts.yaml", os.path.join(observability, "alerts.yaml"), None),
                             ("prometheusrule.yaml", os.path.join(repo, "deploy", "base", "prometheusrule.yaml"), "spec")):
        try:
            with open(path, encoding="utf-8") as handle:
                document = yaml.safe_load(handle) or {}
            if key:
                check(f"{where} is a monitoring.coreos.com/v1 PrometheusRule",
                      document.get("apiVersion") == "monitoring.coreos.com/v1"
                      and document.get("kind") == "PrometheusRule")
                document = document.get(key) or {}
            groups, error = document.get("groups"), ""
        except (OSError, yaml.YAMLError, AttributeError) as problem:
            groups, error = None, str(problem)
        if check(f"{where} parses and has rule groups", bool(groups), error):
            uses += check_rules(path, groups, where)

    # Every name used is exported (or made by Prometheus); every label matcher names a label it has.
    used, label_problems = {}, {}
    for where, expr in uses:
        names, selectors = metrics_in(expr)
        for name in names:
            used.setdefault(name, []).append(where)
        for metric, labels in selectors:
            known = exported.get(metric, SYNTHETIC.get(metric))
            if known is None:
                continue  # reported below as an unknown name
            for label in sorted(labels - known - TARGET_LABELS):
                label_problems.setdefault(metric, set()).add(f"{label} (in {where})")
    check("the dashboard and the rules use metrics", bool(used))
    for name in sorted(used):
        places = sorted(set(used[name]))
        if name in SYNTHETIC:
            check(f"{name} is made by Prometheus for each target (used by {len(places)})", True)
            check(f"{name}: the label matchers used name its labels", name not in label_problems,
                  f"{sorted(label_problems.get(name, []))} not among {sorted(TARGET_LABELS)}")
            continue
        detail = f"not exported by Sources/ (used in: {'; '.join(places)})"
        if name in PENDING:
            detail += f". EXPECTED FOR NOW: {PENDING[name]}"
        check(f"{name} is exported by the services", name in exported, detail)
        known = exported.get(name, SYNTHETIC.get(name))
        if known is not None:
            check(f"{name}: the label matchers used name its labels", name not in label_problems,
                  f"{sorted(label_problems.get(name, []))} not among {sorted(known | TARGET_LABELS)}")

    # Scrapes of the running services: the static list must agree with what they really serve.
    if arguments.scraped:
        scraped = set()
        for path in arguments.scraped:
            try:
                names = scraped_names(path)
            except OSError as problem:
                check(f"scrape {path} readable", False, str(problem))
                continue
            check(f"scrape {os.path.basename(path)} has punk_ series", any(n.startswith("punk_") for n in names),
                  f"{len(names)} series names")
            scraped |= names
        stray = sorted(n for n in scraped if n.startswith("punk_") and n not in exported)
        check("every punk_ series scraped is found in the sources", not stray,
              f"{stray}: check_observability.py does not see how they are registered")
        for name in sorted(used):
            if name in SYNTHETIC or name not in exported:
                continue
            labelled = bool(exported[name] - {"le", "quantile"})
            if labelled and name not in scraped:
                print(f"     note: {name} not in the scrapes (a labelled series appears at its first increment)")
                continue
            check(f"{name} is served on /metrics", name in scraped,
                  f"not in {', '.join(os.path.basename(p) for p in arguments.scraped)}")

    return check.finish("observability")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
