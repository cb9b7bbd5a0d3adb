#!/usr/bin/env bash
# Run a command inside a private D-Bus session with an unlocked, throw-away GNOME Keyring, so that
# the real Secret Service backend of `keyring` is used. Without dbus-run-session or
# gnome-keyring-daemon the command runs as is, and the tests that need the keyring skip, saying why.
#
# The throw-away keyring is a plain-text keyring file (gnome-keyring's unencrypted format, which is
# never locked) in a scratch folder removed at exit; it only ever holds the sandbox's test tokens.
# Plain text rather than a password-unlocked keyring because of what CI met twice: the session's
# daemon went away mid-run and D-Bus started another, which found a password-protected keyring
# locked, so every later keyring test failed. A daemon started again loads this file unlocked.
set -euo pipefail
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null \
   && [ -z "${PROMOTER_IN_KEYRING_SESSION:-}" ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  export PROMOTER_IN_KEYRING_SESSION=1
  export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run"
  mkdir -p "$XDG_DATA_HOME/keyrings" "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME/keyrings"
  (umask 077 && printf '[keyring]\ndisplay-name=login\nctime=0\nmtime=0\nlock-on-idle=false\nlock-after=false\n' \
     >"$XDG_DATA_HOME/keyrings/login.keyring" && printf 'login' >"$XDG_DATA_HOME/keyrings/default")
  set +e
  dbus-run-session -- bash -c '
    gnome-keyring-daemon --daemonize --components=secrets >/dev/null 2>&1
    first=""
    for pid in $(pgrep -x gnome-keyring-d); do
      if tr "\0" "\n" <"/proc/$pid/environ" 2>/dev/null | grep -qx "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"; then
        first=$pid
      fi
    done
    export PROMOTER_TEST_KEYRING=secretservice
    "$@"
    rc=$?
    state=$( [ -n "$first" ] && cut -d" " -f3 "/proc/$first/stat" 2>/dev/null || echo gone)
    if [ -n "$first" ] && { [ "$state" = gone ] || [ "$state" = Z ]; }; then
      echo "with-keyring: the keyring daemon started for this run (pid $first) went away during it;" \
           "D-Bus started another, which loaded the same unlocked keyring." >&2
    fi
    exit $rc' bash "$@"
  exit $?
fi
exec "$@"
