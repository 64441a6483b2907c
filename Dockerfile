# syntax=docker/dockerfile:1
#
# Libre cours in a container: a static binary (pure Go, SQLite included) on
# distroless/static, which holds CA certificates, tzdata and a non-root user
# (65532) and nothing else: no shell, no package manager. The healthcheck is
# the binary itself ("librecours healthcheck" asks /readyz).
#
#   docker build -t librecours .
#   docker run -p 8080:8080 -v librecours-data:/data \
#     -e LIBRECOURS_BASE_URL=http://localhost:8080 librecours
#
# deploy/compose.yml runs it (embedded store, or a MongoDB replica set);
# docs/operations.md says how.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags="-s -w" -o /out/librecours . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/librecours /librecours
# The data folder belongs to the non-root user: a new named volume mounted
# on /data takes its owner from here.
COPY --from=build --chown=65532:65532 /out/data /data
ENV LIBRECOURS_ADDR=0.0.0.0:8080 \
    LIBRECOURS_DATA=/data \
    LIBRECOURS_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/librecours", "healthcheck"]
ENTRYPOINT ["/librecours"]
CMD ["serve"]
