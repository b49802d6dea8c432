-- Compare-and-set in one script: the condition and the write must not be separated by
-- another client's write, or two pipelines could roll a version back.
-- The write time (server clock) goes to a bookkeeping key in the same slot, so that
-- retiring old hash records can prove their age.
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == 'eq' and cur ~= ARGV[2] then return {0, cur} end
if ARGV[1] == 'absent' and cur then return {0, cur} end
redis.call('SET', KEYS[1], ARGV[3])
local t = redis.call('TIME')
redis.call('SET', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000))
return {1, cur}
