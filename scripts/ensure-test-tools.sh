#!/usr/bin/env bash
# Installs the Debian packages the tests use (real peers and the tshark oracle) when missing.
# Runs before `npm test`; needs root (or sudo) only when something is missing.
set -euo pipefail

missing=()
command -v tshark >/dev/null 2>&1 || missing+=(tshark)
command -v tcpdump >/dev/null 2>&1 || missing+=(tcpdump)
command -v nghttpd >/dev/null 2>&1 || missing+=(nghttp2)
/usr/bin/python3 -c 'import h2' >/dev/null 2>&1 || missing+=(python3-h2)
# A throwaway certificate for the TLS tests.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# script(1) gives the progress-bar test a terminal (bsdutils is essential in Debian; kept for slim images).
command -v script >/dev/null 2>&1 || missing+=(bsdutils)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "ensure-test-tools: installing ${missing[*]} with apt-get" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "ensure-test-tools: need root to apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
