#!/usr/bin/env bash
# Fresh clone to a healthy bot: clones REPO at REF into a new folder, runs `make run` there and prints the
# seconds until the gateway's /healthz answers, with the machine's CPU seconds over the same time (from
# /proc/stat), the load average and the checksum of the trained DIET weights. The log, each line stamped
# with its second, stays in DIR.log; the clone (about 5 GB with both environments) is deleted.
# Usage: scripts/time-fresh-clone.sh REPO REF DIR [PORT]   (the bot uses PORT..PORT+2, default 8600)
set -u
REPO=${1:?repository}; REF=${2:?commit}; DIR=$(realpath -m "${3:?new folder}"); PORT=${4:-8600}
cpu_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
[ -e "$DIR" ] && { echo "error: $DIR exists" >&2; exit 2; }
start=$(date +%s.%N); ticks=$(cpu_ticks)
git clone -q "$REPO" "$DIR" && git -C "$DIR" checkout -q "$REF" || exit 1
(cd "$DIR" && IPGP_PORT=$PORT IPGP_RASA_PORT=$((PORT + 1)) IPGP_ACTION_PORT=$((PORT + 2)) \
   IPGP_VAR_DIR="$DIR/var" make run 2>&1 | while IFS= read -r line; do
     printf '%6.1f %s\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$line"; done > "$DIR.log") &
deadline=$(( ${start%.*} + 900 ))
until curl -fs -m 2 "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
  grep -q "make: \*\*\*" "$DIR.log" 2>/dev/null && { echo "error: make failed, see $DIR.log" >&2; break; }
  [ "$(date +%s)" -lt "$deadline" ] || { echo "error: not healthy after 900 s, see $DIR.log" >&2; break; }
  sleep 1
done
echo "healthy after $(echo "$(date +%s.%N) - $start" | bc) s; machine CPU $(( ($(cpu_ticks) - ticks) / $(getconf CLK_TCK) )) s; load $(cut -d' ' -f1-3 /proc/loadavg)"
# the trained DIET weights, to show a change to training left the model as it was
tar -xzOf "$DIR/models/ipgp.tar.gz" --wildcards '*DIETClassifier.tf_model.data-*' 2>/dev/null | md5sum | sed 's/^/DIET weights md5 /; s/ *-$//'
# stop the clone's supervisor (it stops its three processes), then anything else still running from it
for pid in $(pgrep -f "service.supervisor"); do [ "$(readlink "/proc/$pid/cwd")" = "$DIR" ] && kill -INT "$pid"; done
sleep 8; pkill -f "$DIR/"; rm -rf "$DIR"
