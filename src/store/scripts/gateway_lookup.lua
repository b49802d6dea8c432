-- The gateway's lookup (issue 25): in one step, and so on one consistent view, the
-- caller's token (when the namespace comes from one), the L1 entry, the current hash of
-- every dep the entry records and, on a miss, of every dep the request declares, plus the
-- coalescing lock on a miss. A hit is one round trip; a miss's steps before the upstream
-- call are one round trip too.
-- Keys are built here from names read inside the step (the token's namespace, the
-- entry's deps), so this runs on a single node only (a cluster needs every key declared).
-- ARGV[1] the dep-hash key prefix; ARGV[2] '1' to read the request's deps always, '0'
-- only when there is no entry (a hit never needs them: they are what a miss records);
-- ARGV[3] the token's lookup key, or '' when the caller's namespace is known; ARGV[4]
-- that namespace (with a token: the one of a token stored without any); ARGV[5] the
-- request's fingerprint; ARGV[6] the entry key prefix; ARGV[7] the policy dep id
-- prefix; ARGV[8] the lock key prefix, or ''
-- for no lock; ARGV[9] the lock's value; ARGV[10] its expiry (ms); ARGV[11] the
-- request's declared dep ids, each ended by a newline (a dep id has no whitespace), one
-- argument that a hit never splits (the policy dep of the namespace is added here).
-- Returns {body, deps, created_at, {current of each entry dep}, {current of each request
-- dep, the policy dep last}, token, locked}: absent values are nil; token is nil when not
-- asked, 0 when unknown (nothing else is read), else {name, scopes, namespace, fresh_ttl,
-- stale_window}; locked is 1 when this step took the lock.
-- MGET in parts: unpack has a limit, and an entry written by another tool may record
-- thousands of deps.
local function mget(names)
  local out = {}
  for i = 1, #names, 500 do
    local part = redis.call('MGET', unpack(names, i, math.min(i + 499, #names)))
    for j = 1, #part do out[#out + 1] = part[j] end
  end
  return out
end
local ns = ARGV[4]
local token = false
if ARGV[3] ~= '' then
  token = redis.call('HMGET', ARGV[3], 'name', 'scopes', 'namespace', 'fresh_ttl_secs', 'stale_window_secs')
  if not token[1] or not token[2] then
    return {false, false, false, {}, {}, 0, 0}
  end
  ns = token[3] or ARGV[4]
end
local key = ARGV[6] .. ns .. ':' .. ARGV[5]
local e = redis.call('HMGET', key, 'body', 'deps', 'created_at')
local req = {}
if ARGV[2] == '1' or not e[1] then
  local names = {}
  for id in string.gmatch(ARGV[11], '([^\n]+)\n') do
    names[#names + 1] = ARGV[1] .. id
  end
  names[#names + 1] = ARGV[1] .. ARGV[7] .. ns
  req = mget(names)
end
local cur = {}
if e[2] then
  local ok, deps = pcall(cjson.decode, e[2])
  if ok and type(deps) == 'table' then
    -- One MGET for every dep: an element without an id reads as absent (a key no one
    -- writes), and judging it is the caller's.
    local names = {}
    for i, d in ipairs(deps) do
      if type(d) == 'table' and type(d.id) == 'string' then
        names[i] = ARGV[1] .. d.id
      else
        names[i] = ARGV[1]
      end
    end
    cur = mget(names)
  end
end
local locked = 0
if not e[1] and ARGV[8] ~= '' then
  if redis.call('SET', ARGV[8] .. key, ARGV[9], 'NX', 'PX', ARGV[10]) then
    locked = 1
  end
end
return {e[1], e[2], e[3], cur, req, token, locked}
