-- wrk script of make bench (scripts/bench.sh): the request is wrk's own
-- (the URL and -H headers); at the end it prints one JSON line, prefixed
-- RESULT, with the counts and latency percentiles in microseconds.
--
--   wrk -t2 -c16 -d5s -H 'Accept-Encoding: gzip' -s scripts/bench_result.lua http://127.0.0.1:28080/tiles/14/13205/6516.mvt

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'RESULT {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"bytes":%d}\n',
      summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
      latency:percentile(50), latency:percentile(99), latency.max, summary.bytes))
end
