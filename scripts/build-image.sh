#!/usr/bin/env bash
# Builds the real Dockerfile without a Docker engine, with buildah, then runs
# the Action's image on a test workspace laid out as GitHub lays it out, and
# prints each image's size and the build time.
#
#   scripts/build-image.sh            # both images, then the smoke test
#   KEEP_IMAGES=1 scripts/build-image.sh   # leave the images in buildah's storage
#
# Nothing can be pulled here, so the base images the Dockerfile names are
# first made locally under those exact names ("stand-ins"):
#   debian:bookworm-slim   a debootstrap --variant=minbase of Debian bookworm
#                          (plus ca-certificates, which the Go stand-in needs
#                          to reach the module proxy);
#   golang:1.26-bookworm   that root file system plus this machine's /usr/local/go.
# The stand-ins are kept in buildah's storage and the rootfs in .cache/image,
# so a second run only rebuilds the Dockerfile.
#
# Exit codes: 0 built and the smoke test passed; 1 the build or the smoke test
# failed; 2 this machine cannot build images (the reason is printed).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

say() { printf 'build-image: %s\n' "$*" >&2; }
cannot() { say "cannot build images here: $*"; exit 2; }

[ "$(id -u)" = 0 ] || cannot "buildah's chroot isolation and debootstrap need root; run as root"
if ! command -v buildah >/dev/null || ! command -v debootstrap >/dev/null; then
  command -v apt-get >/dev/null || cannot "buildah or debootstrap is missing and there is no apt-get to install them"
  say "installing buildah and debootstrap"
  apt-get update -qq >/dev/null
  apt-get install -y -qq buildah debootstrap >/dev/null
fi
command -v go >/dev/null || cannot "no Go toolchain on PATH for the golang stand-in"

GO_IMAGE=docker.io/library/golang:1.26-bookworm   # FROM golang:1.26-bookworm
DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim # FROM debian:bookworm-slim
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=$repo/.cache/image
mkdir -p "$cache"
# buildah's default storage; vfs where overlay mounts are refused (nested
# containers), which is slower but works anywhere.
if [ -z "${STORAGE_DRIVER:-}" ]; then
  if ! buildah images >/dev/null 2>&1; then export STORAGE_DRIVER=vfs; fi
fi
bud=(buildah bud --isolation chroot --pull=never --layers=false)

exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }
started=$(date +%s)

