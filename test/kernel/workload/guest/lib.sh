# lib.sh — what workload scenarios are built from (busybox ash, inside the test VM). Sourced by
# /job/scenario.sh, which record.sh copies from test/kernel/workload/scenarios/NAME.sh.
#
# Topology (lab_topology FWD "VIP..." "RIP..." "CLIENT..."), every address inside the guest:
#   director   holds the VIPs on lo and runs IPVS; link dc to the client namespace, one link dK
#              per real server (the RIP routed over it, neighbours static, gateways link-local)
#   client     every client address on eth0 (its link to the director, default route there) and
#              one link rK per real server without addresses, on which DR/TUN answers arrive
#   rs1..rsN   RIP on eth0 (link to the director), eth1 to the client namespace. Answers from
#              the RIP (NAT) go back through the director (rule: from RIP lookup main, default
#              via the director); anything else (the VIP: DR/TUN) goes straight to the client
#              over eth1 (table 100), as a real DR/TUN real server answers on its own uplink.
#              dr: the VIPs on lo, arp_ignore=1, arp_announce=2; tun: the same plus tunl0 up
#              (ipip); nat: no VIP on the real server.
# Processes: lab_server (lvserver in a real-server namespace), lab_client (lvclient in the
# client namespace), each logging under $OUT; lab_wait_clients / lab_stop_servers end them
# (bounded waits). The director is recorded by recorder_start / recorder_stop: today the
# one-second sampler below; LVSCOPE_RECORDER=exporter runs the exporter's own capture recorder
# in the director namespace instead (see recorder_start) — scenarios do not change.
IP=/sbin/ip IPVSADM=/sbin/ipvsadm # full paths: busybox ash prefers its own applets
BIN=/job/bin
OUT=${OUT:-/out}
EXPORTER=${LVSCOPE_EXPORTER:-/host/repo/dist/exporter/main.js}
LAB_SERVERS="" LAB_CLIENTS="" RECORDER_PID=""

