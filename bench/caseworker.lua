-- wrk script for bench/http_bench.py: the caseworker mix of issue 7, about 70% aid deliveries,
-- 20% registrations and 10% family reads. bench/http_bench.py writes the data file it loads
-- (token, funding source, registered family ids, fresh registration bodies, delivery offset).
local data = dofile(os.getenv("CASEWORK_WRK_DATA"))
local threads = {}
local counter = 0
local registered = 0
local nthreads = 1
tid = 0 -- set per thread by setup()

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(args[1]) or 1
  math.randomseed(1000 + tid)
end

local headers = {
  ["Authorization"] = "Bearer " .. data.token,
  ["Content-Type"] = "application/json",
}
local programs = data.programs
local nfam = #data.families
local nreg = #data.registrations

local function delivery(n)
  -- n runs over family x month x programme without repeats, so no delivery is a duplicate
  local family = data.families[(n % nfam) + 1]
  local rest = math.floor(n / nfam)
  local month = (rest % 12) + 1
  local program = programs[(math.floor(rest / 12) % #programs) + 1]
  local body = string.format(
    '{"delivery_id":"%08x-%04x-4%03x-8000-%012x","program":"%s","period":"2025-%02d",' ..
    '"funding_source_id":"%s","delivered_on":"2025-%02d-11",' ..
    '"items":[{"item":"paket","quantity":2,"unit":"pack","unit_value_idr":15000}]}',
    data.run, tid, 0, n, program, month, data.source, month, month)
  return wrk.format("POST", "/families/" .. family .. "/aid-deliveries", headers, body)
end

function request()
  counter = counter + 1
  local n = data.offset + (counter * nthreads + tid)
  local roll = math.random(100)
  if roll <= 70 then
    return delivery(n)
  elseif roll <= 90 then
    registered = registered + 1
    local body = data.registrations[((registered * nthreads + tid) % nreg) + 1]
    return wrk.format("POST", "/families", headers, body)
  end
  local family = data.families[math.random(nfam)]
  return wrk.format("GET", "/families/" .. family, headers)
end

statuses = {}

function response(status, headers, body)
  if status >= 300 then
    local key = tostring(status) .. ":" .. (string.match(body or "", '"type":"[^"]-([%w-]+)"') or "")
    statuses[key] = (statuses[key] or 0) + 1
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local counts = {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("statuses")) do
      counts[key] = (counts[key] or 0) + n
    end
  end
  for key, n in pairs(counts) do
    io.write(string.format("STATUS %s %d\n", key, n))
  end
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