# --- stand-ins ---------------------------------------------------------------
go_version=$(go env GOVERSION)
if ! exists "$DEBIAN_IMAGE"; then
  rootfs=$cache/bookworm-rootfs
  if [ ! -x "$rootfs/bin/sh" ]; then
    say "debootstrap bookworm (minbase) into $rootfs"
    rm -rf "$rootfs"
    debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$MIRROR" >"$cache/debootstrap.log" 2>&1 \
      || { tail -5 "$cache/debootstrap.log" >&2; cannot "debootstrap failed (see $cache/debootstrap.log)"; }
  fi
  say "stand-in $DEBIAN_IMAGE"
  # Slimmed as Debian's own -slim images are (debuerreotype --slimify): no
  # documentation, manuals or translations, now or from later installs.
  mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d" "$rootfs/etc/apt/apt.conf.d"
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/groff/*' 'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/lintian/*' 'path-exclude /usr/share/linda/*' 'path-exclude /usr/share/locale/*' \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/docker"
  printf '%s\n' 'Dir::Cache::pkgcache "";' 'Dir::Cache::srcpkgcache "";' >"$rootfs/etc/apt/apt.conf.d/docker-clean"
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  rm -rf "$rootfs"/usr/share/{man,groff,info,lintian,linda,locale}/* "$rootfs"/var/cache/apt/*.bin
  tar -C "$rootfs" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
      --exclude='./var/cache/apt/archives/*.deb' --exclude='./var/lib/apt/lists/*' -cf "$cache/rootfs.tar" .
  c=$(buildah from scratch)
  buildah add --quiet "$c" "$cache/rootfs.tar" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash "$c"
  buildah commit --quiet --rm "$c" "$DEBIAN_IMAGE" >/dev/null
  rm -f "$cache/rootfs.tar"
fi
if ! exists "$GO_IMAGE" || [ "$(buildah inspect --type image --format '{{index .OCIv1.Config.Labels "go.version"}}' "$GO_IMAGE")" != "$go_version" ]; then
  say "stand-in $GO_IMAGE from $(go env GOROOT) ($go_version)"
  c=$(buildah from --pull=never "$DEBIAN_IMAGE")
  buildah copy --quiet "$c" "$(go env GOROOT)" /usr/local/go >/dev/null
  # This machine's own trust store: where the way out to the module proxy is
  # through a TLS-inspecting proxy, Debian's bundle alone would not verify it.
  buildah copy --quiet "$c" /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt >/dev/null
  buildah config --label go.version="$go_version" \
    --env GOPATH=/go --env GOTOOLCHAIN=local \
    --env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --workingdir /go "$c"
  buildah commit --quiet --rm "$c" "$GO_IMAGE" >/dev/null
fi
standins=$(date +%s)
say "stand-ins ready in $((standins - started))s"

# --- the real Dockerfile -----------------------------------------------------
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
commit=$(git rev-parse HEAD 2>/dev/null || echo none)
args=(--build-arg "VERSION=$version" --build-arg "COMMIT=$commit" -f Dockerfile)
t0=$(date +%s)
if [ -n "${SMOKE_ONLY:-}" ] && exists localhost/releasebot-action && exists localhost/releasebot-server; then
  say "SMOKE_ONLY: reusing the images built before"; t1=$t0; t2=$t0
else
"${bud[@]}" "${args[@]}" --target server -t localhost/releasebot-server . >"$cache/build-server.log" 2>&1 \
  || { tail -20 "$cache/build-server.log" >&2; say "building the server stage failed (log: $cache/build-server.log)"; exit 1; }
t1=$(date +%s)
"${bud[@]}" "${args[@]}" -t localhost/releasebot-action . >"$cache/build-action.log" 2>&1 \
  || { tail -20 "$cache/build-action.log" >&2; say "building the Action's image failed (log: $cache/build-action.log)"; exit 1; }
t2=$(date +%s)
fi

size() { buildah images --format '{{.Size}}' "$1" 2>/dev/null | head -1; }

# --- smoke test: the Action's image on a workspace as GitHub mounts it -------
work=$(mktemp -d)
ctr=""
cleanup() {
  [ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
  if [ -z "${KEEP_IMAGES:-}" ]; then
    buildah rmi localhost/releasebot-action localhost/releasebot-server >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# A repository with a tag and conventional commits after it, then a shallow
# clone of it as actions/checkout leaves one (depth 1, no tags), owned by
# another uid as the runner's workspace is inside the container.
src=$work/src
git init -q -b main "$src"
g() { git -C "$src" -c user.name=dev -c user.email=dev@example.com "$@"; }
echo "# demo" >"$src/README.md"; g add -A; g commit -qm "chore: start"; g tag v1.2.0
echo a >"$src/a.txt"; g add -A; g commit -qm "feat: add a"
echo b >"$src/b.txt"; g add -A; g commit -qm "fix: b is right"
ws=$work/workspace
git clone -q --depth 1 --no-tags "file://$src" "$ws"
sha=$(git -C "$ws" rev-parse HEAD)
# The remote as the container sees it (the runner's would be GitHub).
git -C "$ws" remote set-url origin file:///github/origin
chown -R 1001:1001 "$ws"

mkdir -p "$work/home" "$work/workflow" "$work/file_commands"
cat >"$work/workflow/event.json" <<JSON
{"ref":"refs/heads/main","after":"$sha","before":"0000000000000000000000000000000000000000",
 "repository":{"full_name":"acme/demo","name":"demo","owner":{"login":"acme"},"default_branch":"main"},
 "head_commit":{"id":"$sha","message":"fix: b is right"},"sender":{"login":"dev","type":"User"}}
JSON
: >"$work/file_commands/output"; : >"$work/file_commands/summary"

ctr=$(buildah from --pull=never localhost/releasebot-action)
mnt=$(buildah mount "$ctr")
for f in /releasebot /usr/bin/git /etc/ssl/certs/ca-certificates.crt; do
  [ -e "$mnt$f" ] || { say "the Action's image has no $f"; exit 1; }
done
# The image's entrypoint as GitHub runs it: docker run --workdir
# /github/workspace -v …:/github/workspace -v …:/github/file_commands …
entrypoint=$(buildah inspect --type image --format '{{.OCIv1.Config.Entrypoint}}' localhost/releasebot-action)
[ "$entrypoint" = '[/releasebot action]' ] || { say "entrypoint is $entrypoint, want [\"/releasebot\",\"action\"]"; exit 1; }
# The few device nodes a container runtime gives every container (git opens
# /dev/null); chroot gives none.
mkdir -p "$mnt/dev"
for d in null:1:3 zero:1:5 random:1:8 urandom:1:9; do
  IFS=: read -r name major minor <<<"$d"
  [ -e "$mnt/dev/$name" ] || mknod -m 666 "$mnt/dev/$name" c "$major" "$minor"
done
mkdir -p "$mnt/github/workspace" "$mnt/github/home" "$mnt/github/workflow" "$mnt/github/file_commands"
cp -a "$ws/." "$mnt/github/workspace/"
cp -a "$src" "$mnt/github/origin"
cp "$work/workflow/event.json" "$mnt/github/workflow/event.json"
: >"$mnt/github/file_commands/output"; : >"$mnt/github/file_commands/summary"

actions_env=(
  HOME=/github/home PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  CI=true GITHUB_ACTIONS=true GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH=/github/workflow/event.json
  GITHUB_REPOSITORY=acme/demo GITHUB_REPOSITORY_OWNER=acme GITHUB_REF=refs/heads/main GITHUB_REF_NAME=main
  GITHUB_SHA="$sha" GITHUB_WORKSPACE=/github/workspace GITHUB_API_URL=http://127.0.0.1:9/api
  GITHUB_SERVER_URL=http://127.0.0.1:9 GITHUB_RUN_ID=1 GITHUB_ACTOR=dev
  GITHUB_OUTPUT=/github/file_commands/output GITHUB_STEP_SUMMARY=/github/file_commands/summary
  RUNNER_TEMP=/github/runner_temp
  "INPUT_GITHUB-TOKEN=" "INPUT_CONFIG=.github/releasebot.yml" "INPUT_DRY-RUN=true" "INPUT_FAIL-ON-AUDIT=false"
)
# The entrypoint itself, in a dry run without a token: it must fetch the
# history and tags of the shallow checkout, mark the workspace safe for its
# own git calls, and touch no API (GITHUB_API_URL points at a closed port).
run=(/releasebot action)
how="the entrypoint (releasebot action, dry run)"
say "smoke test: $how"
set +e
# No shell between: sh drops variables whose names are no shell names, and
# the inputs keep their hyphens (INPUT_DRY-RUN), as docker run -e passes them.
chroot "$mnt" /usr/bin/env -i -C /github/workspace "${actions_env[@]}" "${run[@]}" \
  >"$work/smoke.out" 2>&1
rc=$?
set -e
if [ "$rc" != 0 ] || [ ! -s "$mnt/github/workspace/RELEASE_NOTES.md" ]; then
  sed -n '1,40p' "$work/smoke.out" >&2
  say "smoke test failed: exit $rc, RELEASE_NOTES.md $( [ -s "$mnt/github/workspace/RELEASE_NOTES.md" ] && echo written || echo missing)"
  exit 1
fi
grep -q '1\.3\.0' "$mnt/github/workspace/RELEASE_NOTES.md" \
  || { say "smoke test: RELEASE_NOTES.md does not name v1.3.0 (fix + feat after v1.2.0)"; exit 1; }
# The entrypoint speaks the Actions contract: the mode and version among
# the outputs, and a step summary.
grep -q '^mode' "$mnt/github/file_commands/output" && grep -q '1\.3\.0' "$mnt/github/file_commands/output" \
  || { say "smoke test: the entrypoint wrote no mode or version to GITHUB_OUTPUT"; exit 1; }
[ -s "$mnt/github/file_commands/summary" ] \
  || { say "smoke test: the entrypoint wrote no step summary"; exit 1; }
[ -z "$(git -C "$src" status --porcelain)" ] || { say "smoke test changed the source repository"; exit 1; }
head -n 1 "$mnt/github/workspace/RELEASE_NOTES.md" | sed 's/^/build-image: RELEASE_NOTES.md: /'
buildah umount "$ctr" >/dev/null

printf 'build-image: stand-ins %ss; server stage %ss; Action image %ss (build %s)\n' \
  "$((standins - started))" "$((t1 - t0))" "$((t2 - t1))" "$version"
printf 'build-image: localhost/releasebot-action %s; localhost/releasebot-server %s\n' \
  "$(size localhost/releasebot-action)" "$(size localhost/releasebot-server)"
printf 'build-image: smoke test passed: %s wrote RELEASE_NOTES.md for v1.3.0\n' "$how"