now_ms() { $BIN/lvclient now; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
log() { echo "[$(uptime_s)] $*"; }
dsh() { $IP netns exec director "$@"; } # run a command in the director namespace
in_ns() { # NS 'shell text': one shell in NS (e.g. many /proc/sys writes)
  $IP netns exec "$1" sh -c "$2"
}
sysctls() { # NS key=value... (written through /proc/sys, one process per namespace)
  _ns=$1
  shift
  _s=""
  for kv in "$@"; do _s="$_s echo ${kv#*=} > /proc/sys/$(echo "${kv%%=*}" | tr . /);"; done
  in_ns "$_ns" "$_s"
}
mac() { printf '02:00:00:%02x:%02x:%02x' "$1" "$2" "$3"; } # link kind, server number, side
DIR_MAC=02:00:00:00:00:01 CL_MAC=02:00:00:00:00:02

# lab_topology FWD "VIP..." "RIP..." "CLIENT..."   (FWD: dr, nat or tun; IPv4)
lab_topology() {
  LAB_FWD=$1 LAB_VIPS=$2 LAB_RIPS=$3 LAB_CLIENT_ADDRS=$4
  case $LAB_FWD in dr | nat | tun) ;; *) echo "lab_topology: forwarding $LAB_FWD is not dr, nat or tun" >&2; return 2 ;; esac
  $IP netns add director
  $IP netns add client
  sysctls director net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
    net.ipv4.conf.all.accept_local=1 net.ipv4.conf.default.accept_local=1
  sysctls client net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
    net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  _b=/tmp/batch.director
  {
    echo "link set lo up"
    for v in $LAB_VIPS; do echo "addr add $v/32 dev lo"; done
    echo "link add dc address $DIR_MAC type veth peer name eth0 address $CL_MAC netns client"
    echo "link set dc up"
    echo "route add default via 169.254.77.2 dev dc onlink"
    echo "neigh add 169.254.77.2 lladdr $CL_MAC dev dc nud permanent"
    k=0
    for r in $LAB_RIPS; do
      k=$((k + 1))
      $IP netns add "rs$k"
      echo "link add d$k address $(mac 1 $k 1) type veth peer name eth0 address $(mac 1 $k 2) netns rs$k"
      echo "link set d$k up"
      echo "addr add 169.254.77.1/32 dev d$k" # the director's source on the link (TUN's outer header)
      echo "route add $r/32 dev d$k src 169.254.77.1"
      echo "neigh add $r lladdr $(mac 1 $k 2) dev d$k nud permanent"
      [ "$LAB_FWD" != tun ] || echo "link set d$k mtu 1600" # room for the ipip header
    done
  } > $_b
  $IP -n director -batch $_b || return 1
  _b=/tmp/batch.client
  {
    echo "link set lo up"
    echo "link set eth0 up"
    for a in $LAB_CLIENT_ADDRS; do echo "addr add $a/32 dev eth0"; done
    echo "route add default via 169.254.77.1 dev eth0 onlink"
    echo "neigh add 169.254.77.1 lladdr $DIR_MAC dev eth0 nud permanent"
    k=0
    for r in $LAB_RIPS; do
      k=$((k + 1))
      echo "link add r$k address $(mac 2 $k 1) type veth peer name eth1 address $(mac 2 $k 2) netns rs$k"
      echo "link set r$k up"
    done
  } > $_b
  $IP -n client -batch $_b || return 1
  k=0
  for r in $LAB_RIPS; do
    k=$((k + 1))
    sysctls "rs$k" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
      net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv6.conf.all.disable_ipv6=1
    [ "$LAB_FWD" != tun ] || sysctls "rs$k" net.ipv4.conf.tunl0.rp_filter=0
    _b=/tmp/batch.rs
    {
      echo "link set lo up"
      [ "$LAB_FWD" != tun ] || echo "link set eth0 mtu 1600"
      echo "link set eth0 up"
      echo "link set eth1 up"
      echo "addr add $r/32 dev eth0"
      if [ "$LAB_FWD" != nat ]; then for v in $LAB_VIPS; do echo "addr add $v/32 dev lo"; done; fi
      [ "$LAB_FWD" != tun ] || echo "link set tunl0 up"
      echo "route add default via 169.254.77.1 dev eth0 onlink"
      echo "neigh add 169.254.77.1 lladdr $(mac 1 $k 1) dev eth0 nud permanent"
      echo "route add default via 169.254.78.1 dev eth1 onlink table 100"
      echo "neigh add 169.254.78.1 lladdr $(mac 2 $k 1) dev eth1 nud permanent"
    } > $_b
    $IP -n "rs$k" -batch $_b || return 1
    $IP -n "rs$k" rule add from "$r/32" lookup main pref 100 || return 1
    $IP -n "rs$k" rule add from all lookup 100 pref 200 || return 1
  done
  LAB_NRS=$k
  {
    echo "forwarding=$LAB_FWD"
    echo "vips=$LAB_VIPS"
    echo "real_servers=$LAB_RIPS"
    echo "clients=$LAB_CLIENT_ADDRS"
    for ns in director client $(k=0; for r in $LAB_RIPS; do k=$((k + 1)); echo rs$k; done); do
      echo "--- $ns"
      $IP -n $ns -br addr
      $IP -n $ns route
      $IP -n $ns rule 2> /dev/null | grep -v -e 'lookup local' -e 'lookup default'
    done
  } > $OUT/topology.txt 2>&1
  log "topology $LAB_FWD: vips=$LAB_VIPS rips=$LAB_RIPS clients=$(echo $LAB_CLIENT_ADDRS | wc -w)"
}

# the namespace of a real server address (rsK)
rs_ns() {
  k=0
  for r in $LAB_RIPS; do
    k=$((k + 1))
    [ "$r" = "$1" ] && { echo rs$k; return 0; }
  done
  echo "rs_ns: $1 is not a real server" >&2
  return 1
}

