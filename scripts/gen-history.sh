#!/usr/bin/env bash
# Generates a synthetic repository of conventional commits with git
# fast-import, for benchmarks: N commits (default 10000), a release tag
# (v1.0.0) on commit TAG_AT (default N/2), so the unreleased range is the
# last N-TAG_AT commits. Dates and authors are fixed: the same arguments give
# the same hashes.
#
#   scripts/gen-history.sh DIR [N] [TAG_AT]
set -euo pipefail
dir=${1:?usage: scripts/gen-history.sh DIR [N] [TAG_AT]}
n=${2:-10000}
tag_at=${3:-$((n / 2))}
rm -rf "$dir"
mkdir -p "$dir"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git -C "$dir" init -q -b main
LC_ALL=C awk -v n="$n" -v tag_at="$tag_at" '
function emit_data(s) { printf "data %d\n%s\n", length(s), s }
BEGIN {
  split("feat fix fix perf chore docs refactor test ci feat fix build style", types, " ")
  split("api auth cart checkout nav onboarding payments search quiz ui", scopes, " ")
  split("add,fix,handle,cache,render,validate,retry,log,drop,speed up", verbs, ",")
  split("empty carts,expired sessions,slow queries,the footer links,retries on 502,the quiz timer,currency rounding,the media proxy,mobile layout,webhook signatures", things, ",")
  split("FF_NEW_ONBOARDING FF_NAV_FOOTER FF_PAYMENTS_V2 FF_FAST_SEARCH", flags, " ")
  t0 = 1700000000
  for (i = 1; i <= n; i++) {
    ty = types[(i * 7) % 13 + 1]
    sc = scopes[(i * 3) % 10 + 1]
    subj = ty
    if (i % 4 != 0) subj = subj "(" sc ")"
    subj = subj ": " verbs[(i * 5) % 10 + 1] " " things[(i * 11) % 10 + 1]
    if (i % 9 == 0) subj = subj " behind " flags[(i / 9) % 4 + 1]
    if (i % 3 == 0) subj = subj " (#" i ")"
    msg = subj "\n"
    if (i % 5 == 0) msg = msg "\nThe first paragraph of the body explains why the change was needed\nand what it does, over two lines.\n\nA second paragraph adds detail.\n"
    if (i % 10 == 0) msg = msg "\nRefs: #" (i - 1) "\nReviewed-by: Reviewer " (i % 7) " <reviewer" (i % 7) "@example.com>\n"
    if (i % 2500 == 1234) msg = msg "\nBREAKING CHANGE: the old endpoint is gone;\nclients move to /v2.\n"
    a = (i * 13) % 20
    ts = t0 + i * 60
    printf "commit refs/heads/main\nmark :%d\n", i
    printf "author Dev %d <dev%d@example.com> %d +0000\n", a, a, ts
    printf "committer Dev %d <dev%d@example.com> %d +0000\n", a, a, ts
    emit_data(msg)
    printf "M 644 inline src/file%d.txt\n", i % 200
    emit_data("line " i)
    printf "\n"
    if (i == tag_at) printf "reset refs/tags/v1.0.0\nfrom :%d\n\n", i
  }
}' | git -C "$dir" fast-import --quiet
git -C "$dir" reset -q --hard main
echo "generated $n commits in $dir; v1.0.0 is $((n - tag_at)) commits back"
