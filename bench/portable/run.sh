#!/bin/bash
# Runs `npm run bench`'s program on a machine without Node.js (made by bench/portable/pack.sh): unpacks
# the carried Node binary and archive with Python, then `node dist-bench/run.js` in the repository's
# root. Results go to $OUT (default /tmp/bench-out): the log, dist-bench/fan-out.json as soon as the
# fan-out ends, and the report (docs/benchmarks.md) with dist-bench/results.json when the run ends.
#
#   bash .bench-portable/run.sh                       # the sections issue 19's goals need
#   BENCH_FANOUT_ONLY=1 BENCH_TARGETS=ours-embedded,bare-ws bash .bench-portable/run.sh
#
# Every BENCH_* variable of bench/run.ts passes through; BENCH_TIMEOUT (s, default 555) bounds the run.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/bench-out}
mkdir -p "$OUT"
START=$(date +%s)
log() { echo "[$(( $(date +%s) - START ))s] $*" | tee -a "$OUT/log"; }
BIN=$(mktemp -d)
python3 -c "import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], 'wb'))" "$HERE/node.xz" "$BIN/node" || exit 3
chmod +x "$BIN/node"
python3 -W ignore -c "import tarfile, sys; tarfile.open(sys.argv[1]).extractall('.')" "$HERE/pkg.tar.xz" || exit 4
export PATH=$BIN:$PATH
# The servers and generators are pinned with taskset; a stand-in where util-linux's is missing.
if ! taskset -c 0 true 2>/dev/null; then cp "$HERE/taskset" "$BIN/taskset"; chmod +x "$BIN/taskset"; log "taskset: using the Python stand-in"; fi
taskset -c 0 true && log "taskset works"
ulimit -Hn 200000 2>/dev/null
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
HARD=$(ulimit -Hn)
log "node $(node -v); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo); kernel $(uname -r); open files $(ulimit -n) (hard $HARD); load $(cat /proc/loadavg)"
# 20,000 idle sockets need more descriptors than that in the server: fewer where the limit cannot be raised.
if [ "$HARD" != unlimited ] && [ "$HARD" -lt 21000 ]; then export BENCH_IDLE_SOCKETS=${BENCH_IDLE_SOCKETS:-$(( HARD - 1000 ))}; fi
rm -f dist-bench/fan-out.json
( while [ ! -f dist-bench/fan-out.json ]; do sleep 2; done; sleep 1; cp dist-bench/fan-out.json "$OUT/"; log "fan-out.json saved" ) &
WATCH=$!
log "bench start"
# Issue 19's sections; the others (CLI, crypto, search, flood, local store, composer, web) are other issues'.
BENCH_WARMUP=${BENCH_WARMUP:-1} BENCH_MEASURE=${BENCH_MEASURE:-3} \
BENCH_RATES=${BENCH_RATES:-200,400,500,600,700,800,900,1000,1100,1200,1300,1400,1600,1800,2000} \
BENCH_SKIP=${BENCH_SKIP:-CLI,crypto,search,subscribe,local,composer,web} \
  timeout "${BENCH_TIMEOUT:-555}" node dist-bench/run.js 2>&1 | tee -a "$OUT/log"
log "bench exit ${PIPESTATUS[0]}; load $(cat /proc/loadavg)"
kill "$WATCH" 2>/dev/null
[ -f dist-bench/results.json ] && cp docs/benchmarks.md "$OUT/benchmarks.md" && cp dist-bench/results.json "$OUT/results.json"
cp dist-bench/fan-out.json "$OUT/" 2>/dev/null
log done
