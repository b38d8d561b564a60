# syntax=docker/dockerfile:1
# Three stages: front-end assets with node, a static Go build, and a small
# non-root runtime image. Correct by review: this machine has no Docker engine.

FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/assets scripts/assets
COPY static static
RUN bash scripts/assets

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=assets /src/static/vendor/ static/vendor/
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/praksis ./cmd/praksis

# distroless/static: CA certificates and tzdata, no shell, runs as uid 65532.
# The binary also embeds Europe/Oslo (time/tzdata) so it needs neither.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/praksis /usr/local/bin/praksis
USER nonroot:nonroot
ENV LISTEN_ADDR=:3000
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/praksis"]
CMD ["serve"]
