#!/usr/bin/env bash
# Makes a large real capture for the benchmark: h2load against nghttpd inside a network
# namespace of our own (its lo at MTU 1500, so segments are Ethernet-sized as on a real network),
# captured with tcpdump. Usage: scripts/make-bench-capture.sh OUT.pcap [TARGET_MB] [bulk|short]
# bulk (the default, what npm run bench uses): 50 connections per round, 8 streams at a time, 1 KiB
# and 16 KiB responses. short: 2,000 connections per round with one 1 KiB request each (a
# capture of connection churn, for memory: some 58 MB and 24,000 connections at 55 MB).
# Needs root (ip netns), nghttp2, tcpdump and ethtool (Debian packages). Traffic never leaves the namespace.
set -euo pipefail
out=${1:?usage: make-bench-capture.sh OUT.pcap [TARGET_MB]}
target_mb=${2:-1100}
profile=${3:-bulk}
case "$profile" in
  bulk) load=(-n 5000 -c 50 -m 8 "http://127.0.0.1:8080/16k" "http://127.0.0.1:8080/1k") ;;
  short) load=(-n 2000 -c 2000 -m 1 "http://127.0.0.1:8080/1k") ;;
  *) echo "profile must be bulk or short" >&2; exit 2 ;;
esac
ns=h2s-bench-$$
work=$(mktemp -d)
server_pid=""
tcpdump_pid=""
cleanup() {
  [ -n "$tcpdump_pid" ] && kill -INT "$tcpdump_pid" 2>/dev/null && wait "$tcpdump_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns"
ip netns exec "$ns" ip link set lo mtu 1500 up
# Without segmentation offload the capture holds wire-sized segments, as a NIC capture would.
ip netns exec "$ns" ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || echo "ethtool not found: segments stay offload-sized" >&2
mkdir -p "$work/www"
head -c 16384 /dev/urandom >"$work/www/16k"
head -c 1024 /dev/urandom >"$work/www/1k"

ip netns exec "$ns" nghttpd --no-tls -d "$work/www" 8080 >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do
  ip netns exec "$ns" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080' 2>/dev/null && break
  sleep 0.1
done

ip netns exec "$ns" tcpdump -i lo -B 262144 -w "$out" 'tcp port 8080' 2>"$work/tcpdump.log" &
tcpdump_pid=$!
sleep 1

# Rounds of h2load (about 45 MB each for bulk, 5 MB for short) until the capture passes the target size (bounded).
for round in $(seq 1 200); do
  ip netns exec "$ns" h2load "${load[@]}" >/dev/null
  size_mb=$(( $(stat -c %s "$out") / 1048576 ))
  echo "round $round: ${size_mb} MB" >&2
  [ "$size_mb" -ge "$target_mb" ] && break
done
sleep 1
kill -INT "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null || true
tcpdump_pid=""
cat "$work/tcpdump.log" >&2
ls -l "$out" >&2
