#!/usr/bin/env bash
# Measures `releasebot notes` against git-cliff, side by side, on a synthetic
# history of 10 000 conventional commits whose last release tag is 5 000
# commits back (scripts/gen-history.sh): median wall time and median peak RSS
# (GNU time) of RUNS runs each, and the two ratios against the targets
# (time ≤ 1/4 of git-cliff's, peak RSS < 1/3). Exits 1 when a target is missed.
#
#   scripts/bench-notes.sh            # RUNS=5 by default
#
# Installs what it needs into .cache/ (ignored by git): git-cliff from npm (a
# native binary) and, when missing, GNU time with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
work=$PWD/.cache/bench
mkdir -p "$work/home"

if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
cliff=$(find .cache/git-cliff/node_modules -path '*/bin/git-cliff' -type f 2>/dev/null | head -1 || true)
if [ -z "$cliff" ]; then
  mkdir -p .cache/git-cliff
  npm install --silent --no-audit --no-fund --prefix .cache/git-cliff git-cliff@2.14.2 >/dev/null
  cliff=$(find .cache/git-cliff/node_modules -path '*/bin/git-cliff' -type f | head -1)
fi
go build -o "$work/releasebot" ./cmd/releasebot
if [ ! -d "$work/history/.git" ]; then
  scripts/gen-history.sh "$work/history" 10000 5000 >/dev/null
fi
repo=$(cd "$work/history" && pwd)
bin=$(cd "$work" && pwd)/releasebot
cliff=$(cd "$(dirname "$cliff")" && pwd)/git-cliff
unreleased=$(git -C "$repo" rev-list --count v1.0.0..HEAD)

# Both tools run in the repository with the same hermetic environment.
export HOME=$(cd "$work/home" && pwd) GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null SOURCE_DATE_EPOCH=1767225600

# measure NAME CMD... prints "NAME seconds kib" (medians of $runs runs, after
# one warm-up run).
measure() {
  local name=$1; shift
  (cd "$repo" && "$@" >/dev/null 2>&1)
  local times=() rss=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    (cd "$repo" && /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>/dev/null)
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
    rss+=($(tail -1 "$work/rss"))
  done
  local t m
  t=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  m=$(printf '%s\n' "${rss[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  echo "$name $t $m"
}

read -r _ ours_us ours_kb < <(measure ours "$bin" notes)
read -r _ cliff_us cliff_kb < <(measure cliff "$cliff" --unreleased)
read -r _ log_us log_kb < <(measure log git log --format='%H %an %s' v1.0.0..HEAD)

echo "synthetic history: 10000 commits, $unreleased unreleased since v1.0.0 ($repo); median of $runs runs"
awk -v ou="$ours_us" -v ok="$ours_kb" -v cu="$cliff_us" -v ck="$cliff_kb" -v lu="$log_us" -v lk="$log_kb" \
    -v cv="$("$cliff" --version | awk '{print $2}')" 'BEGIN {
  printf "%-34s %10s %14s\n", "", "wall time", "peak RSS"
  printf "%-34s %8.3f s %10.1f MiB\n", "releasebot notes", ou / 1e6, ok / 1024
  printf "%-34s %8.3f s %10.1f MiB\n", "git-cliff " cv " --unreleased", cu / 1e6, ck / 1024
  printf "%-34s %8.3f s %10.1f MiB\n", "git log --format (baseline)", lu / 1e6, lk / 1024
  tr = ou / cu; mr = ok / ck
  printf "ratio releasebot/git-cliff: time %.3f (target <= 0.25), peak RSS %.3f (target < 0.333)\n", tr, mr
  if (tr <= 0.25 && mr < 1 / 3) { print "targets met"; exit 0 }
  print "TARGET MISSED"; exit 1
}'
