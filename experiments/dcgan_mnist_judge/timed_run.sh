#!/usr/bin/env bash
# timed_run.sh OUT ARGS...: `minigan train ARGS --out OUT`, timed, keeping a copy of its checkpoint
# each time the run writes one (OUT/../OUT.copies/at_SSSSs.npz, SSSS = seconds since the start), so
# that the judge can score the run every few minutes afterwards (judge_snapshots.py --checkpoints).
# Polling costs nothing the run would notice: one stat every 2 seconds.
set -u
out=$1; shift
copies=$out.copies
mkdir -p "$copies"
start=$(date +%s.%N)
minigan train "$@" --out "$out" --no-progress &
pid=$!
last=""
while kill -0 "$pid" 2>/dev/null; do
    stamp=$(stat -c %Y.%s "$out/checkpoint.npz" 2>/dev/null || true)
    if [ -n "$stamp" ] && [ "$stamp" != "$last" ]; then
        sleep 1     # checkpoint.npz is replaced in one rename; a second more lets the header settle
        at=$(python3 -c "import time; print(round(time.time() - $start))")
        cp "$out/checkpoint.npz" "$copies/at_$(printf %04d "$at")s.npz"
        last=$stamp
    fi
    sleep 2
done
wait "$pid"; rc=$?
end=$(date +%s.%N)
python3 -c "print(f'wall {$end - $start:.1f} s')" | tee "$copies/wall.txt"
uptime | tee -a "$copies/wall.txt"
exit $rc
