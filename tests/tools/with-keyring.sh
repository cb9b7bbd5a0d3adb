#!/usr/bin/env bash
# Run a command inside a private D-Bus session with an unlocked, throw-away GNOME Keyring, so that
# the real Secret Service backend of `keyring` is used. Without dbus-run-session or
# gnome-keyring-daemon the command runs as is, and the tests that need the keyring skip, saying why.
set -euo pipefail
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null \
   && [ -z "${PROMOTER_IN_KEYRING_SESSION:-}" ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  export PROMOTER_IN_KEYRING_SESSION=1
  export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run"
  mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
  exec dbus-run-session -- bash -c '
    printf "throwaway" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
    export PROMOTER_TEST_KEYRING=secretservice
    exec "$@"' bash "$@"
fi
exec "$@"
