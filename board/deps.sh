#!/usr/bin/env bash
# Install the Debian packages Borne needs, and only those that are missing.
# Works on Debian 12 (bookworm) and Raspberry Pi OS; idempotent; uses sudo when not root.
#
#   board/deps.sh run     what building and running the kiosk needs
#   board/deps.sh test    the same, plus what the test suite needs
set -euo pipefail

run_pkgs=(build-essential cmake pkg-config
          libsdl2-dev libsdl2-ttf-dev libsqlite3-dev libinih-dev libpng-dev
          libsodium-dev libqrencode-dev libcjson-dev libcurl4-openssl-dev ca-certificates
          libmicrohttpd-dev libpq-dev libical-dev
          fonts-open-sans)
# zbar-tools decodes printed QR codes; clang and its runtime build the libFuzzer targets;
# postgresql (server binaries, started in a temp dir by tests/server_env.sh) and curl serve the
# sync tests; openssl makes the throwaway authority and certificates of the TLS test.
test_pkgs=(libcmocka-dev sqlite3 xvfb xauth zbar-tools clang libclang-rt-14-dev
           postgresql postgresql-client curl python3 openssl)

want=("${run_pkgs[@]}")
case "${1:-run}" in
  run) ;;
  test) want+=("${test_pkgs[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  # "install ok installed" is the only state in which a package is really there.
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
