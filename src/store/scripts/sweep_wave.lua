-- Whole invalidations of small deps, a wave of them in one call (the fast path). Each dep
-- is done only when nothing needs the stepwise protocol: its keys have the right types,
-- its condition holds, it has no unfinished runs to resume and its set has at most its
-- limit of members. Otherwise that dep is left untouched (false); the caller runs it
-- stepwise, which also words any refusal. The compare-and-set of each dep's hash is atomic
-- (the whole call is), and deleting members here needs no detach: no writer interleaves.
--
-- For deps with empty or tiny sets the cost is the commands, not their work, so the
-- checks and writes are multi-key commands over the whole wave (EXISTS, MGET, MSET), with
-- per-dep commands only where a check finds something (a registry, a set, a key that is
-- not a string). The call stops after the dep that takes its deletions to ARGV[1]
-- members, so Redis is held for a bounded time however many deps are sent; the caller
-- sends the rest again. Touches member keys without declaring them: standalone only.
--
-- KEYS: per dep, hash, hash time, dep set, registry.
-- ARGV: budget, then per dep mode, expected, new hash, limit.
-- Returns one reply per dep it reached: false, or {previous hash, members, l1, l2, skipped}.
-- entry_tier(key), the layout's entry-key rule, is prepended by the loader.
local t = redis.call('TIME')
-- The hashes' write time, for safe retirement: one instant for the whole atomic call.
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local budget = tonumber(ARGV[1])
local function key(d, i) return KEYS[4 * (d - 1) + i] end
local function arg(d, i) return ARGV[1 + 4 * (d - 1) + i] end

-- `cmd` over `args` in chunks (unpack has a stack limit), each reply given to `fold`.
local function chunked(cmd, args, fold)
  for i = 1, #args, 400 do
    fold(redis.call(cmd, unpack(args, i, math.min(i + 399, #args))))
  end
end
local function exist(keys)
  local n = 0
  chunked('EXISTS', keys, function(r) n = n + r end)
  return n
end
local function keys_of(deps, i)
  local out = {}
  for _, d in ipairs(deps) do out[#out + 1] = key(d, i) end
  return out
end

local declined = {}
local live = {}
for d = 1, #KEYS / 4 do live[d] = d end
local function keep(pred)
  local out = {}
  for _, d in ipairs(live) do
    if pred(d) then out[#out + 1] = d else declined[d] = true end
  end
  live = out
end

-- Unfinished runs: the stepwise path resumes them.
if exist(keys_of(live, 4)) > 0 then
  keep(function(d) return redis.call('EXISTS', key(d, 4)) == 0 end)
end

-- Set sizes, in order, up to the dep whose members reach the budget: the call goes that
-- far. pcall: a key of the wrong type is the stepwise path's to report.
local size, reached, used = {}, #KEYS / 4, 0
if exist(keys_of(live, 3)) > 0 then
  local sized = {}
  for _, d in ipairs(live) do
    local n = redis.pcall('SCARD', key(d, 3))
    if type(n) == 'number' and n <= tonumber(arg(d, 4)) then
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
  keep(function(d) return cur[d] or redis.call('EXISTS', key(d, 1)) == 0 end)
end

keep(function(d)
  local mode = arg(d, 1)
  if mode == 'eq' then return cur[d] == arg(d, 2) end
  if mode == 'absent' then return not cur[d] end
  return true
end)

local hashes, times = {}, {}
for _, d in ipairs(live) do
  hashes[#hashes + 1] = key(d, 1); hashes[#hashes + 1] = arg(d, 3)
  times[#times + 1] = key(d, 2); times[#times + 1] = now
end
chunked('MSET', hashes, function() end)
chunked('MSET', times, function() end)

local out = {}
for d = 1, reached do
  if declined[d] then
    out[d] = false
  else
    local d1, d2, skipped = 0, 0, 0
    if size[d] > 0 then
      local l1, l2 = {}, {}
      for _, m in ipairs(redis.call('SMEMBERS', key(d, 3))) do
        local tier = entry_tier(m)
        if tier == 1 then table.insert(l1, m)
        elseif tier == 2 then table.insert(l2, m)
        else skipped = skipped + 1 end
      end
      if #l1 > 0 then d1 = redis.call('UNLINK', unpack(l1)) end
      if #l2 > 0 then d2 = redis.call('UNLINK', unpack(l2)) end
      redis.call('UNLINK', key(d, 3))
    end
    out[d] = {cur[d] or false, size[d], d1, d2, skipped}
  end
end
return out
