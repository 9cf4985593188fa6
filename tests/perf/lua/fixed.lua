-- The URL and headers given on wrk's command line, unchanged; only counts and summarises.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
