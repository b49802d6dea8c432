-- Deletes a batch of keys that one cluster node serves, in one round trip. One command
-- may not span slots, but a script may touch keys of several slots on one node (see
-- shared/redis-facts.md): so one UNLINK per key. KEYS[1] routes the call to the node;
-- ARGV holds the rest. A key the node does not serve (its slot moved, or is moving) is
-- refused by the server; pcall keeps that from stopping the script, and the key's place
-- in ARGV is returned so the caller deletes it through the routed path: every key is
-- counted once, here or there.
-- Returns {how many keys existed, {refused ARGV indices}}.
local n = redis.call('UNLINK', KEYS[1])
local refused = {}
for i = 1, #ARGV do
  local r = redis.pcall('UNLINK', ARGV[i])
  if type(r) == 'number' then n = n + r else refused[#refused + 1] = i end
end
return {n, refused}
