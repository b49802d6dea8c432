-- The Lua bound (lua_bound.lua) given the whole job cachecore's fast path does for a dep,
-- each rule as a hand-written script would keep it, one EVALSHA per dep:
--   a dep with an unfinished run (its registry exists) is left for the stepwise path;
--   the previous hash is read (the report's `previous_hash`, and what --if-hash compares);
--   the new hash is written with its write time (safe retirement, the consume gate);
--   a member is deleted only if its name is an entry key (the layout's rule) and it holds
--   an entry, a HASH with a `deps` field (issue 22).
-- What it leaves out of cachecore's job: key-type checks, the size limit, the audit trail.
-- KEYS[1] = cc:dep:hash:{dep}, KEYS[2] = cc:dep:keys:{dep}, KEYS[3] = the hash-time key,
-- KEYS[4] = the dep's registry of unfinished runs; ARGV[1] = new hash
local entry_find = string.find
local function entry_tier(m)
  local _, _, c = entry_find(m, '^cc:l1:[A-Za-z0-9_%.%-]+():[0-9a-f]*$')
  if c then
    if c == #m - 64 and c <= 71 then return 1 end
    return 0
  end
  _, _, c = entry_find(m, '^vec:[A-Za-z0-9_%.%-]+():.')
  if c and c <= 69 then return 2 end
  return 0
end
if redis.call('EXISTS', KEYS[4]) == 1 then return false end
local previous = redis.call('GET', KEYS[1])
local t = redis.call('TIME')
redis.call('MSET', KEYS[1], ARGV[1], KEYS[3], t[1] .. string.format('%03d', math.floor(t[2] / 1000)))
local members = redis.call('SMEMBERS', KEYS[2])
local deleted = 0
for _, m in ipairs(members) do
  if entry_tier(m) ~= 0 then
    local n = redis.pcall('HSTRLEN', m, 'deps')
    if type(n) == 'number' and n > 0 then deleted = deleted + redis.call('UNLINK', m) end
  end
end
redis.call('UNLINK', KEYS[2])
return {previous, deleted}
