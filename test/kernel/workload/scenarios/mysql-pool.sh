# mysql-pool: the bundled MySQL pool (fixtures/procfs/mysql, fixtures/kernel-traces/mysql-pool)
# as a real load: application servers with connection pools and short connections.
#   VIP 172.16.1.18:3306, wrr, persistence 20 s (-p 20), direct routing
#   real servers 172.16.1.7 and 172.16.1.51, weight 1: lvserver "mysql", 8 workers, service time
#   exponential with mean LVWL_SERVICE_MS (5 ms), 128-byte queries, 1024-byte answers
#   pools (long-lived connections, one query every P ms each, held for the whole load):
#     172.16.2.21  6 connections, P = 250 ms
#     172.16.2.22  4 connections, P = 500 ms
#     172.16.2.23  4 connections, P = 500 ms
#     172.16.2.24  2 connections, P = 1000 ms
#   short connections (connect, 3 queries, close): Poisson at LVWL_SHORT_RATE (6/s) in all from
#     172.16.2.25 (weight 3: half of them), 172.16.2.26, .27, .28 (weight 1 each)
#   LVWL_DURATION (180 s) of load
# Persistence pins each application server to one real server for the whole run (its pool or
# its stream of short connections keeps the template alive), so the per-server load follows
# from which clients landed where: the client mix, not the scheduler's 1:1.
. /job/lib.sh
DURATION=${LVWL_DURATION:-180}
SHORT_RATE=${LVWL_SHORT_RATE:-6}
SERVICE_MS=${LVWL_SERVICE_MS:-5}
VIP=172.16.1.18 RS1=172.16.1.7 RS2=172.16.1.51
CLIENTS="172.16.2.21 172.16.2.22 172.16.2.23 172.16.2.24 172.16.2.25 172.16.2.26 172.16.2.27 172.16.2.28"

scenario_param forwarding dr
scenario_param service "$VIP:3306 wrr persistent 20"
scenario_param servers "$RS1 $RS2 workers=8 service_ms=$SERVICE_MS dist=exponential response_bytes=1024"
scenario_param pools "172.16.2.21:6x250ms 172.16.2.22:4x500ms 172.16.2.23:4x500ms 172.16.2.24:2x1000ms"
scenario_param short "rate=$SHORT_RATE requests_per_conn=3 sources=172.16.2.25:3,172.16.2.26:1,172.16.2.27:1,172.16.2.28:1"
scenario_param duration_s "$DURATION"

lab_topology dr "$VIP" "$RS1 $RS2" "$CLIENTS" || exit 1
dsh $IPVSADM -A -t $VIP:3306 -s wrr -p 20
dsh $IPVSADM -a -t $VIP:3306 -r $RS1:3306 -g -w 1
dsh $IPVSADM -a -t $VIP:3306 -r $RS2:3306 -g -w 1
k=0
for r in $RS1 $RS2; do
  k=$((k + 1))
  lab_server $(rs_ns $r) mysql-$r --listen 0.0.0.0:3306 --service-ms $SERVICE_MS --exponential --seed $((20 + k)) \
    --workers 8 --response-bytes 1024 --duration $((DURATION + 300)) || exit 1
done

recorder_start $((DURATION + 60)) || exit 1
scenario_param load_start_ms "$(now_ms)"
cpu_mark load_start
HOLD=$DURATION
lab_client app21-pool --target $VIP:3306 --source 172.16.2.21 --pool 6 --hold $HOLD --interval 250 --request-bytes 128 --seed 21
lab_client app22-pool --target $VIP:3306 --source 172.16.2.22 --pool 4 --hold $HOLD --interval 500 --request-bytes 128 --seed 22
lab_client app23-pool --target $VIP:3306 --source 172.16.2.23 --pool 4 --hold $HOLD --interval 500 --request-bytes 128 --seed 23
lab_client app24-pool --target $VIP:3306 --source 172.16.2.24 --pool 2 --hold $HOLD --interval 1000 --request-bytes 128 --seed 24
lab_client short --target $VIP:3306 --source 172.16.2.25:3,172.16.2.26:1,172.16.2.27:1,172.16.2.28:1 \
  --rate $SHORT_RATE --duration $DURATION --requests-per-conn 3 --request-bytes 128 --seed 25 \
  --max-conns $((SHORT_RATE * DURATION * 2 + 100))
lab_wait_clients $((DURATION + 30))
scenario_param load_end_ms "$(now_ms)"
cpu_mark load_end
sleep 3 # the 2 s estimator catches up with the last connections
recorder_stop
lab_snapshot end
exporter_once end --collector.ipvs.conn --collector.ipvs.conn.top-clients 8
lab_stop_servers
log "done"
