-- The Lua bound with both of cachecore's checks before it deletes a member: the layout's
-- entry-key rule (as lua_bound_checked.lua) and, since issue 22, that the key holds an
-- entry, a HASH with a `deps` field (src/store/scripts/unlink_entry.lua), each key checked
-- and then deleted in turn. The difference to lua_bound_checked.lua is the second check.
-- KEYS[1] = cc:dep:hash:{dep}, KEYS[2] = cc:dep:keys:{dep}; ARGV[1] = new hash
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
redis.call('SET', KEYS[1], ARGV[1])
local members = redis.call('SMEMBERS', KEYS[2])
for _, m in ipairs(members) do
  if entry_tier(m) ~= 0 then
    local n = redis.pcall('HSTRLEN', m, 'deps')
    if type(n) == 'number' and n > 0 then redis.call('UNLINK', m) end
  end
end
redis.call('UNLINK', KEYS[2])
return #members
