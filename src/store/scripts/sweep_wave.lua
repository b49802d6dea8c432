-- A whole invalidation of one small dep in one step (the fast path of a wave). It does
-- its work only when nothing needs the stepwise protocol: the keys have the right types,
-- the condition holds, there are no unfinished runs to resume, and the set has at most
-- ARGV[4] members, so the script's work is bounded and Redis is held for microseconds.
-- Otherwise it changes nothing and returns nil; the caller then runs the stepwise path,
-- which also words any refusal. Deleting members inside the script needs no detach: no
-- writer can interleave. Touches member keys without declaring them: standalone only.
-- KEYS: hash, hash time, dep set, registry. ARGV: mode, expected, new hash, limit.
-- entry_tier(key), the layout's entry-key rule, is prepended by the loader.
if redis.call('EXISTS', KEYS[4]) == 1 then return false end
local st = redis.call('TYPE', KEYS[3])['ok']
if st ~= 'set' and st ~= 'none' then return false end
local ht = redis.call('TYPE', KEYS[1])['ok']
if ht ~= 'string' and ht ~= 'none' then return false end
local n = redis.call('SCARD', KEYS[3])
if n > tonumber(ARGV[4]) then return false end
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == 'eq' and cur ~= ARGV[2] then return false end
if ARGV[1] == 'absent' and cur then return false end
redis.call('SET', KEYS[1], ARGV[3])
local t = redis.call('TIME')
redis.call('SET', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000))
local l1, l2, skipped = {}, {}, 0
for _, m in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local tier = entry_tier(m)
  if tier == 1 then table.insert(l1, m)
  elseif tier == 2 then table.insert(l2, m)
  else skipped = skipped + 1 end
end
local d1, d2 = 0, 0
if #l1 > 0 then d1 = redis.call('UNLINK', unpack(l1)) end
if #l2 > 0 then d2 = redis.call('UNLINK', unpack(l2)) end
redis.call('UNLINK', KEYS[3])
return {cur or false, n, d1, d2, skipped}
