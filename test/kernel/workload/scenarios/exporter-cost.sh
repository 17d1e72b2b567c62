# exporter-cost: what running the exporter for the whole load costs under TCG (for the switch
# from the shell sampler to the exporter's own recorder). Same service as two-speeds (DR, wrr
# 1:1, 50 ms and 100 ms servers, 4 workers), LVWL_RATE (40/s) for LVWL_DURATION (90 s):
#   phase 1 (first third): the load alone, the sampler running
#   phase 2 (the rest): also the real exporter, started before the phase (today's flags: the
#     HTTP endpoint --web.listen-address 127.0.0.1:14787 in the director namespace, plus
#     LVWL_EXPORTER_ARGS, e.g. --collector.ipvs.conn), scraped
#     once a second from inside that namespace with busybox wget
# $OUT/exporter/scrapes.tsv: start_ms wall_ms lvscope_collection_duration_seconds per scrape;
# cpu.txt marks phase boundaries (phase1_start/phase1_end/phase2_start/phase2_end).
. /job/lib.sh
DURATION=${LVWL_DURATION:-90}
RATE=${LVWL_RATE:-40}
EXPORTER_ARGS=${LVWL_EXPORTER_ARGS:-} # e.g. --collector.ipvs.conn (off by default, as in the exporter)
VIP=10.10.0.80 FAST=10.10.1.1 SLOW=10.10.1.2
CLIENTS="10.10.2.1 10.10.2.2 10.10.2.3 10.10.2.4"
scenario_param rate "$RATE"
scenario_param duration_s "$DURATION"
scenario_param exporter_args "$EXPORTER_ARGS"
lab_topology dr "$VIP" "$FAST $SLOW" "$CLIENTS" || exit 1
dsh $IPVSADM -A -t $VIP:80 -s wrr
dsh $IPVSADM -a -t $VIP:80 -r $FAST:80 -g -w 1
dsh $IPVSADM -a -t $VIP:80 -r $SLOW:80 -g -w 1
lab_server $(rs_ns $FAST) fast --listen 0.0.0.0:80 --service-ms 50 --workers 4 --duration $((DURATION + 300)) || exit 1
lab_server $(rs_ns $SLOW) slow --listen 0.0.0.0:80 --service-ms 100 --workers 4 --duration $((DURATION + 300)) || exit 1
mkdir -p $OUT/exporter
# the exporter starts now (its start-up alone takes ~15-20 s under TCG) and waits
dsh timeout $((DURATION + 200)) node "$EXPORTER" --web.listen-address 127.0.0.1:14787 $EXPORTER_ARGS \
  > $OUT/exporter/server.out 2> $OUT/exporter/server.err &
EXP=$!
i=0
# (busybox wget without -T: Debian's static busybox wget crashed with it here; busybox nc quits
# at the end of its input, before the answer)
GET="timeout 10 wget -q -O - http://127.0.0.1:14787/metrics"
while [ $i -lt 120 ] && ! dsh sh -c "$GET" 2> /dev/null | grep -q '^lvscope_collection_duration_seconds '; do
  sleep 1
  i=$((i + 1))
done
[ $i -lt 120 ] || { log "the exporter does not answer: $(tail -n 3 $OUT/exporter/server.err)"; exit 1; }
log "exporter answers after ${i} s"
recorder_start $((DURATION + 60)) || exit 1
scenario_param load_start_ms "$(now_ms)"
cpu_mark load_start
cpu_mark phase1_start
lab_client load --target $VIP:80 --rate $RATE --duration $DURATION --seed 7 \
  --source "$(echo $CLIENTS | tr ' ' ',')" --max-conns $((RATE * DURATION * 2 + 100))
sleep $((DURATION / 3))
cpu_mark phase1_end
cpu_mark phase2_start
# one scrape a second (from the director namespace: the endpoint is its loopback)
dsh sh -c ". /job/lib.sh
  end=\$((\$(now_ms) + $DURATION * 2000 / 3 - 2000)); n=0
  while [ \$(now_ms) -lt \$end ] && [ \$n -lt $DURATION ]; do
    a=\$(now_ms)
    $GET > /tmp/scrape.prom
    b=\$(now_ms)
    echo \"\$a \$((b - a)) \$(grep '^lvscope_collection_duration_seconds ' /tmp/scrape.prom | cut -d' ' -f2)\"
    n=\$((n + 1))
    [ \$((b - a)) -ge 1000 ] || usleep \$(((1000 - b + a) * 1000))
  done" > $OUT/exporter/scrapes.tsv 2>&1
cpu_mark phase2_end
lab_wait_clients $((DURATION + 30))
scenario_param load_end_ms "$(now_ms)"
cpu_mark load_end
kill $EXP 2> /dev/null
wait_pids 15 $EXP
recorder_stop
awk '{ n++; w += $2; c += $3; if ($2 > mw) mw = $2; if ($3 > mc) mc = $3 }
  END { if (n) printf "scrapes=%d wall_mean_ms=%.0f wall_max_ms=%d collection_mean_s=%.3f collection_max_s=%.3f\n", n, w / n, mw, c / n, mc }' \
  $OUT/exporter/scrapes.tsv > $OUT/exporter/scrapes.summary
log "exporter scrapes: $(cat $OUT/exporter/scrapes.summary)"
lab_stop_servers