# lab_server NS NAME lvserver-options...   (background; $OUT/servers/NAME.log, NAME.out, and a
# line "NAME NS RIP" in $OUT/servers/index.txt)
# Returns once the server listens (at most 10 s).
lab_server() {
  _ns=$1 _name=$2
  shift 2
  mkdir -p $OUT/servers
  $IP netns exec "$_ns" $BIN/lvserver --name "$_name" --log $OUT/servers/$_name.log "$@" > $OUT/servers/$_name.out 2>&1 &
  LAB_SERVERS="$LAB_SERVERS $!"
  # which real server address NAME is (summarize.js joins the logs with the director's view)
  k=0
  for r in $LAB_RIPS; do
    k=$((k + 1))
    [ "rs$k" != "$_ns" ] || echo "$_name $_ns $r" >> $OUT/servers/index.txt
  done
  i=0
  while [ $i -lt 100 ] && ! grep -q listening $OUT/servers/$_name.out 2> /dev/null; do
    usleep 100000
    i=$((i + 1))
  done
  grep -q listening $OUT/servers/$_name.out || { echo "lab_server $_name: not listening: $(cat $OUT/servers/$_name.out)" >&2; return 1; }
}

# lab_client NAME lvclient-options...   (background, client namespace; $OUT/clients/NAME.log, NAME.out)
lab_client() {
  _name=$1
  shift
  mkdir -p $OUT/clients
  $IP netns exec client $BIN/lvclient --name "$_name" --log $OUT/clients/$_name.log "$@" > $OUT/clients/$_name.out 2>&1 &
  LAB_CLIENTS="$LAB_CLIENTS $!"
}

# wait_pids SECONDS PID...: wait for the processes, at most SECONDS, then SIGTERM, then SIGKILL
wait_pids() {
  _limit=$(($1 * 10))
  shift
  i=0
  while [ $i -lt $_limit ]; do
    _alive=""
    for p in "$@"; do kill -0 "$p" 2> /dev/null && _alive="$_alive $p"; done
    [ -n "$_alive" ] || return 0
    usleep 100000
    i=$((i + 1))
  done
  log "still running after the limit, stopping:$_alive"
  for p in $_alive; do kill "$p" 2> /dev/null; done
  sleep 2
  for p in $_alive; do kill -9 "$p" 2> /dev/null; done
  return 1
}
lab_wait_clients() { wait_pids "$1" $LAB_CLIENTS; LAB_CLIENTS=""; }
lab_stop_servers() {
  for p in $LAB_SERVERS; do kill "$p" 2> /dev/null; done
  wait_pids 10 $LAB_SERVERS
  LAB_SERVERS=""
}

# ------------------------------------------------------------------ the director's recorder
# copy_small FROM TO: a short text file copied by shell builtins (a fork costs ~20 ms under TCG)
copy_small() { while IFS= read -r _l; do printf '%s\n' "$_l"; done < "$1" > "$2"; }

# cpu_mark LABEL: the guest's CPU counters now (/proc/stat "cpu" line) into $OUT/cpu.txt
cpu_mark() {
  read -r _c _rest < /proc/stat
  echo "$1 $(now_ms) $_rest" >> $OUT/cpu.txt
}

