#!/bin/sh
# lvreplay-trace TRACE OUTBASE — replay one lvscope trace on this kernel (busybox ash, in the VM).
#
# Builds fresh network namespaces for the trace, so every trace starts with empty IPVS tables,
# default sysctls (a trace's `sysctl` lines change them in d at their time) and no connection
# entries:
#   d    the director: owns every service/destination address of the trace (on lo), forwards
#        between the client and the real servers; IPVS runs here
#   c    the client side: an interface without addresses; lvreplay crafts the client packets
#   sN   one per real-server address of the trace: the address on eth0 (link to the director),
#        every VIP on lo (for DR) and tunl0/ip6tnl0 up (for TUN); `lvreplay serve` listens on
#        every port of the trace. Replies from the real-server address (NAT) go back through the
#        director; replies from a VIP (DR, TUN) go straight to the client over eth1, as in a real
#        DR/TUN setup, so the director only sees the client's packets for those.
# Neighbours are static (no ARP/ND timing), MACs fixed, gateways link-local.
# Writes OUTBASE.kernel.csv (the kernel's answers), OUTBASE.log, OUTBASE.end/ (procfs and ipvsadm
# snapshot taken right after the last line) and OUTBASE.kernel.json (end counters and timing).
set -u
TRACE=$1 OUT=$2
IP=/sbin/ip TC=/sbin/tc IPVSADM=/sbin/ipvsadm   # full paths: busybox ash prefers its own applets
DIR_MAC=02:00:00:00:00:01 CL_MAC=02:00:00:00:00:02
LOG=$OUT.log
: > "$LOG"
plan=$(lvreplay plan "$TRACE" 2>>"$LOG") || { echo "plan failed: $(cat "$LOG")"; exit 2; }
in_ns() { $IP netns exec "$1" sh -c "$2" >>"$LOG" 2>&1; }
sysctls() { # NS key=value... (written through /proc/sys: one process per namespace)
  ns=$1; shift; s=""
  for kv in "$@"; do s="$s echo ${kv#*=} > /proc/sys/$(echo "${kv%%=*}" | tr . /);"; done
  in_ns "$ns" "$s"
}
mac() { printf '02:00:00:%02x:%02x:%02x' "$1" "$2" "$3"; }   # link kind, server number, side

vips=$(echo "$plan" | awk '$1 == "vip" { print $2 }')
rss=$(echo "$plan" | awk '$1 == "rs" { print $2 }')
ports=$(echo "$plan" | awk '$1 == "port" { print $2 }')

$IP netns add d; $IP netns add c
sysctls d net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
  net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
  net.ipv4.conf.all.accept_local=1 net.ipv4.conf.default.accept_local=1 net.ipv6.conf.default.accept_dad=0
sysctls c net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

# director: client link with a default route to it, VIPs, one link per real server
B=/tmp/batch.d
{
  echo "link set lo up"
  echo "link add dc address $DIR_MAC type veth peer name eth0 address $CL_MAC netns c"
  echo "link set dc up"
  echo "route add default via 169.254.77.2 dev dc onlink"
  echo "neigh add 169.254.77.2 lladdr $CL_MAC dev dc nud permanent"
  echo "route add ::/0 via fe80::2 dev dc"
  echo "neigh add fe80::2 lladdr $CL_MAC dev dc nud permanent"
  for v in $vips; do case $v in *:*) echo "addr add $v/128 dev lo nodad" ;; *) echo "addr add $v/32 dev lo" ;; esac; done
  k=0
  for r in $rss; do
    k=$((k + 1))
    $IP netns add "s$k"
    echo "link add d$k address $(mac 1 "$k" 1) type veth peer name eth0 address $(mac 1 "$k" 2) netns s$k"
    echo "link set d$k up"
    # the director's own address on the link: the source of TUN's outer header
    echo "addr add 169.254.77.1/32 dev d$k"
    echo "addr add fd00:77::1/128 dev d$k nodad"
    case $r in
      *:*) echo "route add $r/128 dev d$k src fd00:77::1" ;;
      *) echo "route add $r/32 dev d$k src 169.254.77.1" ;;
    esac
    echo "neigh add $r lladdr $(mac 1 "$k" 2) dev d$k nud permanent"
  done
} > $B
$IP -n d -force -batch $B >>"$LOG" 2>&1
B=/tmp/batch.c
{
  echo "link set lo up"
  echo "link set eth0 up"
  k=0
  for r in $rss; do
    k=$((k + 1))
    echo "link add r$k address $(mac 2 "$k" 1) type veth peer name eth1 address $(mac 2 "$k" 2) netns s$k"
    echo "link set r$k up"
  done
} > $B
$IP -n c -force -batch $B >>"$LOG" 2>&1

