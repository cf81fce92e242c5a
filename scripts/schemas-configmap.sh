#!/usr/bin/env bash
# Generates the Kubernetes form of the event-contract registry (schemas/) for the kustomize base.
#
#   scripts/schemas-configmap.sh              # writes deploy/base/schemas/{configmap,volumes-patch}.yaml
#   scripts/schemas-configmap.sh DIR          # writes the two files into DIR instead (validate.sh does
#                                             # this and compares them with the committed ones)
#
# Run it after every change under schemas/ and commit its output with the change;
# deploy/tests/validate.sh fails while the committed files differ from a fresh run.
#
# Why generated: a ConfigMap key cannot contain `/`, and kustomize refuses files outside its root,
# so schemas/<event_type>/<event_version>.json cannot be fed to a configMapGenerator. Instead:
#
#   configmap.yaml      ConfigMap `punk-records-schemas`, one flat key per document,
#                       `<event_type>--<event_version>.json` (an event type never contains `--`).
#                       It carries kustomize's annotation internal.config.kubernetes.io/needsHashSuffix,
#                       so kustomize appends a content hash to its name like a generated ConfigMap:
#                       changing a schema rolls the gateway and persister Deployments.
#   volumes-patch.yaml  strategic-merge patches for the gateway and persister Deployments: the
#                       pod volume `schemas` projecting every key back to
#                       `<event_type>/<event_version>.json` (`items:`), i.e. the SCHEMA_DIR layout.
#                       The volumeMounts, SCHEMA_DIR and the persister's `check-schemas` init
#                       container are written by hand in deploy/base/{gateway,persister}/deployment.yaml.
#
# The directory is read as the registry reads it (schemas/README.md): the top-level README.md and
# hidden entries are skipped; anything else out of place, a file that is not JSON, or a version
# that cannot be a ConfigMap key is an error naming the entry. Keywords are not checked here:
# `persister check-schemas` (the init container, or CI) does that.
#
# Needs bash and python3 (standard library only).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out_dir=${1:-$root/deploy/base/schemas}
schemas_dir=${PUNK_SCHEMAS_DIR:-$root/schemas}

mkdir -p "$out_dir"
exec python3 - "$schemas_dir" "$out_dir" <<'PY'
import json
import os
import re
import sys

schemas_dir, out_dir = sys.argv[1], sys.argv[2]

CONFIGMAP = "punk-records-schemas"
VOLUME = "schemas"
DEPLOYMENTS = [("gateway", "gateway"), ("persister", "persister")]  # (Deployment, container)
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9]*([._-][a-z0-9]+)*$")
CONFIGMAP_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
MAX_BYTES = 1024 * 1024 - 64 * 1024  # the API server refuses objects over 1 MiB; keep room for metadata

problems = []
documents = []  # (key, relative path, text)

if not os.path.isdir(schemas_dir):
    sys.exit(f"schemas-configmap: {schemas_dir} is not a directory")

for type_name in sorted(os.listdir(schemas_dir)):
    type_path = os.path.join(schemas_dir, type_name)
    if type_name.startswith("."):
        continue
    if not os.path.isdir(type_path):
        if type_name != "README.md":
            problems.append(f"{type_name}: a file next to the event type directories")
        continue
    if len(type_name) > 128 or not EVENT_TYPE.match(type_name):
        problems.append(f"{type_name}/: not a valid event_type")
        continue
    for file_name in sorted(os.listdir(type_path)):
        if file_name.startswith("."):
            continue
        relative = f"{type_name}/{file_name}"
        path = os.path.join(type_path, file_name)
        if os.path.isdir(path):
            problems.append(f"{relative}/: a nested directory")
            continue
        if not file_name.endswith(".json"):
            problems.append(f"{relative}: not <event_version>.json")
            continue
        version = file_name[: -len(".json")]
        if not 1 <= len(version) <= 32:
            problems.append(f"{relative}: event_version must be 1 to 32 characters")
            continue
        key = f"{type_name}--{version}.json"
        if not CONFIGMAP_KEY.match(key) or len(key) > 253:
            problems.append(
                f"{relative}: event_version {version!r} cannot be part of a ConfigMap key "
                "(letters, digits, '-', '_', '.' only)"
            )
            continue
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                text = handle.read()
            json.loads(text)
        except (UnicodeDecodeError, ValueError) as error:
            problems.append(f"{relative}: not JSON ({error})")
            continue
        documents.append((key, relative, text))

