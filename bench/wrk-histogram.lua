-- wrk script for scripts/bench: at the end of a run, writes the run's totals
-- and its whole latency histogram (microseconds, count) to $WRK_HISTOGRAM, so
-- that runs split into interleaved slices can be merged exactly. Defines no
-- per-request hook, so wrk keeps its fast path.
done = function(summary, latency, requests)
  local f = assert(io.open(os.getenv("WRK_HISTOGRAM"), "w"))
  local e = summary.errors
  f:write(string.format("requests %d\nduration_us %d\nerrors %d %d %d %d %d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout))
  for i = 1, #latency do
    local value, count = latency(i)
    f:write(string.format("%d %d\n", value, count))
  end
  f:close()
end
