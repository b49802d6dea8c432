-- Deletes a batch of keys named as entries, each only if it is one (see unlink_entry),
-- in one round trip: a batch of the stepwise drain on a single node, and on a cluster
-- the batch's keys that one node serves. One command may not span slots, but a script may
-- touch keys of several slots on one node (see shared/redis-facts.md): so key by key.
-- KEYS: none, or the first key, which routes the call to its node (and is deleted like
-- the rest). A key the node does not serve (its slot moved, or is moving) is refused by
-- the server; its place is returned so the caller deletes it through the routed path:
-- every key is counted once, here or there.
-- ARGV[1]: how many of the keys (KEYS[1] if declared, then ARGV[2..]) are L1 entries; the
-- rest are L2.
-- Returns {L1 deleted, L2 deleted, kept as not entries, {refused places, 1-based}, the
-- first refusal's error or ''}.
-- unlink_entry(key, may_refuse), the checked delete, is prepended by the loader.
local n1 = tonumber(ARGV[1])
local deleted, kept, refused, why = {0, 0}, 0, {}, ''
local declared = #KEYS
for place = 1, declared + #ARGV - 1 do
  local k = place <= declared and KEYS[place] or ARGV[place - declared + 1]
  local s = unlink_entry(k, true)
  if s == 1 then
    local tier = place <= n1 and 1 or 2
    deleted[tier] = deleted[tier] + 1
  elseif s == -1 then
    kept = kept + 1
  elseif s ~= 0 then
    refused[#refused + 1] = place
    if why == '' then why = s.err end
  end
end
return {deleted[1], deleted[2], kept, refused, why}
