#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine, and nothing that is already there:
# npm packages (from package-lock.json) and the Debian packages the tests and the demo use.
# Usage: tools/setup.sh [--system-only|--npm-only|--demo] [--browser]
#   --demo: npm packages and what `make demo`'s hints use (mosquitto_sub, a browser for the dashboard).
set -euo pipefail
cd "$(dirname "$0")/.."

want_npm=1; want_system=1; want_browser=0; demo_only=0
for a in "$@"; do
  case "$a" in
    --system-only) want_npm=0 ;;
    --npm-only) want_system=0 ;;
    --browser) want_browser=1 ;;
    --demo) demo_only=1; want_browser=1 ;;
    *) echo "setup: unknown option $a" >&2; exit 2 ;;
  esac
done

if [ "$want_npm" = 1 ]; then
  stamp=node_modules/.aimdb-installed
  if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
    # `npm ci`: exactly the committed lock, which is never rewritten (an `npm install` would add
    # other platforms' optional Rollup packages to it and leave the tree dirty).
    echo "setup: installing npm packages (npm ci)"
    # better-sqlite3 compiles from source when no prebuilt binary can be fetched; node-gyp then needs
    # Node's headers, which ship beside the node binary (Debian: /usr/include/node): point it there
    # instead of letting it download them.
    node_prefix="$(dirname "$(dirname "$(command -v node)")")"
    if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/node.h" ]; then export npm_config_nodedir="$node_prefix"; fi
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
fi

if [ "$want_system" = 1 ]; then
  missing=()
  if [ "$demo_only" = 1 ]; then
    command -v mosquitto_sub >/dev/null 2>&1 || missing+=(mosquitto-clients)
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  else
    command -v duk >/dev/null 2>&1 || missing+=(duktape)
    command -v mujs >/dev/null 2>&1 || missing+=(mujs)
    command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
    command -v mosquitto_sub >/dev/null 2>&1 || missing+=(mosquitto-clients)
    # The real device engines (../shared/engines) are 32-bit Linux builds: they need the i386 C library.
    [ -e /lib/ld-linux.so.2 ] || missing+=(libc6-i386)
    # Some kernels (virtual machines without 32-bit syscalls) cannot execute i386 programs at all
    # ("Exec format error"): the engine runner then runs them under QEMU's user-mode emulator.
    eng=../shared/engines/bin/espruino-vars-1600
    if [ -e "$eng" ] && ! command -v qemu-i386 >/dev/null 2>&1 && ! "$eng" --help >/dev/null 2>&1; then missing+=(qemu-user); fi
    # A pty pair links a real-engine board's UART to the gateway in the device tests.
    command -v socat >/dev/null 2>&1 || missing+=(socat)
    if [ "$want_browser" = 1 ]; then
      command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    fi
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
      if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
      fi
    fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
