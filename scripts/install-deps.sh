#!/usr/bin/env bash
# Installs, from Debian 12's packages, everything booking_events needs to
# build, test and run its demo. Idempotent; needs root (or sudo).
set -euo pipefail

packages=(
    build-essential cmake pkg-config clang-format
    postgresql-15 postgresql-server-dev-15 postgresql-contrib
    libcurl4-openssl-dev libssl-dev liblz4-dev nlohmann-json3-dev libgtest-dev libpq-dev
    libipc-run-perl
    python3 curl openssl ca-certificates rsync procps
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "installing: ${missing[*]}" >&2
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
