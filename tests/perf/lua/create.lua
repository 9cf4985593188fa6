-- POST /api/tasks as the next user.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local created = 0

function request()
  created = created + 1
  local body = string.format('{"title": "bench task %d-%d", "description": "made by wrk"}', thread_id, created)
  return authed("POST", "/api/tasks", next_user(), body)
end
