-- The Lua bound (lua_bound.lua) plus the one write the layout does not have but safe
-- retirement needs: the hash's write time (cc:hashtime:..., server time in ms). For
-- deps without entries this extra key write is most of what cachecore does beyond the
-- bound, so the difference to lua_bound.lua is its cost.
-- KEYS[1] = cc:dep:hash:{dep}, KEYS[2] = cc:dep:keys:{dep}, KEYS[3] = the hash-time key;
-- ARGV[1] = new hash
redis.call('SET', KEYS[1], ARGV[1])
local t = redis.call('TIME')
redis.call('SET', KEYS[3], t[1] * 1000 + math.floor(t[2] / 1000))
local members = redis.call('SMEMBERS', KEYS[2])
for i = 1, #members, 1000 do
  redis.call('UNLINK', unpack(members, i, math.min(i + 999, #members)))
end
redis.call('UNLINK', KEYS[2])
return #members
