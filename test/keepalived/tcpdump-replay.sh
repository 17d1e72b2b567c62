#!/bin/sh
# Stand-in for tcpdump in the listener's process tests: checks it was called as the listener
# calls tcpdump, says "listening on" like tcpdump, writes the REAL capture $TCPDUMP_REPLAY_PCAP
# to stdout, then waits to be stopped. $TCPDUMP_REPLAY_LOG gets one line per start.
#   TCPDUMP_REPLAY_FAIL=1  fail like tcpdump on a missing interface instead
#   TCPDUMP_REPLAY_NETNS_LOG  append the network namespace it runs in (net:[INODE])
set -eu
if [ -n "${TCPDUMP_REPLAY_LOG:-}" ]; then echo "$*" >>"$TCPDUMP_REPLAY_LOG"; fi
if [ -n "${TCPDUMP_REPLAY_NETNS_LOG:-}" ]; then readlink /proc/self/ns/net >>"$TCPDUMP_REPLAY_NETNS_LOG"; fi
if [ "${TCPDUMP_REPLAY_FAIL:-}" = 1 ]; then
  echo "tcpdump: $2: No such device exists" >&2
  exit 1
fi
[ "$1 $3 $4" = "-i -w -" ] || { echo "tcpdump-replay: unexpected arguments: $*" >&2; exit 2; }
echo "tcpdump: listening on $2, link-type EN10MB (Ethernet), snapshot length 512 bytes" >&2
cat "${TCPDUMP_REPLAY_PCAP:?set TCPDUMP_REPLAY_PCAP}"
exec sleep 60
