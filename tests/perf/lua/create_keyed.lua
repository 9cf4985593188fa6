-- POST /api/tasks as the next user, each request with an Idempotency-Key of its own.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local created = 0
-- Different in every wrk run, so that the measured run never replays the warm-up's keys.
local run = string.format("%d-%d", os.time(), math.random(1000000000))

function request()
  created = created + 1
  local user = next_user()
  local body = string.format('{"title": "bench task %d-%d", "description": "made by wrk"}', thread_id, created)
  local headers = {
    Authorization = user.auth,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, thread_id, created),
  }
  return wrk.format("POST", "/api/tasks", headers, body)
end
