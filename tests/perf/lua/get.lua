-- GET /api/tasks/{id} of one of the caller's own tasks.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

function request()
  local user = next_user()
  return authed("GET", "/api/tasks/" .. own_task_id(user), user)
end
