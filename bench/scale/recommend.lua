-- GET /recommend/{user}?top_n=10 for users cycling 1..N (N = first script argument, default
-- 31250); each wrk thread starts at a different offset. Used for cinerec and the anchor alike.
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
local counter = 0
local n = 31250
function init(args)
  n = tonumber(args[1]) or n
  counter = (tid or 0) * 7919
end
request = function()
  counter = counter + 1
  local u = (counter % n) + 1
  return wrk.format("GET", "/recommend/" .. u .. "?top_n=10")
end
