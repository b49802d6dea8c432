-- Detaches the dep set under a run-unique name and records that name, atomically: writers
-- that SADD afterwards start a fresh set (so they stay tracked), and a run that dies later
-- leaves a registry entry from which the next run finishes the job. RENAME is O(1).
-- Returns every pending key of the dep (this run's and unfinished ones) with its size, and
-- how many registry members were skipped: only keys of the exact form the engine writes
-- (ARGV: the pending-key prefix and `:dep` suffix around a 32-hex run id) that hold a set
-- are followed; anything planted there is never read or deleted. TYPE is asked only of
-- keys of that form, so the script never touches a key outside the dep set's slot or
-- outside the `cc:` keys an ACL role may reach.
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('SADD', KEYS[3], KEYS[2])
end
local out, foreign = {}, 0
local prefix, suffix = ARGV[1], ARGV[2]
local function ours(k)
  if #k ~= #prefix + 32 + #suffix or string.sub(k, 1, #prefix) ~= prefix
      or string.sub(k, -#suffix) ~= suffix then return false end
  if not string.find(string.sub(k, #prefix + 1, #prefix + 32), '^[0-9a-f]+$') then return false end
  local t = redis.call('TYPE', k)['ok']
  return t == 'set' or t == 'none'
end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if ours(k) then
    table.insert(out, k)
    table.insert(out, redis.call('SCARD', k))
  else
    foreign = foreign + 1
  end
end
return {out, foreign}