# real servers
SERVERS=""
k=0
for r in $rss; do
  k=$((k + 1))
  sysctls "s$k" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.tunl0.rp_filter=0 \
    net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv6.conf.all.accept_dad=0 \
    net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth1.accept_dad=0 net.ipv6.conf.lo.accept_dad=0
  B=/tmp/batch.s
  {
    echo "link set lo up"
    echo "link set eth0 up"
    case $r in *:*) echo "addr add $r/128 dev eth0 nodad" ;; *) echo "addr add $r/32 dev eth0" ;; esac
    for v in $vips; do case $v in *:*) echo "addr add $v/128 dev lo nodad" ;; *) echo "addr add $v/32 dev lo" ;; esac; done
    echo "link set tunl0 up"
    echo "link set ip6tnl0 up"
    echo "link set eth1 up"
    echo "route add default via 169.254.77.1 dev eth0 onlink"
    echo "neigh add 169.254.77.1 lladdr $(mac 1 "$k" 1) dev eth0 nud permanent"
    echo "route add ::/0 via fe80::1 dev eth0"
    echo "neigh add fe80::1 lladdr $(mac 1 "$k" 1) dev eth0 nud permanent"
    echo "route add default via 169.254.78.1 dev eth1 onlink table 100"
    echo "neigh add 169.254.78.1 lladdr $(mac 2 "$k" 1) dev eth1 nud permanent"
    echo "route add ::/0 via fe80::1 dev eth1 table 100"
    echo "neigh add fe80::1 lladdr $(mac 2 "$k" 1) dev eth1 nud permanent"
  } > $B
  $IP -n "s$k" -force -batch $B >>"$LOG" 2>&1
  # ip rule takes its family from -4/-6 only, which a batch line cannot carry
  case $r in *:*) fam=-6 len=128 ;; *) fam=-4 len=32 ;; esac
  $IP -n "s$k" $fam rule add from "$r/$len" lookup main pref 100 >>"$LOG" 2>&1
  $IP -n "s$k" -4 rule add from all lookup 100 pref 200 >>"$LOG" 2>&1
  $IP -n "s$k" -6 rule add from all lookup 100 pref 200 >>"$LOG" 2>&1
  if [ -n "$ports" ]; then
    $IP netns exec "s$k" lvreplay serve $ports >>"$LOG" 2>&1 &
    SERVERS="$SERVERS $!"
  fi
done

# firewall marks: set on the director's ingress from the client (marks do not cross namespaces)
marks=$(echo "$plan" | awk '$1 == "mark"')
if [ -n "$marks" ]; then
  $TC -n d qdisc add dev dc ingress >>"$LOG" 2>&1
  prio=1
  echo "$marks" | while read -r _ proto addr port mark; do
    pn=6; [ "$proto" = udp ] && pn=17
    case $addr in
      *:*) m="protocol ipv6 prio $prio u32 match ip6 dst $addr/128 match ip6 protocol $pn 0xff match ip6 dport $port 0xffff" ;;
      *) m="protocol ip prio $prio u32 match ip dst $addr/32 match ip protocol $pn 0xff match ip dport $port 0xffff" ;;
    esac
    $TC -n d filter add dev dc parent ffff: $m action skbedit mark "$mark" >>"$LOG" 2>&1
    prio=$((prio + 1))
  done
fi
# (no wait for the servers to bind: the trace's initial ipvsadm lines and its first second run first)

# LVREPLAY_SAMPLE=1: the connection table every 0.5 s while the trace runs (for experiments)
if [ "${LVREPLAY_SAMPLE:-0}" = 1 ]; then
  $IP netns exec d sh -c 'while :; do echo "@ $(cut -d" " -f1 /proc/uptime)"; cat /proc/net/ip_vs_conn; usleep 500000; done' > "$OUT.samples" 2>&1 &
  SAMPLER=$!