if not documents and not problems:
    problems.append("no schema documents found")
total = sum(len(key) + len(text.encode("utf-8")) for key, _, text in documents)
if total > MAX_BYTES:
    problems.append(f"{total} bytes of schemas: more than a ConfigMap holds (1 MiB)")
if problems:
    for problem in problems:
        print(f"schemas-configmap: {schemas_dir}/{problem}", file=sys.stderr)
    sys.exit(1)


def block_safe(text):
    """A YAML literal block reproduces `text` exactly under these conditions; else use JSON."""
    if not text.endswith("\n") or text.endswith("\n\n") or text[0] in " \n":
        return False
    for line in text[:-1].split("\n"):
        if line != line.rstrip() or not all(ch == "\t" or (ch.isprintable() and ch != "\ufeff") for ch in line):
            return False
    return True


def scalar(text, indent):
    if block_safe(text):
        pad = " " * indent
        return "|\n" + "".join(pad + line + "\n" if line else "\n" for line in text[:-1].split("\n"))
    # A YAML double-quoted scalar with everything outside printable ASCII escaped.
    escaped = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            escaped.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            escaped.append(ch)
        elif code <= 0xFFFF:
            escaped.append(f"\\u{code:04x}")
        else:
            escaped.append(f"\\U{code:08x}")
    return '"' + "".join(escaped) + '"\n'


header = (
    "# GENERATED by scripts/schemas-configmap.sh from schemas/: do not edit, run the script.\n"
    "# deploy/tests/validate.sh fails while this file differs from a fresh run.\n"
)

configmap = [
    header,
    "apiVersion: v1\n",
    "kind: ConfigMap\n",
    "metadata:\n",
    f"  name: {CONFIGMAP}\n",
    "  labels:\n",
    "    app.kubernetes.io/name: punk-records-schemas\n",
    "    app.kubernetes.io/component: event-contracts\n",
    "  annotations:\n",
    "    # kustomize appends a content hash to the name, as for a generated ConfigMap, so a schema\n",
    "    # change rolls the Deployments (the documented needs-hash annotation is ignored on plain\n",
    "    # resources: kubernetes-sigs/kustomize#4833). kustomize removes this annotation.\n",
    '    internal.config.kubernetes.io/needsHashSuffix: "enabled"\n',
    "data:\n",
]
for key, _, text in documents:
    configmap.append(f"  {key}: " + scalar(text, 4))

patch = [header]
for deployment, _container in DEPLOYMENTS:
    patch += [
        "---\n",
        "apiVersion: apps/v1\n",
        "kind: Deployment\n",
        "metadata:\n",
        f"  name: {deployment}\n",
        "spec:\n",
        "  template:\n",
        "    spec:\n",
        "      volumes:\n",
        f"        - name: {VOLUME}\n",
        "          configMap:\n",
        f"            name: {CONFIGMAP}\n",
        "            items:\n",
    ]
    for key, relative, _ in documents:
        patch += [f"              - key: {key}\n", f"                path: {relative}\n"]

for name, lines in (("configmap.yaml", configmap), ("volumes-patch.yaml", patch)):
    target = os.path.join(out_dir, name)
    with open(target + ".tmp", "w", encoding="utf-8", newline="\n") as handle:
        handle.write("".join(lines))
    os.replace(target + ".tmp", target)
print(f"schemas-configmap: {len(documents)} schemas -> {out_dir}/configmap.yaml, volumes-patch.yaml", file=sys.stderr)
PY
