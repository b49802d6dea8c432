-- Replaces an entry's deps only if nobody rewrote them since we read them.
if redis.call('HGET', KEYS[1], 'deps') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'deps', ARGV[2])
return 1
