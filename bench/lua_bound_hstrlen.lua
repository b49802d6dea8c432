-- The Lua bound (lua_bound.lua) plus the check cachecore makes before it deletes a member
-- (issue 22): that the key is an entry by the layout contract, a HASH with a `deps` field
-- (src/store/scripts/unlink_entry.lua), each key checked and then deleted in turn. The
-- difference to lua_bound.lua is what that check costs the server.
-- KEYS[1] = cc:dep:hash:{dep}, KEYS[2] = cc:dep:keys:{dep}; ARGV[1] = new hash
redis.call('SET', KEYS[1], ARGV[1])
local members = redis.call('SMEMBERS', KEYS[2])
for _, m in ipairs(members) do
  local n = redis.pcall('HSTRLEN', m, 'deps')
  if type(n) == 'number' and n > 0 then redis.call('UNLINK', m) end
end
redis.call('UNLINK', KEYS[2])
return #members
