-- GET /movies?q=...&limit=8 (the UI's autocomplete request) for the queries in the file named
-- by the first script argument (one per line, URL-encoded), in turn.
local queries = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do table.insert(queries, line) end
end
request = function()
  i = i % #queries + 1
  return wrk.format("GET", "/movies?limit=8&q=" .. queries[i])
end
