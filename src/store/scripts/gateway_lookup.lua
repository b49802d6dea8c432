-- The gateway's lookup (issue 25): an L1 entry and the current hash of every dep it
-- records, plus the current hash of every dep the request declares, in one step, so
-- the freshness rule is judged on one consistent view and a hit costs one round trip.
-- Dep-hash keys are read by name from the entry's own deps field, so this runs on a
-- single node only (a cluster needs every key declared).
-- KEYS[1]: the entry. ARGV[1]: the dep-hash key prefix; ARGV[2]: '1' to read the request's
-- deps always, '0' only when there is no entry (a hit never needs them: they are what a
-- miss records); ARGV[3..]: the request's dep ids.
-- Returns {body, deps, created_at, {current of each entry dep}, {current of each request dep}};
-- absent values are nil; the last list is empty when not read.
local e = redis.call('HMGET', KEYS[1], 'body', 'deps', 'created_at')
local req = {}
if ARGV[2] == '1' or not e[1] then
  for i = 3, #ARGV do
    req[i - 2] = redis.call('GET', ARGV[1] .. ARGV[i])
  end
end
local cur = {}
if e[2] then
  local ok, deps = pcall(cjson.decode, e[2])
  if ok and type(deps) == 'table' then
    for i, d in ipairs(deps) do
      if type(d) == 'table' and type(d.id) == 'string' then
        cur[i] = redis.call('GET', ARGV[1] .. d.id)
      else
        cur[i] = false
      end
    end
  end
end
return {e[1], e[2], e[3], cur, req}
