-- The server-side bound for prune: SSCAN, EXISTS and SREM inside one script per set.
-- KEYS[1] = cc:dep:keys:{dep}
local cursor = "0"
local removed = 0
repeat
  local r = redis.call('SSCAN', KEYS[1], cursor, 'COUNT', 1000)
  cursor = r[1]
  for _, m in ipairs(r[2]) do
    if redis.call('EXISTS', m) == 0 then removed = removed + redis.call('SREM', KEYS[1], m) end
  end
until cursor == "0"
return removed
