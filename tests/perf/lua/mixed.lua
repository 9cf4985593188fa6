-- 80% list, 10% create, 5% patch, 5% get; each request as the next user, on their own tasks.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local created = 0

function request()
  local user = next_user()
  local roll = math.random(100)
  if roll <= 80 then
    return authed("GET", "/api/tasks?limit=20", user)
  elseif roll <= 90 then
    created = created + 1
    return authed("POST", "/api/tasks", user, string.format('{"title": "mixed %d-%d"}', thread_id, created))
  elseif roll <= 95 then
    local body = math.random(2) == 1 and '{"completed": true}' or '{"completed": false}'
    return authed("PATCH", "/api/tasks/" .. own_task_id(user), user, body)
  end
  return authed("GET", "/api/tasks/" .. own_task_id(user), user)
end
