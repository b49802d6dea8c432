-- Releases a gateway coalescing lock only if this request still holds it: a leader slower
-- than the lock's expiry must not release the lock of the leader that came after it.
-- KEYS[1]: the lock. ARGV[1]: this holder's random value.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
