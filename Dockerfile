# syntax=docker/dockerfile:1
#
# Three stages (DESIGN §2):
#   build   compiles a static releasebot binary;
#   server  the image for `releasebot serve`, non-root;
#   action  the Action's image, and the LAST stage, because a Docker container
#           action (action.yml: `image: Dockerfile`) builds the last stage.
# scripts/build-image.sh builds this file without a Docker engine (buildah).

FROM golang:1.26-bookworm AS build
ARG VERSION=dev
ARG COMMIT=none
WORKDIR /src
# Modules first, so that a source change reuses the downloaded modules' layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static (no cgo: no libc needed in the images), reproducible paths, no
# symbol table; the version and commit land in cmd/releasebot's main.version
# and main.commit, which `releasebot version` prints.
ENV CGO_ENABLED=0
RUN go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/releasebot ./cmd/releasebot \
 && /out/releasebot version

# The server talks to GitHub, Slack and Sentry through their APIs only: it
# needs CA certificates and no git, no shell, no libc.
FROM scratch AS server
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/releasebot /releasebot
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/releasebot", "serve"]
CMD ["--addr", ":8080"]

# The Action's image. GitHub runs a container action as the image's default
# user with GITHUB_WORKSPACE mounted and owned by the runner, and sets the
# working directory itself: so root, no USER, no WORKDIR, and an absolute
# exec-form ENTRYPOINT (GitHub's "Dockerfile support for GitHub Actions").
# git is here because the Action fetches history and tags with it.
FROM debian:bookworm-slim AS action
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
COPY --from=build /out/releasebot /releasebot
ENTRYPOINT ["/releasebot", "action"]
