# syntax=docker/dockerfile:1
# The toubeelib server image: `docker build -t toubeelib .`, then
# `docker run -p 8080:8080 -v toubeelib-data:/data toubeelib`.

# --- build ----------------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
WORKDIR /src
# The binary embeds the web app and the wasm package it runs (server/build.rs), so the package is
# built first, by scripts/wasm-package: it needs the wasm32 target and the wasm-bindgen CLI at
# Cargo.lock's wasm-bindgen version (a layer of its own, rebuilt only when Cargo.lock changes).
# No --locked: the CLI's own lock pins a crate version the registry no longer serves.
COPY Cargo.lock /tmp/Cargo.lock
RUN rustup target add wasm32-unknown-unknown \
    && cargo install wasm-bindgen-cli --version \
        "$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' /tmp/Cargo.lock)"
COPY . .
# The cache mounts keep the registry and the compiled dependencies between builds; the binary is
# copied out of the target cache because a cache mount does not end up in the image layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    ./scripts/wasm-package \
    && cargo build --release -p server --locked \
    && install -D -m 0755 target/release/toubeelib /out/toubeelib

# --- run ------------------------------------------------------------------------------------------
FROM debian:bookworm-slim
# A fixed uid/gid, so a bind-mounted data directory can be chowned to it on the host.
RUN groupadd --system --gid 10001 toubeelib \
    && useradd --system --uid 10001 --gid toubeelib --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin toubeelib \
    && mkdir -p /data \
    && chown toubeelib:toubeelib /data
COPY --from=builder /out/toubeelib /usr/local/bin/toubeelib

ENV TOUBEELIB_DATA=/data \
    TOUBEELIB_ADDR=0.0.0.0:8080
VOLUME /data
EXPOSE 8080
USER toubeelib:toubeelib
# No HEALTHCHECK: the slim image has no HTTP client; orchestrators probe GET /health themselves.
# `docker stop` sends SIGTERM: the server stops accepting, finishes requests in flight for at most
# 10 s and exits 0. Docker's own default is also 10 s before SIGKILL: allow a little more
# (`docker stop -t 15`, compose `stop_grace_period: 15s`).
STOPSIGNAL SIGTERM
ENTRYPOINT ["toubeelib"]
CMD ["serve"]