# clock_ms: CLOCK_MS = the guest's clock in ms without a fork ($(...) would fork a subshell):
# /proc/uptime, 10 ms steps; no suspend in the VM, so it is CLOCK_MONOTONIC, the clock of
# `lvclient now` and of every lab log
clock_ms() {
  read -r _up _ < /proc/uptime
  _cs=${_up#*.}
  CLOCK_MS=$((${_up%.*} * 1000 + (1$_cs - 100) * 10))
}

# sampler_loop DIR MAX_SECONDS [INTERVAL_MS]  (run in the director namespace)
# Every INTERVAL_MS (1000) until DIR/.stop appears or MAX_SECONDS pass: DIR/<ms>/ with net/ip_vs,
# net/ip_vs_stats, net/ip_vs_stats_percpu and the ipvsadm views (the file names of
# fixtures/procfs/*), <ms> being the guest's monotonic clock in ms (10 ms steps) read just before
# net/ip_vs. Every LVSCOPE_SAMPLE_CONN_EVERY-th sample (default 10; 0 = never) also holds
# net/ip_vs_conn. A sample is written to DIR/.tmp and renamed when complete; DIR/index.tsv has
# one line per sample: start_ms end_ms (the difference is the cost of one sample under TCG).
# Only the four ipvsadm calls, mkdir and mv fork (a fork+exec costs ~20 ms under TCG).
sampler_loop() {
  _dir=$1 _max=$2 _int=${3:-1000} _conn=${LVSCOPE_SAMPLE_CONN_EVERY:-10}
  mkdir -p "$_dir"
  clock_ms
  _t0=$CLOCK_MS
  _end=$((_t0 + _max * 1000))
  _next=$_t0
  _n=0
  _s="$_dir/.tmp"
  rm -rf "$_s"
  mkdir -p "$_s/net" "$_s/ipvsadm"
  while [ ! -e "$_dir/.stop" ] && [ $_n -lt $((_max * 1000 / _int + 1)) ]; do
    clock_ms
    _t=$CLOCK_MS
    [ "$_t" -lt "$_end" ] || break
    copy_small /proc/net/ip_vs "$_s/net/ip_vs"
    copy_small /proc/net/ip_vs_stats_percpu "$_s/net/ip_vs_stats_percpu"
    copy_small /proc/net/ip_vs_stats "$_s/net/ip_vs_stats"
    if [ "$_conn" -gt 0 ] && [ $((_n % _conn)) -eq 0 ]; then cat /proc/net/ip_vs_conn > "$_s/net/ip_vs_conn"; fi
    $IPVSADM -Ln --stats --exact --nosort > "$_s/ipvsadm/ipvsadm-Ln--stats--exact--nosort.txt" 2>&1
    $IPVSADM -Ln --rate --exact --nosort > "$_s/ipvsadm/ipvsadm-Ln--rate--exact--nosort.txt" 2>&1
    $IPVSADM -Ln --thresholds --nosort > "$_s/ipvsadm/ipvsadm-Ln--thresholds--nosort.txt" 2>&1
    $IPVSADM -Ln --persistent-conn --nosort > "$_s/ipvsadm/ipvsadm-Ln--persistent-conn--nosort.txt" 2>&1
    [ ! -e "$_dir/$_t" ] || _t=$((_t + 1)) # (two samples in one 10 ms step: never, but not lost)
    mv "$_s" "$_dir/$_t"
    clock_ms
    echo "$_t $CLOCK_MS" >> "$_dir/index.tsv"
    _n=$((_n + 1))
    mkdir -p "$_s/net" "$_s/ipvsadm" # the next sample's folder, before its clock reading
    _next=$((_next + _int))
    clock_ms
    _e=$CLOCK_MS
    [ "$_next" -gt "$_e" ] || _next=$((_e + 1)) # behind: the next sample at once, no catch-up burst
    usleep $(((_next - _e) * 1000))
  done
  rm -rf "$_s"
}

# recorder_start MAX_SECONDS: record the director from now on, in the background, at most
# MAX_SECONDS. Returns once the first record is in (at most 120 s).
#   LVSCOPE_RECORDER=sampler (default): sampler_loop into $OUT/samples
#   LVSCOPE_RECORDER=exporter: the exporter's capture recorder in the director namespace,
#     `lvs-exporter --capture.dir $OUT/capture` plus LVSCOPE_EXPORTER_ARGS (default
#     `--capture.interval 1`), for when the exporter has that flag (checked against its --help
#     first). Its records carry wall-clock times: scenario.txt's clocks_start/clocks_end give
#     the offset to the logs' CLOCK_MONOTONIC.
recorder_start() {
  case ${LVSCOPE_RECORDER:-sampler} in
    sampler)
      dsh sh -c ". /job/lib.sh; sampler_loop $OUT/samples $1" > $OUT/recorder.log 2>&1 &
      RECORDER_PID=$!
      _first="$OUT/samples/index.tsv"
      ;;
    exporter)
      timeout 120 node "$EXPORTER" --help 2> /dev/null | grep -q -- --capture.dir ||
        { echo "recorder_start: $EXPORTER has no --capture.dir" >&2; return 1; }
      mkdir -p $OUT/capture
      # (the exporter's default --capture.interval is 15 s; the lab samples every second)
      dsh timeout "$(($1 + 60))" node "$EXPORTER" --capture.dir $OUT/capture ${LVSCOPE_EXPORTER_ARGS:---capture.interval 1} > $OUT/recorder.log 2>&1 &
      RECORDER_PID=$!
      _first="$OUT/capture"
      ;;
    *)
      echo "recorder_start: LVSCOPE_RECORDER=$LVSCOPE_RECORDER is not sampler or exporter" >&2
      return 2
      ;;
  esac
  i=0
  while [ $i -lt 1200 ] && [ -z "$(ls -A "$_first" 2> /dev/null)" ] && kill -0 $RECORDER_PID 2> /dev/null; do
    usleep 100000
    i=$((i + 1))
  done
  [ -n "$(ls -A "$_first" 2> /dev/null)" ] || { echo "recorder_start: no first record; $(tail -n 5 $OUT/recorder.log)" >&2; return 1; }
  log "recorder ${LVSCOPE_RECORDER:-sampler} running"
}
recorder_stop() {
  [ -n "$RECORDER_PID" ] || return 0
  case ${LVSCOPE_RECORDER:-sampler} in
    sampler) touch $OUT/samples/.stop ;;
    *) kill "$RECORDER_PID" 2> /dev/null ;;
  esac
  wait_pids 30 $RECORDER_PID
  rm -rf $OUT/samples/.stop $OUT/samples/.tmp
  RECORDER_PID=""
  log "recorder stopped"
}

