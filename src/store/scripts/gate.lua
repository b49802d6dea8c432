-- The order gate: one script per event and dep, run before the invalidation. It compares
-- the event's stream entry id with the dep's order mark and, only if the event is newer,
-- records the event and writes its hash (with the write time, as every hash write does).
-- An older event writes nothing, so the hash recorded last is always the newest event's,
-- whichever consumer gets there first, and however often an event is delivered. The
-- invalidation that follows runs with `--if-hash` = the event's own hash: its
-- compare-and-set leaves the value as it is, and is refused when a newer event got in
-- between (whose own invalidation does the deleting).
--
-- The order mark is the last event applied (the record), unless the hash was written by
-- another path since (a CLI or HTTP invalidation: the hash differs from the record's):
-- then it is that write's time (the hash time key, server ms), and the event wins iff its
-- id's ms is not earlier. A record can be trusted only while the hash is still its own;
-- consume's own follow-up run writes the same value, so it never looks like another path.
--
-- An id ahead of this server's clock by more than ARGV[10] ms is answered {4, now} and
-- nothing is written: one forged or skewed id must never become the mark that every later
-- real event is judged against. For the same reason a record whose id is that far ahead
-- (left by an older version) is not trusted.
--
-- On a single node, for a small dep, the gate also does the invalidation itself (ARGV[9]
-- = '1'), exactly as the engine's single-step script does (same conditions: no unfinished
-- runs, a dep set of at most ARGV[8] members, keys of the right types; the same key rule
-- for members, run server-side), so an event costs one script, not two. When the dep does
-- not qualify, only the hash is recorded and the engine's stepwise run follows.
-- Touches member keys without declaring them then: single node only.
--
-- Ids of one record are compared as decimal strings, byte by byte (Lua numbers lose
-- precision above 2^53, and Lua's string `<` follows the server's locale); numbers are
-- used only once the id is known to be within the skew of the clock. The record is a
-- string `<ms>-<seq>\n<hash>\n<stream>` (a hash never holds a control character); one that
-- does not parse is treated as absent. Ids of different streams compare by their
-- millisecond time; an equal id of another stream counts as older.
-- KEYS: order record, hash record, hash write time[, dep set, registry].
-- ARGV: ms, seq, stream, new hash, mode ('any' or 'eq'), expected, keep (ms), limit,
-- sweep ('1' or '0'), skew (ms).
-- Returns {1, previous[, members, L1 deleted, L2 deleted, not entries]} applied (with the
-- counts when it invalidated too), {2, hash} redelivered, {0, id, stream} superseded by
-- an event, {5, write time} superseded by another path's write, {3, current} refused,
-- {4, server time} ahead of the clock.
local function cmp(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  for i = 1, #a do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y and -1 or 1 end
  end
  return 0
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local horizon = now + tonumber(ARGV[10])
if tonumber(ARGV[1]) > horizon then return {4, now} end
local rec = redis.call('GET', KEYS[1])
local order
local last_id, last_hash, last_stream
if rec then
  local a = string.find(rec, '\n', 1, true)
  local b = a and string.find(rec, '\n', a + 1, true)
  if b then
    last_id = string.sub(rec, 1, a - 1)
    last_hash = string.sub(rec, a + 1, b - 1)
    last_stream = string.sub(rec, b + 1)
    local dash = string.find(last_id, '-', 1, true)
    local ms = dash and string.sub(last_id, 1, dash - 1)
    if ms and (tonumber(ms) or math.huge) <= horizon then
      order = cmp(ARGV[1], ms)
      if order == 0 then order = cmp(ARGV[2], string.sub(last_id, dash + 1)) end
    end
  end
end
if order == 0 and last_stream == ARGV[3] then return {2, last_hash} end
local cur = redis.call('GET', KEYS[2])
if order and cur == last_hash then
  if order <= 0 then return {0, last_id, last_stream} end
else
  local written = tonumber(redis.call('GET', KEYS[3]))
  if written and tonumber(ARGV[1]) < written then return {5, written} end
end
if ARGV[5] == 'eq' and cur ~= ARGV[6] then return {3, cur} end
local function record()
  redis.call('SET', KEYS[2], ARGV[4])
  redis.call('SET', KEYS[3], now)
  redis.call('SET', KEYS[1], ARGV[1] .. '-' .. ARGV[2] .. '\n' .. ARGV[4] .. '\n' .. ARGV[3], 'PX', ARGV[7])
end
if ARGV[9] == '1' and redis.call('EXISTS', KEYS[5]) == 0 then
  local st = redis.call('TYPE', KEYS[4])['ok']
  local n = (st == 'set' or st == 'none') and redis.call('SCARD', KEYS[4]) or -1
  if n >= 0 and n <= tonumber(ARGV[8]) then
    record()
    -- A member is deleted only if it is an entry by its name (entry_tier) and by what it
    -- holds (unlink_entry, prepended by the loader); any other is kept and counted.
    local deleted, skipped = {0, 0}, 0
    for _, m in ipairs(redis.call('SMEMBERS', KEYS[4])) do
      local tier = entry_tier(m)
      local s = tier > 0 and unlink_entry(m) or -1
      if s == -1 then skipped = skipped + 1
      elseif s == 1 then deleted[tier] = deleted[tier] + 1 end
    end
    redis.call('UNLINK', KEYS[4])
    return {1, cur, n, deleted[1], deleted[2], skipped}
  end
end
record()
return {1, cur}
