-- GET /api/tasks?limit=20, each request as the next user.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local path = "/api/tasks?limit=20"
local prepared = nil

function request()
  -- One request string per user, built once: the loop only picks the next one.
  if prepared == nil then
    prepared = {}
    for i, user in ipairs(users) do
      prepared[i] = authed("GET", path, user)
    end
  end
  cursor = cursor % #users + 1
  return prepared[cursor]
end
