#!/usr/bin/env bash
# The test command: vet, formatting, and the race-enabled test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go'; git ls-files --others --exclude-standard '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
go test -race -count=1 ./...
# The Kubernetes manifests, decoded strictly into the API types by a module
# of their own (deploy/kubernetes/check), so k8s.io stays out of go.mod.
(cd deploy/kubernetes/check && go vet ./... && go test -count=1 ./...)
