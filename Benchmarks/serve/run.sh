#!/usr/bin/env bash
# Part serving: mutstream's HTTP server (relay-bench serve) against nginx serving the same
# bytes as static files, with the same wrk load (200 connections on loopback), interleaved
# A B A B; prints median requests/s, p99 latency and server CPU time per request (user +
# system, nginx's workers included) and their ratios, then the p99
# time-to-first-byte of a blocking (preload-hint) part request after the part is produced.
#
# Environment: ROUNDS (3), DURATION (5s), CONNECTIONS (200), PART_BYTES (65536), PARTS (16),
# RELAY_BENCH (a prebuilt relay-bench; default: build it here in release).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-200}
PART_BYTES=${PART_BYTES:-65536}
PARTS=${PARTS:-16}
MUT_PORT=${MUT_PORT:-18081}
NGINX_PORT=${NGINX_PORT:-18082}

missing=$(for p in nginx wrk python3; do command -v "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
    echo "installing: $missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk >/dev/null
fi

if [ -z "${RELAY_BENCH:-}" ]; then
    swift build -c release --product relay-bench
    RELAY_BENCH=$(swift build -c release --show-bin-path)/relay-bench
fi

work=$(mktemp -d /tmp/relay-serve-bench.XXXXXX)
chmod 755 "$work"
mut_pid=""
nginx_pid=""
cleanup() {
    exec 3>&- 2>/dev/null || true
    [ -n "$mut_pid" ] && kill "$mut_pid" 2>/dev/null || true
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The same bytes under the same paths for both servers.
"$RELAY_BENCH" export --dir "$work/root" --part-bytes "$PART_BYTES" --parts "$PARTS"
chmod -R a+rX "$work/root"

cat > "$work/nginx.conf" <<CONF
daemon off;
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000000;
    keepalive_timeout 65;
    types { video/iso.segment m4s; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $work/root;
        location / { add_header Cache-Control "public, max-age=31536000, immutable"; }
    }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!

mkfifo "$work/stdin"
"$RELAY_BENCH" serve --port "$MUT_PORT" --part-bytes "$PART_BYTES" --parts "$PARTS" < "$work/stdin" > "$work/mut.out" &
mut_pid=$!
exec 3> "$work/stdin"   # holds relay-bench's stdin open; closing it stops the server

for _ in $(seq 100); do
    if grep -q listening "$work/mut.out" 2>/dev/null && curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/live/main/720p/part0.0.m4s"; then break; fi
    sleep 0.1
done

# Same bytes from both, or the comparison means nothing.
for i in 0.0 1.3; do
    curl -sf "http://127.0.0.1:$MUT_PORT/live/main/720p/part$i.m4s" -o "$work/a"
    curl -sf "http://127.0.0.1:$NGINX_PORT/live/main/720p/part$i.m4s" -o "$work/b"
    cmp -s "$work/a" "$work/b" || { echo "servers disagree on part$i.m4s"; exit 1; }
done

# wrk cycles over every part so neither server answers one hot URL only.
cat > "$work/parts.lua" <<LUA
local paths = {}
for i = 0, $PARTS - 1 do
    paths[#paths + 1] = string.format("/live/main/720p/part%d.%d.m4s", math.floor(i / 4), i % 4)
end
local n = 0
request = function()
    n = n + 1
    return wrk.format("GET", paths[(n % #paths) + 1])
end
LUA

# CPU time (user + system, clock ticks) of a process and its children (nginx's workers).
cpu_ticks() {
    local total=0 pid
    for pid in "$1" $(pgrep -P "$1"); do
        # A process can exit between pgrep and the read: it then adds nothing.
        total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}
run_wrk() {  # name port round pid
    local before after
    before=$(cpu_ticks "$4")
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/parts.lua" "http://127.0.0.1:$2" > "$work/$1.$3.txt"
    after=$(cpu_ticks "$4")
    echo "$((after - before)) $(getconf CLK_TCK)" > "$work/$1.$3.cpu"
}
for round in $(seq "$ROUNDS"); do
    run_wrk mutstream "$MUT_PORT" "$round" "$mut_pid"
    run_wrk nginx "$NGINX_PORT" "$round" "$nginx_pid"
done

python3 - "$work" "$ROUNDS" <<'PY'
import re, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def parse(path):
    text = open(path + ".txt").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    value, unit = re.search(r"\n\s+99%\s+([\d.]+)(us|ms|s)", text).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    ticks, hertz = map(int, open(path + ".cpu").read().split())
    # Server CPU per request: steadier than requests/s when other work shares the cores.
    cpu_us = ticks / hertz * 1e6 / max(requests, 1)
    return rps, p99, int(errors.group(1)) if errors else 0, cpu_us
results = {name: [parse(f"{work}/{name}.{r}") for r in range(1, rounds + 1)] for name in ("mutstream", "nginx")}
for name, rows in results.items():
    for i, (rps, p99, errors, cpu_us) in enumerate(rows, 1):
        print(f"serve round {i} {name:9s} requests_per_s={rps:10.0f} p99_ms={p99:8.3f} cpu_us_per_request={cpu_us:6.1f} non2xx={errors}")
med = {name: tuple(statistics.median(r[k] for r in rows) for k in (0, 1, 3)) for name, rows in results.items()}
for name, (rps, p99, cpu_us) in med.items():
    print(f"serve median  {name:9s} requests_per_s={rps:10.0f} p99_ms={p99:8.3f} cpu_us_per_request={cpu_us:6.1f}")
if any(r[2] for rows in results.values() for r in rows):
    sys.exit("non-2xx responses: the comparison is void")
ratio = {k: med["mutstream"][i] / med["nginx"][i] for i, k in enumerate(("requests_per_s", "p99_latency", "cpu_per_request"))}
print(" ".join(["serve ratio mutstream/nginx"] + [f"{k}={v:.3f}" for k, v in ratio.items()]))
PY

"$RELAY_BENCH" ttfb --samples "${TTFB_SAMPLES:-500}" --part-bytes "$PART_BYTES"
