# nat-large-responses: a NAT service whose answers are large, so the director carries them.
#   VIP 10.40.0.80:80, wrr, weights 1:1, masquerading (NAT): answers come back through the director
#   rs1 10.40.1.1, rs2 10.40.1.2: lvserver, service time 20 ms fixed, 4 workers, answers of
#   LVWL_RESPONSE_BYTES (49152 = 48 KiB) to a 128-byte request, one request per connection
#   clients 10.40.2.1-4, Poisson at LVWL_RATE (15/s) for LVWL_DURATION (60 s), seed LVWL_SEED (9)
# Expected: outbound (server to client) bytes per connection visible and about the answer's size
# plus TCP/IP headers; inbound a few hundred bytes. truth.json has the bytes the servers sent.
. /job/lib.sh
DURATION=${LVWL_DURATION:-60}
RATE=${LVWL_RATE:-15}
SEED=${LVWL_SEED:-9}
RESPONSE=${LVWL_RESPONSE_BYTES:-49152}
VIP=10.40.0.80 RS1=10.40.1.1 RS2=10.40.1.2
CLIENTS="10.40.2.1 10.40.2.2 10.40.2.3 10.40.2.4"

scenario_param forwarding nat
scenario_param service "$VIP:80 wrr"
scenario_param servers "$RS1:rs1:20ms $RS2:rs2:20ms workers=4 dist=fixed response_bytes=$RESPONSE"
scenario_param request_bytes 128
scenario_param rate "$RATE"
scenario_param duration_s "$DURATION"

lab_topology nat "$VIP" "$RS1 $RS2" "$CLIENTS" || exit 1
dsh $IPVSADM -A -t $VIP:80 -s wrr
dsh $IPVSADM -a -t $VIP:80 -r $RS1:80 -m -w 1
dsh $IPVSADM -a -t $VIP:80 -r $RS2:80 -m -w 1
lab_server rs1 rs1 --listen 0.0.0.0:80 --service-ms 20 --workers 4 --response-bytes $RESPONSE --duration $((DURATION + 300)) || exit 1
lab_server rs2 rs2 --listen 0.0.0.0:80 --service-ms 20 --workers 4 --response-bytes $RESPONSE --duration $((DURATION + 300)) || exit 1

recorder_start $((DURATION + 60)) || exit 1
scenario_param load_start_ms "$(now_ms)"
cpu_mark load_start
lab_client load --target $VIP:80 --rate $RATE --duration $DURATION --seed $SEED --request-bytes 128 \
  --source "$(echo $CLIENTS | tr ' ' ',')" --max-conns $((RATE * DURATION * 2 + 100)) --timeout-ms 10000
lab_wait_clients $((DURATION + 30))
scenario_param load_end_ms "$(now_ms)"
cpu_mark load_end
sleep 3 # the 2 s estimator catches up with the last connections
recorder_stop
lab_snapshot end
lab_stop_servers
log "done"
