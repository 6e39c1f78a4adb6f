-- POST /ratings: one rating per request, users 1..943 x the movies listed in args[1], cycling (upserts).
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
local counter = 0
local ids = {}
function init(args)
  counter = (tid or 0) * 100003
  ids = dofile(args[1])  -- a file `return {"1","2",...}` of movie ids present in the data
end
request = function()
  counter = counter + 1
  local u = (counter % 943) + 1
  local m = ids[((counter * 7) % #ids) + 1]
  local r = (counter % 5) + 1
  local body = '{"user":"' .. u .. '","movie":"' .. m .. '","rating":' .. r .. '}'
  return wrk.format("POST", "/ratings", {["Content-Type"] = "application/json"}, body)
end
