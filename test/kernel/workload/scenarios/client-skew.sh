# client-skew: a source-hash service where one client sends half of the connections (DR).
#   VIP 10.30.0.80:80, sh (source hashing), weights 1:1, direct routing
#   rs1 10.30.1.1, rs2 10.30.1.2: lvserver, service time LVWL_SERVICE_MS (20 ms) fixed, 4 workers
#   clients 10.30.2.1 (weight 7) and 10.30.2.2-8 (weight 1 each): 10.30.2.1 opens 7/14 = half of
#   the connections; one request per connection (32 bytes in, 64 out)
#   Poisson arrivals at LVWL_RATE (30/s) for LVWL_DURATION (60 s), seed LVWL_SEED (5)
# sh sends every connection of a client to the server its address hashes to, so the server that
# 10.30.2.1 hashes to gets at least half of the connections whatever the weights say.
# Expected: top-client share ≈ 0.5 (the clients' logs give the true share, in truth.json).
. /job/lib.sh
DURATION=${LVWL_DURATION:-60}
RATE=${LVWL_RATE:-30}
SEED=${LVWL_SEED:-5}
SERVICE_MS=${LVWL_SERVICE_MS:-20}
VIP=10.30.0.80 RS1=10.30.1.1 RS2=10.30.1.2
CLIENTS="10.30.2.1 10.30.2.2 10.30.2.3 10.30.2.4 10.30.2.5 10.30.2.6 10.30.2.7 10.30.2.8"
SOURCES="10.30.2.1:7,10.30.2.2:1,10.30.2.3:1,10.30.2.4:1,10.30.2.5:1,10.30.2.6:1,10.30.2.7:1,10.30.2.8:1"

scenario_param forwarding dr
scenario_param service "$VIP:80 sh"
scenario_param servers "$RS1:rs1:${SERVICE_MS}ms $RS2:rs2:${SERVICE_MS}ms workers=4 dist=fixed"
scenario_param sources "$SOURCES"
scenario_param rate "$RATE"
scenario_param duration_s "$DURATION"

lab_topology dr "$VIP" "$RS1 $RS2" "$CLIENTS" || exit 1
dsh $IPVSADM -A -t $VIP:80 -s sh
dsh $IPVSADM -a -t $VIP:80 -r $RS1:80 -g -w 1
dsh $IPVSADM -a -t $VIP:80 -r $RS2:80 -g -w 1
lab_server rs1 rs1 --listen 0.0.0.0:80 --service-ms $SERVICE_MS --workers 4 --duration $((DURATION + 300)) || exit 1
lab_server rs2 rs2 --listen 0.0.0.0:80 --service-ms $SERVICE_MS --workers 4 --duration $((DURATION + 300)) || exit 1

recorder_start $((DURATION + 60)) || exit 1
scenario_param load_start_ms "$(now_ms)"
cpu_mark load_start
lab_client load --target $VIP:80 --rate $RATE --duration $DURATION --seed $SEED --source "$SOURCES" \
  --max-conns $((RATE * DURATION * 2 + 100)) --timeout-ms 10000
lab_wait_clients $((DURATION + 30))
scenario_param load_end_ms "$(now_ms)"
cpu_mark load_end
sleep 3 # the 2 s estimator catches up with the last connections
recorder_stop
lab_snapshot end
lab_stop_servers
log "done"
