#!/usr/bin/env bash
# Two checkouts' bots side by side: dev-set latency through /api/chat in alternating rounds, and the CPU
# seconds each bot's processes used during its rounds. Each checkout needs its venvs, index and
# models/ipgp.tar.gz (make setup).  Usage: scripts/latency-side-by-side.sh OLD_DIR NEW_DIR
set -u
OLD=${1:?old checkout}; NEW=${2:?new checkout}
PIDS=()
start_bot() { # dir port
  cd "$1"
  IPGP_PORT=$2 IPGP_RASA_PORT=$(( $2 + 1 )) IPGP_ACTION_PORT=$(( $2 + 2 )) IPGP_VAR_DIR=/tmp/lat-var-$2 \
     IPGP_MODEL_DIR="$NEW/.cache/models/multilingual-e5-small" RASA_TELEMETRY_ENABLED=false \
     .venv/bin/python -m service.supervisor --model models/ipgp.tar.gz > /tmp/lat-bot-$2.log 2>&1 &
  PIDS+=($!)
  cd - >/dev/null
}
cpu_of_tree() { # port -> CPU seconds of supervisor tree listening on that gateway port
  python3 - "$1" <<'PY'
import os, sys
port = sys.argv[1]
tick = os.sysconf("SC_CLK_TCK"); total = 0.0
for pid in os.listdir("/proc"):
    if not pid.isdigit(): continue
    try:
        env = open(f"/proc/{pid}/environ", "rb").read()
        if f"IPGP_VAR_DIR=/tmp/lat-var-{port}".encode() not in env: continue
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        total += (int(f[11]) + int(f[12])) / tick
    except OSError: pass
print(f"{total:.1f}")
PY
}
start_bot "$OLD" 8310
start_bot "$NEW" 8320
for p in 8310 8320; do
  for i in $(seq 1 120); do curl -sf http://127.0.0.1:$p/healthz >/dev/null && break; sleep 2; done
done
cd "$NEW"
for round in 1 2; do
  for p in 8310 8320; do
    before=$(cpu_of_tree $p); t0=$(date +%s.%N)
    .venv/bin/python -m bench.evaluate ../shared/eval/dev.jsonl --url http://127.0.0.1:$p --rounds 3 2>&1 | grep -E "latency|p50|fact|route|out_of|chit" | sed "s/^/[$p round $round] /"
    after=$(cpu_of_tree $p); t1=$(date +%s.%N)
    echo "[$p round $round] wall $(python3 -c "print(round($t1-$t0,1))") s, bot CPU $(python3 -c "print(round($after-$before,1))") s"
  done
done
uptime
kill -TERM "${PIDS[@]}"; sleep 5; true