# exporter_once NAME [exporter options]: the real exporter, once, in the director namespace
# (needs the VM's node: record.sh boots with LVSCOPE_VM_NODE=1); $OUT/exporter/NAME.prom/.err
exporter_once() {
  _name=$1
  shift
  mkdir -p $OUT/exporter
  command -v node > /dev/null || { echo "exporter_once: no node in this VM" > $OUT/exporter/$_name.err; return 1; }
  _a=$(now_ms)
  dsh timeout 300 node "$EXPORTER" --once "$@" > $OUT/exporter/$_name.prom 2> $OUT/exporter/$_name.err
  _rc=$?
  echo "exporter_once $_name rc=$_rc ms=$(($(now_ms) - _a)) args=$*" >> $OUT/exporter/runs.txt
  log "exporter --once ($_name): rc=$_rc in $(($(now_ms) - _a)) ms, $(grep -c '^[a-z]' $OUT/exporter/$_name.prom) samples"
  return $_rc
}

# lab_snapshot NAME: the director's full state now ($OUT/NAME/), including ip_vs_conn
lab_snapshot() {
  _s=$OUT/$1
  mkdir -p $_s/net $_s/ipvsadm
  dsh sh -c "for f in ip_vs ip_vs_stats ip_vs_stats_percpu ip_vs_conn; do cat /proc/net/\$f > $_s/net/\$f; done
    $IPVSADM -Ln --nosort > $_s/ipvsadm/ipvsadm-Ln--nosort.txt 2>&1
    $IPVSADM -Ln --stats --exact --nosort > $_s/ipvsadm/ipvsadm-Ln--stats--exact--nosort.txt 2>&1
    $IPVSADM -Ln --rate --exact --nosort > $_s/ipvsadm/ipvsadm-Ln--rate--exact--nosort.txt 2>&1
    $IPVSADM -Ln --thresholds --nosort > $_s/ipvsadm/ipvsadm-Ln--thresholds--nosort.txt 2>&1
    $IPVSADM -Ln --persistent-conn --nosort > $_s/ipvsadm/ipvsadm-Ln--persistent-conn--nosort.txt 2>&1
    $IPVSADM -S -n > $_s/ipvsadm/ipvsadm-S-n.txt 2>&1
    $IPVSADM -L --timeout > $_s/ipvsadm/ipvsadm-L--timeout.txt 2>&1"
  echo "$(now_ms)" > $_s/time_ms
}

# scenario_param KEY VALUE...: appends to $OUT/scenario.txt (what the scenario promised)
scenario_param() {
  _k=$1
  shift
  echo "$_k=$*" >> $OUT/scenario.txt
}

# lab_teardown: stop the servers and delete the namespaces (for scenarios that build several
# topologies one after the other)
lab_teardown() {
  lab_stop_servers
  $IP netns del director
  $IP netns del client
  k=0
  for r in $LAB_RIPS; do
    k=$((k + 1))
    $IP netns del rs$k
  done
}
