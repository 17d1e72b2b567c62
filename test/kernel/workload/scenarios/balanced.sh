# balanced: two equal real servers with equal weights, already balanced (DR).
#   VIP 10.50.0.80:80, LVWL_SCHED (wlc), weights 1:1, direct routing
#   rs1 10.50.1.1, rs2 10.50.1.2: lvserver, service time 40 ms fixed, 4 workers
#   clients 10.50.2.1-8 (equal weights), one request per connection (32 bytes in, 64 out)
#   Poisson arrivals at LVWL_RATE (30/s) for LVWL_DURATION (90 s), seed LVWL_SEED (13)
# Expected: equal shares of new connections, equal lifetimes: capacity ratio ≈ 1 (truth.json has
# the true lifetimes from the clients' logs).
. /job/lib.sh
DURATION=${LVWL_DURATION:-90}
RATE=${LVWL_RATE:-30}
SEED=${LVWL_SEED:-13}
SCHED=${LVWL_SCHED:-wlc}
VIP=10.50.0.80 RS1=10.50.1.1 RS2=10.50.1.2
CLIENTS="10.50.2.1 10.50.2.2 10.50.2.3 10.50.2.4 10.50.2.5 10.50.2.6 10.50.2.7 10.50.2.8"

scenario_param forwarding dr
scenario_param service "$VIP:80 $SCHED"
scenario_param servers "$RS1:rs1:40ms $RS2:rs2:40ms workers=4 dist=fixed"
scenario_param rate "$RATE"
scenario_param duration_s "$DURATION"

lab_topology dr "$VIP" "$RS1 $RS2" "$CLIENTS" || exit 1
dsh $IPVSADM -A -t $VIP:80 -s $SCHED
dsh $IPVSADM -a -t $VIP:80 -r $RS1:80 -g -w 1
dsh $IPVSADM -a -t $VIP:80 -r $RS2:80 -g -w 1
lab_server rs1 rs1 --listen 0.0.0.0:80 --service-ms 40 --workers 4 --seed 31 --duration $((DURATION + 300)) || exit 1
lab_server rs2 rs2 --listen 0.0.0.0:80 --service-ms 40 --workers 4 --seed 32 --duration $((DURATION + 300)) || exit 1

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
lab_stop_servers
log "done"
