-- GET /recommend/{u}?top_n=10 for u in [LO, HI] (wrk args: LO HI), cycling.
local lo, hi, counter = 1, 943, 0
function init(args)
  lo = tonumber(args[1] or "1")
  hi = tonumber(args[2] or "943")
end
request = function()
  local u = lo + (counter % (hi - lo + 1))
  counter = counter + 1
  return wrk.format("GET", "/recommend/" .. u .. "?top_n=10")
end
