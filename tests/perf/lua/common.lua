-- Shared by every scenario: per-user tokens, status counting, and a JSON summary.
--
-- Usage: wrk -s tests/perf/lua/<scenario>.lua URL -- [USERS_FILE]
-- USERS_FILE holds one user per line: "<token>\t<id> <id> ...".
-- done() prints one line "BENCH_JSON {...}" with latencies in microseconds.

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
  table.insert(threads, thread)
end

users = {}
cursor = 0
statuses = {}

local function load_users(path)
  for line in io.lines(path) do
    local token, ids = line:match("^([^\t]+)\t?(.*)$")
    if token then
      local user = { token = token, auth = "Bearer " .. token, ids = {} }
      for id in ids:gmatch("%d+") do
        table.insert(user.ids, id)
      end
      table.insert(users, user)
    end
  end
  if #users == 0 then
    error("no users in " .. path)
  end
end

function init(args)
  if args[1] then
    load_users(args[1])
    -- Threads start at different users so they do not move in lockstep.
    cursor = ((thread_id or 1) * 7919) % #users
  end
  math.randomseed(os.time() + (thread_id or 1) * 104729)
end

-- The next user in rotation: each request is made by a different user.
function next_user()
  cursor = cursor % #users + 1
  return users[cursor]
end

function own_task_id(user)
  return user.ids[math.random(#user.ids)]
end

function authed(method, path, user, body)
  local headers = { Authorization = user.auth }
  if body then
    headers["Content-Type"] = "application/json"
  end
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do
      totals[status] = (totals[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(totals) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us": %d, "requests": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "stdev": %.1f, '
      .. '"p50": %d, "p90": %d, "p99": %d, "p999": %d}, "statuses": {%s}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    table.concat(parts, ", ")
  ))
end
