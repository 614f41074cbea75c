#!/usr/bin/env bash
# Installs code-server 4.103.2 (bundles VS Code 1.103.2) into a cache folder outside the
# project's package.json, for the real-VS-Code suite (test/vscode). Idempotent: a second run
# only prints the binary's path. Steps follow ../shared/notes/real-vscode.md:
#   - @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable here), so its cache is
#     pre-seeded with Debian's rg;
#   - code-server declares Node 22 but runs on 20 with FORCE_NODE_VERSION=20;
#   - unsafe_perm because CI runs as root; yes=true because node-pty's postinstall calls npx.
# Prints the code-server binary path on its last line of stdout.
set -euo pipefail

VERSION=4.103.2
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="${KAIROS_CODE_SERVER_DIR:-$ROOT/.cache/code-server}"
BIN="$DEST/node_modules/.bin/code-server"
STAMP="$DEST/.installed-$VERSION"

if [ -x "$BIN" ] && [ -f "$STAMP" ]; then
  echo "$BIN"
  exit 0
fi

# Several suites ask at once (vitest runs files in parallel): one installs, the others wait for
# it and then find it installed; two npm installs into one folder break each other.
mkdir -p "$DEST"
exec 9>"$DEST/.install.lock"
flock 9
if [ -x "$BIN" ] && [ -f "$STAMP" ]; then
  echo "$BIN"
  exit 0
fi

log() { printf '[install-code-server] %s\n' "$*" >&2; }

missing=()
for pkg in libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

mkdir -p "$DEST/tmp"
RG_CACHE="$DEST/tmp/vscode-ripgrep-cache-1.15.14"
RG_TGZ="$RG_CACHE/ripgrep-v13.0.0-13-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$RG_TGZ" ]; then
  log "pre-seeding the ripgrep download cache with $(command -v rg)"
  mkdir -p "$RG_CACHE"
  stage="$(mktemp -d)"
  cp "$(command -v rg)" "$stage/rg"
  tar -czf "$RG_TGZ" -C "$stage" rg
  rm -rf "$stage"
fi

cd "$DEST"
# Its own package.json so npm does not walk up into the project's.
[ -f package.json ] || printf '{ "name": "kairos-code-server-cache", "private": true }\n' > package.json
TGZ="code-server-$VERSION.tgz"
[ -f "$TGZ" ] || npm pack "code-server@$VERSION" --silent >&2

log "npm i $TGZ (≈300 MB)"
TMPDIR="$DEST/tmp" npm_config_yes=true npm_config_unsafe_perm=true FORCE_NODE_VERSION=20 \
  npm i "./$TGZ" --foreground-scripts --no-audit --no-fund --no-save >&2

"$BIN" --version >&2
touch "$STAMP"
echo "$BIN"
