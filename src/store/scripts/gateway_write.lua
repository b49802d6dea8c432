-- The gateway's race-safe write (issue 25): the entry is stored only if no declared dep's
-- hash moved since the request started. An invalidation that lands while the upstream
-- call runs sets the new hash first, so either this step sees it and writes nothing, or
-- it ran before and the invalidation's drain finds the key in the dep set and deletes it.
-- KEYS[1]: the entry. ARGV: dep-hash prefix, dep-keys prefix, body, deps JSON, created_at
-- (ms), TTL (s), then per declared dep (the policy dep included) three values: its id, its
-- hash when the request started ('' when absent, else '=' .. hash), and '1' to add the
-- entry's key to its dep set ('0' for the policy dep).
-- Returns 1 when written, else the id of the first dep that moved.
local n = (#ARGV - 6) / 3
for i = 0, n - 1 do
  local id, was = ARGV[7 + 3 * i], ARGV[8 + 3 * i]
  local now = redis.call('GET', ARGV[1] .. id)
  local is = now and ('=' .. now) or ''
  if is ~= was then return id end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'body', ARGV[3], 'deps', ARGV[4], 'created_at', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
for i = 0, n - 1 do
  if ARGV[9 + 3 * i] == '1' then
    redis.call('SADD', ARGV[2] .. ARGV[7 + 3 * i], KEYS[1])
  end
end
return 1
