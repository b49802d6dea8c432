-- A policy roll in one step: the compare-and-set on the version read before the prompt,
-- the check that the new version was never current (the layout keeps only the current
-- one, so going back would make every entry written at that version fresh again), the
-- history update, the write, and its write time. Checks come before every write, so a
-- refusal changes nothing. All keys share the policy record's slot. The history holds one
-- member per roll, so reading it whole is cheap, and SMEMBERS (rather than SISMEMBER) keeps
-- the operator's ACL rule set as documented.
-- KEYS: policy record, its write time, the namespace's version history.
-- ARGV: mode ('eq' or 'absent'), expected, new version, the default version ("1").
-- Returns {code, value before, history}: code 1 rolled, 0 the record changed meanwhile,
-- 2 the new version was current before (then the history is returned too).
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == 'eq' and cur ~= ARGV[2] then return {0, cur, {}} end
if ARGV[1] == 'absent' and cur then return {0, cur, {}} end
local old = cur or ARGV[4]
local used = redis.call('SMEMBERS', KEYS[3])
local seen = ARGV[3] == old or ARGV[3] == ARGV[4]
for _, v in ipairs(used) do
  if v == ARGV[3] then seen = true end
end
if seen then return {2, cur, used} end
redis.call('SADD', KEYS[3], ARGV[4], old, ARGV[3])
redis.call('SET', KEYS[1], ARGV[3])
local t = redis.call('TIME')
redis.call('SET', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000))
return {1, cur, {}}
