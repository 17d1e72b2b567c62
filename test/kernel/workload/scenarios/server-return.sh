# server-return: long-lived (pooled) connections under wrr; one real server leaves and comes back
# mid-recording (DR).
#   VIP 10.60.0.80:80, wrr, weights 1:1, direct routing
#   rs1 10.60.1.1, rs2 10.60.1.2: lvserver, service time 10 ms fixed, 4 workers
#   pools (held for the whole load, one request every 200 ms each; a connection the server closes
#   is opened again 100 ms later): 10.60.2.1 and 10.60.2.2, LVWL_POOL (8) connections each
#   short connections: Poisson at LVWL_SHORT_RATE (4/s) from 10.60.2.3 and 10.60.2.4
#   at load start + LVWL_OUT_AT (25 s): rs2's weight set to 0 and its lvserver stopped (a
#     maintenance restart): its pool connections are closed, reopened, and all land on rs1
#   at load start + LVWL_BACK_AT (45 s): rs2's lvserver started again and its weight set back to 1
#   LVWL_DURATION (90 s) of load
# Expected: after rs2 returns it gets half of the new (short) connections again, but the pooled
# connections never come back under wrr: rs2's share of the open connections stays low until the
# pools end. The phases' instants are in scenario.txt (out_ms, back_ms); truth.json has the true
# open connections per server and phase from the clients' logs.
. /job/lib.sh
DURATION=${LVWL_DURATION:-90}
POOL=${LVWL_POOL:-8}
SHORT_RATE=${LVWL_SHORT_RATE:-4}
OUT_AT=${LVWL_OUT_AT:-25}
BACK_AT=${LVWL_BACK_AT:-45}
VIP=10.60.0.80 RS1=10.60.1.1 RS2=10.60.1.2
CLIENTS="10.60.2.1 10.60.2.2 10.60.2.3 10.60.2.4"

scenario_param forwarding dr
scenario_param service "$VIP:80 wrr"
scenario_param servers "$RS1:rs1:10ms $RS2:rs2:10ms workers=4 dist=fixed"
scenario_param pools "10.60.2.1:${POOL}x200ms 10.60.2.2:${POOL}x200ms"
scenario_param short "rate=$SHORT_RATE sources=10.60.2.3,10.60.2.4"
scenario_param out_at_s "$OUT_AT"
scenario_param back_at_s "$BACK_AT"
scenario_param duration_s "$DURATION"

lab_topology dr "$VIP" "$RS1 $RS2" "$CLIENTS" || exit 1
dsh $IPVSADM -A -t $VIP:80 -s wrr
dsh $IPVSADM -a -t $VIP:80 -r $RS1:80 -g -w 1
dsh $IPVSADM -a -t $VIP:80 -r $RS2:80 -g -w 1
lab_server rs1 rs1 --listen 0.0.0.0:80 --service-ms 10 --workers 4 --duration $((DURATION + 300)) || exit 1
lab_server rs2 rs2 --listen 0.0.0.0:80 --service-ms 10 --workers 4 --duration $((DURATION + 300)) || exit 1
RS2_PID=${LAB_SERVERS##* }

recorder_start $((DURATION + 60)) || exit 1
START=$(now_ms)
scenario_param load_start_ms "$START"
cpu_mark load_start
lab_client pool1 --target $VIP:80 --source 10.60.2.1 --pool $POOL --hold $DURATION --interval 200 --seed 41
lab_client pool2 --target $VIP:80 --source 10.60.2.2 --pool $POOL --hold $DURATION --interval 200 --seed 42
lab_client short --target $VIP:80 --source 10.60.2.3,10.60.2.4 --rate $SHORT_RATE --duration $DURATION \
  --seed 43 --max-conns $((SHORT_RATE * DURATION * 2 + 100))
# (sleep to an instant on the load's clock, not for a fixed time: the steps above take a while under TCG)
until_load_s() { while [ $(($(now_ms) - START)) -lt $(($1 * 1000)) ]; do usleep 100000; done; }
until_load_s $OUT_AT
dsh $IPVSADM -e -t $VIP:80 -r $RS2:80 -g -w 0
kill $RS2_PID
scenario_param out_ms "$(now_ms)"
log "rs2 out (weight 0, lvserver stopped)"
until_load_s $BACK_AT
lab_server rs2 rs2-back --listen 0.0.0.0:80 --service-ms 10 --workers 4 --duration $((DURATION + 300)) || exit 1
dsh $IPVSADM -e -t $VIP:80 -r $RS2:80 -g -w 1
scenario_param back_ms "$(now_ms)"
log "rs2 back (lvserver started, weight 1)"
lab_wait_clients $((DURATION + 30))
scenario_param load_end_ms "$(now_ms)"
cpu_mark load_end
sleep 3 # the 2 s estimator catches up with the last connections
recorder_stop
lab_snapshot end
lab_stop_servers
log "done"
