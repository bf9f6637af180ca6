#!/usr/bin/env bash
# Installs the system programs the tests need, from Debian's archive, when they are missing;
# `npm test` runs it first, so the README's `npm ci && npm test` works on a fresh machine.
# One line per need below: the file that proves it is there, then the Debian packages that
# provide it. Uses sudo only when not root. Off Debian (no apt-get) it says what is missing
# and carries on: the tests that need it then fail with their own message.
set -euo pipefail

NEEDS=(
  # The browser tests drive Debian's Chromium (playwright-core downloads no browser).
  "/usr/bin/chromium chromium"
  # The PostgreSQL store's tests start a throwaway server with initdb and pg_ctl from here.
  "/usr/lib/postgresql/*/bin/initdb postgresql"
)

missing=()
for need in "${NEEDS[@]}"; do
  read -r proof packages <<<"$need"
  # The proof may be a glob (any version's folder will do).
  compgen -G "$proof" >/dev/null || missing+=($packages)
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "ensure-system-deps: missing ${missing[*]} and no apt-get to install them; install them by hand" >&2
  exit 0
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
echo "ensure-system-deps: installing ${missing[*]} from Debian" >&2
"${SUDO[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q "${missing[@]}"
