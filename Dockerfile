# syntax=docker/dockerfile:1.7
#
# Punk Records container images: one build stage, two runtime targets.
#
#   docker build --target gateway   -t ghcr.io/punk-records/gateway:0.1.0 .
#   docker build --target persister -t ghcr.io/punk-records/persister:0.1.0 .
#
# Base images (see docs/deployment.md for the reasoning):
#   build   swift:6.1-noble  Swift toolchain on Ubuntu 24.04; noble's librdkafka is 2.3.0 (we need >= 2.2)
#   runtime ubuntu:24.04     same distribution as the build stage, so the librdkafka1/libpq5 ABI matches

ARG SWIFT_IMAGE=swift:6.1-noble
ARG RUNTIME_IMAGE=ubuntu:24.04

# --------------------------------------------------------------------------------------------------
# build: compiles both executables with the Swift standard library linked statically.
# --------------------------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build

RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends librdkafka-dev libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Resolve dependencies first so that source edits do not invalidate this layer.
COPY Package.* ./
RUN --mount=type=cache,target=/src/.build \
    swift package resolve

# Test directories are declared in Package.swift, so SwiftPM wants them present even for
# `--product` builds; they are not copied into the runtime images.
COPY Sources ./Sources
COPY Tests ./Tests

RUN --mount=type=cache,target=/src/.build \
    swift build -c release --static-swift-stdlib --product gateway \
    && swift build -c release --static-swift-stdlib --product persister \
    && bin_dir="$(swift build -c release --show-bin-path)" \
    && for product in gateway persister; do \
           mkdir -p "/staging/$product" \
           && cp "$bin_dir/$product" "/staging/$product/" \
           && find "$bin_dir" -maxdepth 1 -name '*.resources' -exec cp -a {} "/staging/$product/" \; \
           || exit 1; \
       done

# --------------------------------------------------------------------------------------------------
# runtime-base: shared libraries the binaries link against, curl for HEALTHCHECK, a non-root user.
# --------------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime-base

RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends \
        librdkafka1 libpq5 libstdc++6 ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 punk \
    && useradd --system --uid 10001 --gid punk --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin punk

WORKDIR /app
STOPSIGNAL SIGTERM

# --------------------------------------------------------------------------------------------------
# gateway: HTTP ingest on HTTP_PORT (default 8000).
# --------------------------------------------------------------------------------------------------
FROM runtime-base AS gateway

LABEL org.opencontainers.image.title="punk-records-gateway" \
      org.opencontainers.image.description="Punk Records HTTP ingest gateway"

COPY --from=build /staging/gateway/ /app/
# The starter event contracts. SCHEMA_DIR stays unset (no registry) unless a deployment opts in,
# e.g. SCHEMA_DIR=/etc/punk-records/schemas; compose and Kubernetes mount their own copy there.
COPY schemas/ /etc/punk-records/schemas/

USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${HTTP_PORT:-8000}/health" || exit 1

ENTRYPOINT ["/app/gateway"]

# --------------------------------------------------------------------------------------------------
# persister: Kafka consumer group worker; /health, /ready and /metrics on METRICS_PORT (default 9100).
#   default command  run the consumer (applies pending migrations first, under an advisory lock)
#   migrate          apply migrations and exit
#   replay ...       re-read a range of offsets
#   dlq-redrive ...  move dead-lettered records back to their topic
#   check-schemas [DIR]  load the event contracts (default SCHEMA_DIR) and name every problem
# The persister reads ./migrations relative to its working directory, hence /app/migrations.
# --------------------------------------------------------------------------------------------------
FROM runtime-base AS persister

LABEL org.opencontainers.image.title="punk-records-persister" \
      org.opencontainers.image.description="Punk Records Kafka-to-PostgreSQL persister"

COPY --from=build /staging/persister/ /app/
COPY migrations /app/migrations
# The starter event contracts (see the gateway stage); `persister check-schemas` defaults to SCHEMA_DIR.
COPY schemas/ /etc/punk-records/schemas/

USER 10001:10001
EXPOSE 9100

HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${METRICS_PORT:-9100}/health" || exit 1

ENTRYPOINT ["/app/persister"]
