#!/usr/bin/env bash
# Captures real keepalived dumps (JSON, .data, .stats) and notify-FIFO lines from a VRRP pair
# running in network namespaces, into OUT (default fixtures/keepalived/2.2.7-vrrp). Root only.
# The VRRP password is the lab's own ("lab-vrrp", PASS auth keeps 8 characters); tests grep every
# output for it.
# Namespaces lvsk-cap-{a,b,br} are created here and deleted by the EXIT trap, with every
# process this script started (by PID).
set -Eeuo pipefail
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-"$HERE/../../../fixtures/keepalived/2.2.7-vrrp"}
mkdir -p "$OUT"; OUT=$(cd -- "$OUT" && pwd)
# shellcheck source=netns-pair.sh
. "$HERE/netns-pair.sh"
pair_up lvsk-cap 10.250.0
for node in a b; do
  touch "$WORK/$node/healthy"
  prio=$([ "$node" = a ] && echo 150 || echo 100)
  state=$([ "$node" = a ] && echo MASTER || echo BACKUP)
  cat > "$WORK/$node/keepalived.conf" <<CONF
global_defs {
  router_id cap-$node
  script_user root
  enable_script_security
  vrrp_notify_fifo $WORK/$node/vrrp.fifo
  vrrp_notify_priority_changes
}
vrrp_script chk_health {
  script "/usr/bin/test -e $WORK/$node/healthy"
  interval 1
  fall 2
  rise 2
}
vrrp_instance VI_1 {
  state $state
  interface eth0
  virtual_router_id 61
  priority $prio
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass lab-vrrp
  }
  virtual_ipaddress {
    10.250.0.201/24 dev eth0 label eth0:v1
    10.250.0.202
  }
  virtual_ipaddress_excluded {
    10.250.0.203/32 dev eth0
  }
  track_script {
    chk_health
  }
}
vrrp_instance VI_2 {
  state BACKUP
  interface eth0
  virtual_router_id 62
  version 3
  priority $((250 - prio))
  advert_int 1
  virtual_ipaddress {
    10.250.0.204/24
  }
  track_script {
    chk_health weight -60
  }
}
CONF
  mkfifo "$WORK/$node/vrrp.fifo"
  # O_RDWR keeps the FIFO open across keepalived restarts; timestamps are not needed here.
  cat <> "$WORK/$node/vrrp.fifo" > "$WORK/$node/fifo.txt" &
  PIDS+=($!)
  TMPDIR="$WORK/$node/tmp" ip netns exec "lvsk-cap-$node" keepalived --vrrp -n -l -D -G \
    -f "$WORK/$node/keepalived.conf" -p "$WORK/$node/keepalived.pid" -r "$WORK/$node/vrrp.pid" \
    > "$WORK/$node/console.txt" 2>&1 &
  PIDS+=($!)
done
SIG_JSON=$(keepalived --signum=JSON); SIG_DATA=$(keepalived --signum=DATA); SIG_STATS=$(keepalived --signum=STATS)
dump() { # dump NODE LABEL
  local d="$WORK/$1/tmp" pid; pid=$(cat "$WORK/$1/keepalived.pid")
  rm -f "$d"/keepalived.*
  kill -s "$SIG_JSON" "$pid"; kill -s "$SIG_DATA" "$pid"; kill -s "$SIG_STATS" "$pid"
  sleep 0.5
  cp "$d/keepalived.json" "$OUT/$2.json"; cp "$d/keepalived.data" "$OUT/$2.data"; cp "$d/keepalived.stats" "$OUT/$2.stats"
}
sleep 6   # initial master-down timer (about 3.5 s) plus a few adverts
dump a steady-a-master; dump b steady-b-backup
rm -f "$WORK/a/healthy"; sleep 4   # track script: fall 2 at interval 1, then the peer takes over
dump a trackfail-a-fault; dump b trackfail-b-master
touch "$WORK/a/healthy"; sleep 6
kill -KILL "$(cat "$WORK/a/keepalived.pid")"; sleep 2   # parent killed: the VRRP child stops (STOP) too
dump b killed-peer-b-master
sleep 0.5
for node in a b; do sed "s|$WORK|/lab|g" "$WORK/$node/fifo.txt" > "$OUT/fifo-$node.txt"; done
sed "s|$WORK|/lab|g" "$WORK/a/keepalived.conf" > "$OUT/keepalived-a.conf"
for f in "$OUT"/*.data "$OUT"/*.json; do sed -i -e "s|$WORK|/lab|g" -e "s#${WORK//\//\\\\/}#\\\\/lab#g" "$f"; done
chmod 644 "$OUT"/*
keepalived -v 2>&1 | sed -n 1p > "$OUT/keepalived-version.txt"
echo "captured into $OUT"
