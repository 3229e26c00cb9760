-- Replays prepared callbacks: each line of the file is "path<TAB>body". Thread k of n sends lines
-- k, k+n, k+2n, ... so no two threads send the same message; a thread that runs out starts over
-- (the benchmark prepares more lines than a run sends, so that does not happen in a normal run).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local stride = tonumber(args[2]) or 1
  requests = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % stride == id then
      local tab = string.find(line, "\t", 1, true)
      local path = string.sub(line, 1, tab - 1)
      local body = string.sub(line, tab + 1)
      table.insert(requests, wrk.format("POST", path, {["Content-Type"] = "text/xml"}, body))
    end
    n = n + 1
  end
  position = 0
end

function request()
  position = position + 1
  if position > #requests then position = 1 end
  return requests[position]
end
