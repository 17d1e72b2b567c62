# two-speeds: two real servers of known, different speed behind one wrr service (DR).
#   VIP 10.10.0.80:80, wrr, weights LVWL_WEIGHTS ("1 1": fast slow), direct routing
#   rs1 10.10.1.1 "fast": lvserver, service time 50 ms, 4 workers
#   rs2 10.10.1.2 "slow": lvserver, service time 100 ms, 4 workers
#   service times fixed (LVWL_DIST=exponential: exponential with those means)
#   clients 10.10.2.1-8 (equal weights), one request per connection (32 bytes in, 64 out),
#   Poisson arrivals at LVWL_RATE (40/s) for LVWL_DURATION (120 s), seed LVWL_SEED (7)
# wrr 1:1 alternates, so each server gets RATE/2: utilisation of rs2 = RATE/2 * 0.1 s / 4 = 50 %
# at 40/s, rs1 25 %. Expected: per server, mean ActiveConn / new-connection rate (Little's law:
# the time a connection is active on the director, SYN to the client's FIN) is about the
# service time plus the client's round trip, so slow/fast ≈ 2.
. /job/lib.sh
DURATION=${LVWL_DURATION:-120}
RATE=${LVWL_RATE:-40}
SEED=${LVWL_SEED:-7}
WORKERS=${LVWL_WORKERS:-4}
FWD=${LVWL_FWD:-dr}
WEIGHTS=${LVWL_WEIGHTS:-1 1} # "FAST SLOW" (the closed loop of fixtures/recordings/two-speeds-reweighted)
W_FAST=${WEIGHTS% *} W_SLOW=${WEIGHTS#* }
case ${LVWL_DIST:-fixed} in exponential) DIST=--exponential ;; *) DIST="" ;; esac
VIP=10.10.0.80 FAST=10.10.1.1 SLOW=10.10.1.2
CLIENTS="10.10.2.1 10.10.2.2 10.10.2.3 10.10.2.4 10.10.2.5 10.10.2.6 10.10.2.7 10.10.2.8"
case $FWD in dr) M=-g ;; nat) M=-m ;; tun) M=-i ;; esac

scenario_param forwarding $FWD
scenario_param service "$VIP:80 wrr"
scenario_param weights "$FAST:$W_FAST $SLOW:$W_SLOW"
scenario_param servers "$FAST:fast:50ms $SLOW:slow:100ms workers=$WORKERS dist=${LVWL_DIST:-fixed}"
scenario_param rate "$RATE"
scenario_param duration_s "$DURATION"

lab_topology $FWD "$VIP" "$FAST $SLOW" "$CLIENTS" || exit 1
dsh $IPVSADM -A -t $VIP:80 -s wrr
dsh $IPVSADM -a -t $VIP:80 -r $FAST:80 $M -w $W_FAST
dsh $IPVSADM -a -t $VIP:80 -r $SLOW:80 $M -w $W_SLOW
lab_server $(rs_ns $FAST) fast --listen 0.0.0.0:80 --service-ms 50 $DIST --workers $WORKERS --seed 11 --duration $((DURATION + 300)) || exit 1
lab_server $(rs_ns $SLOW) slow --listen 0.0.0.0:80 --service-ms 100 $DIST --workers $WORKERS --seed 12 --duration $((DURATION + 300)) || exit 1

# one connection through each server before anything is recorded
dsh $IPVSADM -Ln > $OUT/ipvsadm-before.txt
$IP netns exec client $BIN/lvclient --target $VIP:80 --pool 2 --hold 1 --interval 500 --source 10.10.2.1 --timeout-ms 5000 > $OUT/sanity.txt 2>&1
log "sanity: $(grep summary $OUT/sanity.txt | tr ' ' '\n' | grep -E '^(completed|failed|requests)=' | tr '\n' ' ')"
grep -q ' failed=0 ' $OUT/sanity.txt || { log "sanity connections failed"; cat $OUT/sanity.txt; exit 1; }
sleep 1

recorder_start $((DURATION + 60)) || exit 1
scenario_param load_start_ms "$(now_ms)"
cpu_mark load_start
lab_client load --target $VIP:80 --rate $RATE --duration $DURATION --seed $SEED \
  --source "$(echo $CLIENTS | tr ' ' ',')" --max-conns $((RATE * DURATION * 2 + 100)) --timeout-ms 10000
lab_wait_clients $((DURATION + 30))
scenario_param load_end_ms "$(now_ms)"
cpu_mark load_end
sleep 3 # the 2 s estimator catches up with the last connections
recorder_stop
lab_snapshot end
exporter_once end --collector.ipvs.conn
lab_stop_servers
log "done"
