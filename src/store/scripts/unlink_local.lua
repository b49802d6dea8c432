-- Deletes a batch of keys that one cluster node serves, in one round trip. One command
-- may not span slots, but a script may touch keys of several slots on one node (see
-- shared/redis-facts.md): so one UNLINK per key. KEYS[1] routes the call to the node;
-- ARGV holds the rest. A key the node does not serve (its slot moved, or is moving) makes
-- the script fail: the first loop touches every key before anything is deleted, so a
-- failure deletes nothing and the caller's key-by-key retry counts exactly.
-- Returns how many keys existed.
for i = 1, #ARGV do
  redis.call('EXISTS', ARGV[i])
end
local n = redis.call('UNLINK', KEYS[1])
for i = 1, #ARGV do
  n = n + redis.call('UNLINK', ARGV[i])
end
return n
