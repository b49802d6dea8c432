-- The server-side bound (issue 4): SET the hash, SMEMBERS, chunked UNLINK, all inside
-- one script. It holds Redis for the whole run, so it is a bound, not an option.
-- KEYS[1] = cc:dep:hash:{dep}, KEYS[2] = cc:dep:keys:{dep}; ARGV[1] = new hash
redis.call('SET', KEYS[1], ARGV[1])
local members = redis.call('SMEMBERS', KEYS[2])
for i = 1, #members, 1000 do
  redis.call('UNLINK', unpack(members, i, math.min(i + 999, #members)))
end
redis.call('UNLINK', KEYS[2])
return #members
