#!/usr/bin/env bash
# Makes sure Debian's headless Chromium is installed, for the console's
# browser tests (console/browser_test.go). Silent and quick when it is
# there already; otherwise installs the Debian package "chromium" with
# apt-get (as root, or through sudo) and says so.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "chromium.sh: chromium is missing and installing it needs root (apt-get install chromium)" >&2
    exit 1
  fi
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp -t r2kit-chromium.XXXXXX)
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium; } >"$log" 2>&1; then
  echo "chromium.sh: apt-get install chromium failed:" >&2
  tail -n 30 "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
echo "chromium.sh: installed $(command -v chromium)"
