# syntax=docker/dockerfile:1
# Switchboard's image: built with the official Swift image, run on Debian slim as a non-root user.
#   docker build -t switchboard .
#   docker run -p 8080:8080 -v $PWD/switchboard.yaml:/etc/switchboard/switchboard.yaml:ro switchboard
# (Images cannot be built on the project's CI machines; see deploy/README.md.)

FROM swift:6.3-bookworm AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libsqlite3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest first, so the dependency layer is cached while only sources change.
COPY Package.swift ./
RUN swift package resolve
COPY . .
RUN swift build -c release --product switchboard --static-swift-stdlib \
 && install -D "$(swift build -c release --show-bin-path)/switchboard" /out/switchboard

FROM debian:bookworm-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      ca-certificates tzdata libsqlite3-0 libxml2 curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/switchboard --create-home --shell /usr/sbin/nologin switchboard
COPY --from=build /out/switchboard /usr/local/bin/switchboard
# The SQLite state (when used) lives in the working directory; mount a volume there.
WORKDIR /var/lib/switchboard
USER 10001:10001
ENV SWITCHBOARD_CONFIG=/etc/switchboard/switchboard.yaml
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
# SIGTERM drains: the server stops accepting, running jobs finish (engine.drain_timeout).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/switchboard"]
CMD ["serve"]
