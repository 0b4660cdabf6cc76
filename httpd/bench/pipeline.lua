-- wrk script: every write carries DEPTH pipelined GET / requests (16
-- unless given after "--": wrk ... -s pipeline.lua URL -- 4), and wrk
-- waits for all their responses before the next batch.
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil, "/")
  end
  req = table.concat(r)
end

request = function()
  return req
end
