-- Whole invalidations of small deps, a wave of them in one call (the fast path). Each dep
-- is done only when nothing needs the stepwise protocol: its keys have the right types,
-- its condition holds, it has no unfinished runs to resume and its set has at most the
-- limit of members. Otherwise that dep is left untouched (declined); the caller runs it
-- stepwise, which also words any refusal. The compare-and-set of each dep's hash is atomic
-- (the whole call is), and deleting members here needs no detach: no writer interleaves.
--
-- For deps with empty or tiny sets the cost is the commands and the interpreter, not
-- their work (each command a script sends costs Redis some 10k instructions before it
-- does anything), so a dep costs one command of its own, the SSCAN that reads its set,
-- and a member one, its entry check; everything else is a multi-key command over the
-- whole wave (EXISTS, MGET, MSET, UNLINK), with per-dep commands only where a check finds
-- something (a registry, a key that is not a string), and the reply is one flat array.
-- The call stops after the dep that takes its deletions to the budget, so Redis is held
-- for a bounded time however many deps are sent; the caller sends the rest again.
-- Touches member keys without declaring them: standalone only.
--
-- KEYS: the deps' hashes, then their hash times, their dep sets, their registries (four
--       runs of one key per dep, so that a multi-key command takes a run as it is).
-- ARGV: budget, limit, then per dep its condition ('' any, '!' absent, '=' .. expected
--       hash) and its new hash.
-- Each member is deleted only if it is an entry, by its name (entry_tier) and by what
-- it holds (entry_state: a HASH with a `deps` field); the keys found to be entries are
-- deleted by one UNLINK at the end of the same call, so nothing changes them in between.
-- Returns two values per dep it reached: previous hash (false: none), and -1 for a
-- declined dep, else its counts packed in one integer of 10 bits each (members, L1 and
-- L2 deleted, members skipped as not entries, most significant first; Store::sweep_wave
-- unpacks them): 1.6k fewer Redis instructions per dep than five values (callgrind).
-- The limit is kept below 1024 so that no count overflows its bits.
-- entry_tier(key), the layout's entry-key rule, and entry_state(key), the entry check,
-- are prepended by the loader.
local K, A, call, pcall_ = KEYS, ARGV, redis.call, redis.pcall
local t = call('TIME')
-- The hashes' write time, for safe retirement: one instant for the whole atomic call,
-- made a string once (Redis would format a Lua number per key).
local now = t[1] .. string.format('%03d', math.floor(t[2] / 1000))
local budget, limit = tonumber(A[1]), math.min(tonumber(A[2]), 1023)
local n = #K / 4
-- Dep d's keys are K[d] hash, K[n + d] hash time, K[2n + d] set, K[3n + d] registry; its
-- condition is A[2d + 1] and its new hash A[2d + 2].

-- `cmd` over args[from] to args[to] in chunks (unpack has a stack limit); the replies
-- summed when `sum`.
local function chunked(cmd, args, from, to, sum)
  local total = 0
  for i = from, to, 400 do
    local r = call(cmd, unpack(args, i, math.min(i + 399, to)))
    if sum then total = total + r end
  end
  return total
end

-- Each dep's state, one dense array: true while it may be done, false once declined,
-- then its members' table (dense: Lua finds it in the array part, not by hashing).
local state = {}
for d = 1, n do state[d] = true end
-- Unfinished runs: the stepwise path resumes them.
if chunked('EXISTS', K, 3 * n + 1, 4 * n, true) > 0 then
  for d = 1, n do
    if call('EXISTS', K[3 * n + d]) == 1 then state[d] = false end
  end
end

-- Current hashes (MGET answers false for a missing key and for a key that is not a
-- string); the conditions are checked with the members below.
local cur
if n <= 400 then
  cur = call('MGET', unpack(K, 1, n))
else
  cur = {}
  for i = 1, n, 400 do
    local values = call('MGET', unpack(K, i, math.min(i + 399, n)))
    for j = 1, #values do cur[i + j - 1] = values[j] end
  end
