-- The Lua bound (lua_bound.lua) plus the check cachecore must make before deleting a
-- member: that it is an entry key by the layout contract (the same patterns as
-- layout::entry_tier_lua). The difference to lua_bound.lua is the check's cost.
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
local entries = {}
for _, m in ipairs(members) do
  if entry_tier(m) ~= 0 then table.insert(entries, m) end
end
for i = 1, #entries, 1000 do
  redis.call('UNLINK', unpack(entries, i, math.min(i + 999, #entries)))
end
redis.call('UNLINK', KEYS[2])
return #members
