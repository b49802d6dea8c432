-- Whole invalidations of small deps, a wave of them in one call (the fast path). Each dep
-- is done only when nothing needs the stepwise protocol: its keys have the right types,
-- its condition holds, it has no unfinished runs to resume and its set has at most the
-- limit of members. Otherwise that dep is left untouched (declined); the caller runs it
-- stepwise, which also words any refusal. The compare-and-set of each dep's hash is atomic
-- (the whole call is), and deleting members here needs no detach: no writer interleaves.
--
-- For deps with empty or tiny sets the cost is the commands and the interpreter, not
-- their work, so the checks and writes are multi-key commands over the whole wave
-- (EXISTS, MGET, MSET), with per-dep commands only where a check finds something (a
-- registry, a set, a key that is not a string), and the reply is one flat array. Members
-- are deleted one by one, each right after its check (it is in the CPU's cache then). The
-- call stops after the dep that takes its deletions to the budget, so Redis is held for
-- a bounded time however many deps are sent; the caller sends the rest again. Touches
-- member keys without declaring them: standalone only.
--
-- KEYS: per dep, hash, hash time, dep set, registry.
-- ARGV: budget, limit, then per dep its condition ('' any, '!' absent, '=' .. expected
--       hash) and its new hash.
-- Each member is deleted only if it is an entry, by its name (entry_tier) and by what
-- it holds (unlink_entry: a HASH with a `deps` field), checked as it is deleted.
-- Returns five values per dep it reached: previous hash (false: none), members, L1 and
-- L2 deleted, members skipped as not entries; members is -1 for a declined dep.
-- entry_tier(key), the layout's entry-key rule, and unlink_entry(key), the checked
-- delete, are prepended by the loader.
local K, A, call = KEYS, ARGV, redis.call
local t = call('TIME')
-- The hashes' write time, for safe retirement: one instant for the whole atomic call,
-- made a string once (Redis would format a Lua number per key).
local now = t[1] .. string.format('%03d', math.floor(t[2] / 1000))
local budget, limit = tonumber(A[1]), tonumber(A[2])
local n_deps = #K / 4
-- Dep d's keys are K[4d-3] hash, K[4d-2] hash time, K[4d-1] set, K[4d] registry; its
-- condition is A[2d+1] and its new hash A[2d+2].

-- `cmd` over `args` in chunks (unpack has a stack limit), each reply given to `fold`.
local function chunked(cmd, args, fold)
  for i = 1, #args, 400 do
    fold(call(cmd, unpack(args, i, math.min(i + 399, #args))))
  end
end
local function exist(keys)
  local n = 0
  chunked('EXISTS', keys, function(r) n = n + r end)
  return n
end
-- Key `i` (1 to 4) of each dep of `deps`.
local function keys_of(deps, i)
  local out = {}
  for j, d in ipairs(deps) do out[j] = K[4 * d - 4 + i] end
  return out
end

local declined = {}
local live = {}
for d = 1, n_deps do live[d] = d end
local function keep(pred)
  local out = {}
  for _, d in ipairs(live) do
    if pred(d) then out[#out + 1] = d else declined[d] = true end
  end
  live = out
end

-- Unfinished runs: the stepwise path resumes them.
if exist(keys_of(live, 4)) > 0 then
  keep(function(d) return call('EXISTS', K[4 * d]) == 0 end)
end

-- Set sizes, in order, up to the dep whose members reach the budget: the call goes that
-- far. pcall: a key of the wrong type is the stepwise path's to report.
local size, reached, used = {}, n_deps, 0
if exist(keys_of(live, 3)) > 0 then
  local sized = {}
  for _, d in ipairs(live) do
    local n = redis.pcall('SCARD', K[4 * d - 1])
    if type(n) == 'number' and n <= limit then
      size[d] = n
      sized[#sized + 1] = d
      used = used + n
      if used >= budget then reached = d break end
    else
      declined[d] = true
    end
  end
  live = sized
else
  for _, d in ipairs(live) do size[d] = 0 end
end

-- Current hashes. MGET answers nil for a key that is not a string: such a key exists.
local cur = {}
local i = 0
chunked('MGET', keys_of(live, 1), function(values)
  for _, v in ipairs(values) do i = i + 1; cur[live[i]] = v end
end)
local unset = {}
for _, d in ipairs(live) do if not cur[d] then unset[#unset + 1] = d end end
if exist(keys_of(unset, 1)) > 0 then
  keep(function(d) return cur[d] or call('EXISTS', K[4 * d - 3]) == 0 end)
end

keep(function(d)
  local cond = A[2 * d + 1]
  if cond == '' then return true end
  if cond == '!' then return not cur[d] end
  return cur[d] == string.sub(cond, 2)
end)

local hashes, times = {}, {}
for j, d in ipairs(live) do
  hashes[2 * j - 1] = K[4 * d - 3]; hashes[2 * j] = A[2 * d + 2]
  times[2 * j - 1] = K[4 * d - 2]; times[2 * j] = now
end
chunked('MSET', hashes, function() end)
chunked('MSET', times, function() end)

local out = {}
for d = 1, reached do
  local b = 5 * d - 5
  if declined[d] then
    out[b + 1] = false; out[b + 2] = -1; out[b + 3] = 0; out[b + 4] = 0; out[b + 5] = 0
  else
    local deleted, skipped = {0, 0}, 0
    if size[d] > 0 then
      for _, m in ipairs(call('SMEMBERS', K[4 * d - 1])) do
        local tier = entry_tier(m)
        local s = tier > 0 and unlink_entry(m) or -1
        if s == -1 then skipped = skipped + 1
        elseif s == 1 then deleted[tier] = deleted[tier] + 1 end
      end
      call('UNLINK', K[4 * d - 1])
    end
    out[b + 1] = cur[d] or false; out[b + 2] = size[d]
    out[b + 3] = deleted[1]; out[b + 4] = deleted[2]; out[b + 5] = skipped
  end
end
return out