fi
echo "@ start $(cut -d' ' -f1 /proc/uptime)" >> "$LOG"
$IP netns exec d lvreplay run "$TRACE" /run/netns/c eth0 $DIR_MAC > "$OUT.kernel.csv" 2>>"$LOG"
rc=$?
[ -z "${SAMPLER:-}" ] || kill "$SAMPLER"

# end snapshot: procfs first (it is what the counters say right now), then ipvsadm's views
E=$OUT.end
mkdir -p "$E/net" "$E/ipvsadm"
# (--persistent-conn first: NAME.kernel.json takes its end counters from it)
in_ns d "for f in ip_vs ip_vs_stats ip_vs_stats_percpu ip_vs_conn; do cat /proc/net/\$f > $E/net/\$f; done
  $IPVSADM -Ln --persistent-conn --nosort > $E/ipvsadm/ipvsadm-Ln--persistent-conn--nosort.txt 2>&1
  $IPVSADM -Ln --stats --exact --nosort > $E/ipvsadm/ipvsadm-Ln--stats--exact--nosort.txt 2>&1
  $IPVSADM -Ln --rate --exact --nosort > $E/ipvsadm/ipvsadm-Ln--rate--exact--nosort.txt 2>&1
  $IPVSADM -Ln --thresholds --nosort > $E/ipvsadm/ipvsadm-Ln--thresholds--nosort.txt 2>&1
  $IPVSADM -Ln --nosort > $E/ipvsadm/ipvsadm-Ln--nosort.txt 2>&1
  $IPVSADM -S -n > $E/ipvsadm/ipvsadm-S-n.txt 2>&1
  $IPVSADM -L --timeout > $E/ipvsadm/ipvsadm-L--timeout.txt 2>&1"

for p in $SERVERS; do kill "$p" 2>/dev/null; done
$IP netns del d; $IP netns del c
k=0; for r in $rss; do k=$((k + 1)); $IP netns del "s$k"; done

# end counters per destination, in the kernel's list order, plus the replay timing (not the
# --stats totals: ipvsadm reads the estimator's copy, which lags up to 2 s)
summary=$(grep '^summary ' "$LOG" | tail -n 1)
awk -v summary="$summary" -v kernel="$(cat /etc/lvscope-kernel)" -v date="$(date -u +%Y-%m-%d)" '
  function key(proto, addr) { return proto == "FWM" ? "fwm:" addr : addr }
  /^(TCP|UDP|SCTP|FWM) / {
    svc = key($1, $2); order[++n] = svc; proto[svc] = tolower($1)
    i = 3; if ($i == "IPv6") i++; sched[svc] = $i
    persist[svc] = 0; for (j = i; j < NF; j++) if ($j == "persistent") persist[svc] = $(j + 1)
    nd[svc] = 0
    next
  }
  /^  -> / && $2 != "RemoteAddress:Port" {
    d = ++nd[svc]; dest[svc, d] = $2; w[svc, d] = $3; pc[svc, d] = $4; ac[svc, d] = $5; ic[svc, d] = $6
  }
  END {
    printf "{\n  \"kernel\": \"%s\",\n  \"recorded\": \"%s\",\n  \"replay\": {", kernel, date
    m = split(summary, kv, " "); sep = ""
    for (j = 2; j <= m; j++) { split(kv[j], p, "="); printf "%s\"%s\": %s", sep, p[1], p[2]; sep = ", " }
    printf "},\n  \"services\": ["
    for (s = 1; s <= n; s++) {
      v = order[s]
      printf "%s\n    {\"service\": \"%s\", \"proto\": \"%s\", \"scheduler\": \"%s\", \"persistent\": %d, \"dests\": [", (s > 1 ? "," : ""), v, proto[v], sched[v], persist[v]
      for (d = 1; d <= nd[v]; d++) {
        x = dest[v, d]
        printf "%s\n      {\"server\": \"%s\", \"weight\": %d, \"active\": %d, \"inactive\": %d, \"persistent\": %d}", (d > 1 ? "," : ""), x, w[v, d], ac[v, d], ic[v, d], pc[v, d]
      }
      printf "%s]}", (nd[v] ? "\n    " : "")
    }
    printf "\n  ]\n}\n"
  }' "$E/ipvsadm/ipvsadm-Ln--persistent-conn--nosort.txt" > "$OUT.kernel.json"
exit $rc
