#!/usr/bin/env bash
# System packages some tests need: a real WordPress (PHP + MariaDB) and headless Chromium.
# Installs them when missing and we are root with apt; otherwise says what is missing (those tests then
# skip, or fail when PHOTAI_REQUIRE_SERVICES=1, as in CI).
set -euo pipefail
missing=()
command -v php >/dev/null 2>&1 || missing+=(php-cli php-mysql php-gd php-curl php-xml php-mbstring)
[ -d /usr/share/wordpress ] || missing+=(wordpress)
command -v mariadbd >/dev/null 2>&1 || missing+=(mariadb-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v bc >/dev/null 2>&1 || missing+=(bc)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages for the test suite: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "warning: missing system packages (${missing[*]}); WordPress and browser tests will skip." >&2
fi
