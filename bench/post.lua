-- wrk script of bench/explain: POSTs one body ($BODY, default the README's example) with the
-- bearer token in $TOKEN_FILE, and prints one RESULT line that bench/explain reads.
local f = assert(io.open(os.getenv("TOKEN_FILE")))
local token = f:read("*l")
f:close()
wrk.method = "POST"
wrk.body = os.getenv("BODY") or '{"user":"vpavlin","image":"s2i-thoth-notebook:3.6","size":"Large"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f rate=%.0f p50_ms=%.2f p99_ms=%.2f bytes_per_answer=%.0f non2xx=%d errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.bytes / math.max(summary.requests, 1), e.status,
    e.connect + e.read + e.write + e.timeout))
end
