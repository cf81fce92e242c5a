#!/usr/bin/env python3
"""Renders deploy/base/prometheusrule.yaml (a prometheus-operator PrometheusRule) from the plain
rules file deploy/observability/alerts.yaml, so the two can never say different things.

    deploy/observability/render-prometheusrule.py            # rewrites deploy/base/prometheusrule.yaml
    deploy/observability/render-prometheusrule.py --output F # writes F instead (validate.sh diffs it)
    deploy/observability/render-prometheusrule.py --check    # exit 1 when the committed file is stale

Needs python3 with PyYAML.
"""
import argparse
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE = os.path.join(ROOT, "deploy", "observability", "alerts.yaml")
TARGET = os.path.join(ROOT, "deploy", "base", "prometheusrule.yaml")

HEADER = """\
# GENERATED from deploy/observability/alerts.yaml by deploy/observability/render-prometheusrule.py.
# Do not edit: change alerts.yaml and re-run the script (deploy/tests/validate.sh fails when this
# file differs from a fresh run). Needs the prometheus-operator CRDs in the cluster.
"""


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value):
    # Multi-line strings as literal blocks, so expressions stay readable in the rendered file.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render():
    with open(SOURCE) as handle:
        rules = yaml.safe_load(handle)
    groups = rules.get("groups") if isinstance(rules, dict) else None
    if not groups:
        raise SystemExit(f"{SOURCE}: no rule groups")
    document = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "punk-records",
            "labels": {"app.kubernetes.io/name": "punk-records"},
        },
        "spec": {"groups": groups},
    }
    return HEADER + yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=1000, allow_unicode=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=TARGET, help="file to write (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead")
    arguments = parser.parse_args()
    text = render()
    if arguments.check:
        try:
            with open(TARGET) as handle:
                current = handle.read()
        except OSError as error:
            print(f"{TARGET}: {error}")
            return 1
        if current != text:
            print("deploy/base/prometheusrule.yaml is stale: run deploy/observability/render-prometheusrule.py")
            return 1
        print("deploy/base/prometheusrule.yaml is up to date")
        return 0
    with open(arguments.output, "w") as handle:
        handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
