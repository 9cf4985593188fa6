-- GET /api/tasks with no Authorization header: every answer should be 401.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

wrk.method = "GET"
wrk.path = "/api/tasks"
