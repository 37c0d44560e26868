-- wrk script for the tile load test (scripts/bench.sh): replays a bounded
-- list of tile paths, one per line in the file given after "--", round
-- robin, each thread starting at its own offset, asking for gzip as
-- browsers do. At the end it prints one JSON line, prefixed RESULT, with
-- the counts and latency percentiles in microseconds.
--
--   wrk -t2 -c16 -d5s -s scripts/bench_tiles.lua http://127.0.0.1:18080 -- urls-z14.txt

local paths = {}
local next_index = 1
local thread_count = 0
local threads = {}

wrk.headers["Accept-Encoding"] = "gzip"

function setup(thread)
   thread_count = thread_count + 1
   thread:set("thread_number", thread_count)
   table.insert(threads, thread)
end

function init(args)
   local file = args[1]
   if file == nil then
      error("give the file of tile paths after --")
   end
   for line in io.lines(file) do
      if line ~= "" then
         paths[#paths + 1] = line
      end
   end
   if #paths == 0 then
      error("no tile paths in " .. file)
   end
   -- Spread the threads over the list so that they do not march in step.
   next_index = ((thread_number or 1) - 1) * 7919 % #paths + 1
end

function request()
   local path = paths[next_index]
   next_index = next_index % #paths + 1
   return wrk.format(nil, path)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'RESULT {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"bytes":%d}\n',
      summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
      latency:percentile(50), latency:percentile(99), latency.max, summary.bytes))
end
