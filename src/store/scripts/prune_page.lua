-- Prunes one SSCAN page of a dep set: members whose key is gone are removed (or, when
-- ARGV[3] is '0', only counted). Check and removal are one atomic step, so an entry a
-- writer stores concurrently keeps its membership; the page bounds the work per call, and
-- the members never cross the network. MEMORY USAGE is taken before the first page and
-- after the last. Touches member keys without declaring them: standalone only.
-- KEYS[1] = dep set; ARGV = cursor, COUNT, remove ('1' or '0').
-- Members that are not entry keys are counted and kept, never read: nothing outside the
-- cache is touched, and an ACL role limited to `cc:*` and `vec:*` can prune.
-- Returns {next cursor, members scanned, dangling, bytes before, bytes after, not entries}.
-- entry_tier(key), the layout's entry-key rule, is prepended by the loader.
local before, after = 0, 0
if ARGV[1] == '0' then before = redis.call('MEMORY', 'USAGE', KEYS[1]) or 0 end
local page = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local dangling, foreign = 0, 0
for _, m in ipairs(page[2]) do
  if entry_tier(m) == 0 then
    foreign = foreign + 1
  elseif redis.call('EXISTS', m) == 0 then
    if ARGV[3] == '1' then
      dangling = dangling + redis.call('SREM', KEYS[1], m)
    else
      dangling = dangling + 1
    end
  end
end
if page[1] == '0' then after = redis.call('MEMORY', 'USAGE', KEYS[1]) or 0 end
return {page[1], #page[2], dangling, before, after, foreign}
