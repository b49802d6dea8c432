-- Deletes a hash record only if it was not rewritten since the caller judged its age.
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
