# smoke: every forwarding method (NAT, TUN, DR) for a few seconds each, to check the topologies.
# Per method M, $OUT/M/ gets the usual files (servers/, clients/, samples/, end/): a wrr service
# 10.20.0.80:80 over two lvservers (20 ms fixed, 4 workers, closing a connection after 10
# answers), LVWL_RATE (10/s) short connections from two client addresses and a pool of 2
# connections (one request per 200 ms; reopened when a server closes them) for LVWL_DURATION
# (10 s). The job fails
# when a connection fails. The exporter runs once at the end of the last method (in its OUT).
. /job/lib.sh
DURATION=${LVWL_DURATION:-10}
RATE=${LVWL_RATE:-10}
VIP=10.20.0.80 RS1=10.20.1.1 RS2=10.20.1.2
fail=0
for FWD in ${LVWL_METHODS:-nat tun dr}; do
  OUT=/out/$FWD
  [ ! -e $OUT ] || OUT=/out/$FWD-again
  mkdir -p $OUT
  case $FWD in dr) M=-g ;; nat) M=-m ;; tun) M=-i ;; esac
  lab_topology $FWD "$VIP" "$RS1 $RS2" "10.20.2.1 10.20.2.2" || exit 1
  dsh $IPVSADM -A -t $VIP:80 -s wrr
  dsh $IPVSADM -a -t $VIP:80 -r $RS1:80 $M -w 1
  dsh $IPVSADM -a -t $VIP:80 -r $RS2:80 $M -w 1
  # (a server closes a connection after its 10th answer: the pool opens it again)
  lab_server $(rs_ns $RS1) rs1 --listen 0.0.0.0:80 --service-ms 20 --requests-per-conn 10 --duration $((DURATION + 120)) || exit 1
  lab_server $(rs_ns $RS2) rs2 --listen 0.0.0.0:80 --service-ms 20 --requests-per-conn 10 --duration $((DURATION + 120)) || exit 1
  recorder_start $((DURATION + 30)) || exit 1
  echo "load_start_ms=$(now_ms)" >> $OUT/scenario.txt
  lab_client short --target $VIP:80 --source 10.20.2.1,10.20.2.2 --rate $RATE --duration $DURATION --seed 3
  lab_client pool --target $VIP:80 --source 10.20.2.2 --pool 2 --hold $DURATION --interval 200 --seed 4
  lab_wait_clients $((DURATION + 30))
  echo "load_end_ms=$(now_ms)" >> $OUT/scenario.txt
  sleep 2
  recorder_stop
  lab_snapshot end
  for c in short pool; do
    s=$(grep '^summary' $OUT/clients/$c.out)
    log "$FWD $c: $(echo "$s" | tr ' ' '\n' | grep -E '^(completed|failed|requests|req_p50_ms|req_p99_ms)=' | tr '\n' ' ')"
    case $s in *" completed=0 "* | *" failed=0 "*) ;; *) fail=1 ;; esac
    case $s in *" completed=0 "*) fail=1 ;; esac
  done
  # the exporter once, after the last method (it takes ~20 s under TCG)
  case " ${LVWL_METHODS:-nat tun dr} " in *" $FWD ") exporter_once end --collector.ipvs.conn || fail=1 ;; esac
  lab_teardown
done
exit $fail