end
-- Members, in order, up to the dep whose members reach the budget: the call goes that
-- far. One SSCAN from cursor 0 reads a set of up to `limit` members whole (cursor 0
-- back), and a missing set as no members; a bigger set is declined. pcall: a key of the
-- wrong type is the stepwise path's to report. When the first sets are all missing, the
-- wave is likely one of deps without entries: one EXISTS over the rest may spare every
-- SSCAN.
local reached, used = n, 0
local no_members = {}
local any_set = chunked('EXISTS', K, 2 * n + 1, 2 * n + math.min(n, 8), true) > 0
  or (n > 8 and chunked('EXISTS', K, 2 * n + 9, 3 * n, true) > 0)
-- Strings: Redis would format a Lua number with printf for every call.
local count = tostring(limit + 1)
-- The deps to write, in order, and the hash keys MGET read as nil: missing, or not
-- strings (which MSET would overwrite).
local live, n_live, unset = {}, 0, {}
for d = 1, n do
  -- The condition first: a dep it refuses costs no SSCAN.
  local cond = A[2 * d + 1]
  if cond ~= '' and state[d] then
    if cond == '!' then
      if cur[d] then state[d] = false end
    elseif cur[d] ~= string.sub(cond, 2) then
      state[d] = false
    end
  end
  if state[d] then
    local ms = no_members
    if any_set then
      local r = pcall_('SSCAN', K[2 * n + d], '0', 'COUNT', count)
      ms = r[2]
      if r[1] ~= '0' or #ms > limit then ms = false end
    end
    state[d] = ms
    if ms then
      n_live = n_live + 1
      live[n_live] = d
      if not cur[d] then unset[#unset + 1] = K[d] end
      used = used + #ms
      if used >= budget then reached = d break end
    end
  end
end
if #unset > 0 and chunked('EXISTS', unset, 1, #unset, true) > 0 then
  for j = 1, n_live do
    local d = live[j]
    if not cur[d] and call('EXISTS', K[d]) == 1 then state[d] = false end
  end
end

-- The members: checked one by one, those that hold entries deleted by one UNLINK with
-- the sets. A member of two sets of the wave is deleted for the first and found gone by
-- the second, as it would be dep after dep.
-- The writes go with them: each new hash and its write time, one MSET for the call.
local out = {}
local doomed, n_doomed, seen = {}, 0, {}
local writes, w = {}, 0
for d = 1, reached do
  local b = 2 * d - 2
  local ms = state[d]
  if not ms then
    out[b + 1] = false; out[b + 2] = -1
  else
    writes[w + 1] = K[d]; writes[w + 2] = A[2 * d + 2]
    writes[w + 3] = K[n + d]; writes[w + 4] = now
    w = w + 4
    local l1, l2, skipped = 0, 0, 0
    local size = #ms
    if size > 0 then
      for k = 1, size do
        local m = ms[k]
        local tier = entry_tier(m)
        if tier == 0 then
          skipped = skipped + 1
        elseif not seen[m] then
          local s = entry_state(m)
          if s == 1 then
            seen[m] = true
            n_doomed = n_doomed + 1
            doomed[n_doomed] = m
            if tier == 1 then l1 = l1 + 1 else l2 = l2 + 1 end
          elseif s == -1 then
            skipped = skipped + 1
          end
        end
      end
      n_doomed = n_doomed + 1
      doomed[n_doomed] = K[2 * n + d]
    end
    out[b + 1] = cur[d] or false
    out[b + 2] = ((size * 1024 + l1) * 1024 + l2) * 1024 + skipped
  end
end
chunked('MSET', writes, 1, w)
for j = 1, n_doomed, 400 do
  local r = pcall_('UNLINK', unpack(doomed, j, math.min(j + 399, n_doomed)))
  if type(r) == 'table' then error(acl_named(r, 'unlink')) end
end
return out
