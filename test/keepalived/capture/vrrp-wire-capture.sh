#!/usr/bin/env bash
# Captures real VRRP adverts on the wire (pcap) from a keepalived 2.2.7 pair in network
# namespaces, into OUT (default fixtures/keepalived/vrrp-wire). Root only; needs tcpdump and
# python3 (for the big-endian copy). See the MANIFEST there for what each file holds.
# VI_1 uses PASS auth with the lab password "lab-vrrp": it is on the wire in every VRRPv2
# packet, and the tests check it never leaves the parser.
# Namespaces lvsk-wire-{a,b,br} are created here and deleted by the EXIT trap, with every
# process this script started (by PID).
set -Eeuo pipefail
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-"$HERE/../../../fixtures/keepalived/vrrp-wire"}
mkdir -p "$OUT"; OUT=$(cd -- "$OUT" && pwd)
# shellcheck source=netns-pair.sh
. "$HERE/netns-pair.sh"
pair_up lvsk-wire 10.249.0
KEEPALIVED=()
TCPDUMP=()
i=0
for node in a b; do
  i=$((i + 1))
  ip -n "lvsk-wire-$node" addr add "fd00:249::1$i/64" dev eth0 nodad
  prio=$([ "$node" = a ] && echo 150 || echo 100)
  cat > "$WORK/$node/keepalived.conf" <<CONF
global_defs {
  router_id $node
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 71
  priority $prio
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass lab-vrrp
  }
  virtual_ipaddress {
    10.249.0.201/24
    10.249.0.202/24
  }
}
vrrp_instance VI_2 {
  state BACKUP
  interface eth0
  virtual_router_id 72
  version 3
  priority $((250 - prio))
  advert_int 1
  virtual_ipaddress {
    10.249.0.204/24
  }
}
vrrp_instance VI_3 {
  state BACKUP
  interface eth0
  virtual_router_id 73
  version 3
  priority $prio
  advert_int 0.5
  virtual_ipaddress {
    fd00:249::201/64
  }
}
CONF
done
# a: Ethernet frames on its eth0 (microseconds); b: "any" with LINUX_SLL2 (nanoseconds) and
# with LINUX_SLL (-y), all started before keepalived so the first adverts are in.
FILTER='ip proto 112 or ip6 proto 112'
ip netns exec lvsk-wire-a tcpdump -i eth0 -U -n -s 256 --immediate-mode -w "$WORK/eth0.pcap" "$FILTER" 2> "$WORK/td1.txt" &
PIDS+=($!); TCPDUMP+=($!)
ip netns exec lvsk-wire-b tcpdump -i any -U -n -s 256 --immediate-mode --time-stamp-precision=nano -w "$WORK/any-sll2-nano.pcap" "$FILTER" 2> "$WORK/td2.txt" &
PIDS+=($!); TCPDUMP+=($!)
ip netns exec lvsk-wire-b tcpdump -i any -y LINUX_SLL -U -n -s 256 --immediate-mode -w "$WORK/any-sll.pcap" "$FILTER" 2> "$WORK/td3.txt" &
PIDS+=($!); TCPDUMP+=($!)
sleep 1
for node in a b; do
  TMPDIR="$WORK/$node/tmp" ip netns exec "lvsk-wire-$node" keepalived --vrrp -n -l -D -G \
    -f "$WORK/$node/keepalived.conf" -p "$WORK/$node/keepalived.pid" -r "$WORK/$node/vrrp.pid" \
    > "$WORK/$node/console.txt" 2>&1 &
  PIDS+=($!); KEEPALIVED+=($!)
done
sleep 8   # master-down timers (about 3.5 s), then steady adverts
# Graceful stop of a: it resigns VI_1 and VI_3 with priority-0 adverts; b takes over.
kill -TERM "$(cat "$WORK/a/keepalived.pid")"
sleep 5
kill -TERM "${TCPDUMP[@]}"; wait "${TCPDUMP[@]}" 2>/dev/null || true
PIDS=("${KEEPALIVED[@]}")   # the tcpdumps are reaped: only keepalived is left to stop
cp "$WORK/eth0.pcap" "$WORK/any-sll2-nano.pcap" "$WORK/any-sll.pcap" "$OUT/"
# The same eth0 capture with every header field big-endian (as a big-endian host writes it).
python3 - "$OUT/eth0.pcap" "$OUT/eth0-big-endian.pcap" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
magic, vmaj, vmin, zone, sigfigs, snap, link = struct.unpack_from('<IHHiIII', data, 0)
out = [struct.pack('>IHHiIII', magic, vmaj, vmin, zone, sigfigs, snap, link)]
at = 24
while at < len(data):
    sec, frac, incl, orig = struct.unpack_from('<IIII', data, at)
    out.append(struct.pack('>IIII', sec, frac, incl, orig) + data[at + 16:at + 16 + incl])
    at += 16 + incl
open(sys.argv[2], 'wb').write(b''.join(out))
PY
chmod 644 "$OUT"/*.pcap
keepalived -v 2>&1 | sed -n 1p > "$OUT/keepalived-version.txt"
tcpdump --version > "$OUT/tcpdump-version.txt" 2>&1
for f in "$OUT"/*.pcap; do echo "$(basename "$f"): $(tcpdump -r "$f" -n 2>/dev/null | wc -l) packets"; done
