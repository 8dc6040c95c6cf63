#!/usr/bin/env bash
# Installs the tools the tests compare against into .cache/ (ignored by git):
# flagd's evaluator, used by chatops/flags's cross-check.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache/flagd-core
if [ ! -d .cache/flagd-core/node_modules/@openfeature/flagd-core ]; then
  cp scripts/flagd-core/package.json .cache/flagd-core/package.json
  (cd .cache/flagd-core && npm install --no-audit --no-fund --silent)
fi
