-- The soak's mixed traffic (bench/serve/soak.sh): per 20 requests, 2 writes (POST /ratings, one
-- rating each, for the first FOLD users, so their next reads fold the new ratings in) and 18
-- reads: 6 GET /recommend of those users (the fold-in path), 6 of other trained users, 3
-- POST /recommend for an anonymous visitor with 3 ratings, 3 GET /movies/{id}/similar.
-- wrk args: USERS FOLD KEY IDS_FILE (a file `return {"1","2",...}` of movie ids).
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
local counter, users, fold, key, ids = 0, 943, 100, "", {}
function init(args)
  users = tonumber(args[1]); fold = tonumber(args[2]); key = args[3]; ids = dofile(args[4])
  counter = (tid or 0) * 1000003
end
local function movie(k) return ids[(k % #ids) + 1] end
request = function()
  counter = counter + 1
  local c = counter
  local slot = c % 20
  if slot < 2 then
    local body = '{"user":"' .. ((c * 7) % fold + 1) .. '","movie":"' .. movie(c * 13) ..
      '","rating":' .. (c % 5 + 1) .. '}'
    return wrk.format("POST", "/ratings",
      {["Content-Type"] = "application/json", ["X-API-Key"] = key}, body)
  elseif slot < 8 then
    return wrk.format("GET", "/recommend/" .. ((c * 11) % fold + 1) .. "?top_n=10")
  elseif slot < 14 then
    return wrk.format("GET", "/recommend/" .. (fold + 1 + (c * 17) % (users - fold)) .. "?top_n=10")
  elseif slot < 17 then
    local body = '{"ratings":[{"movie":"' .. movie(c) .. '","rating":5},{"movie":"' ..
      movie(c * 3) .. '","rating":4},{"movie":"' .. movie(c * 5) .. '","rating":2}],"top_n":10}'
    return wrk.format("POST", "/recommend", {["Content-Type"] = "application/json"}, body)
  else
    return wrk.format("GET", "/movies/" .. movie(c * 19) .. "/similar?n=10")
  end
end
