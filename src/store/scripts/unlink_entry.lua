-- The one delete of an entry, prepended by the loader to every script that deletes one:
-- `k` is unlinked only if it is an entry by the layout contract, a HASH with a `deps`
-- field. Check and delete are one step of one script, so a key replaced between them
-- cannot be deleted for what it was. HSTRLEN answers both questions in one command
-- (0 for a missing key or field, WRONGTYPE for another type) and both ACL roles hold it;
-- an empty `deps` is no entry's. Entries are the cache's, so a key that merely has an
-- entry's name (a vector store's own `vec:` hash, a string planted under `cc:l1:`) is
-- kept and counted.
-- Returns 1 deleted, 0 gone, -1 kept (not an entry). Any other error (on a cluster node,
-- a key whose slot it does not serve) is returned when `may_refuse`, raised otherwise.

-- Redis 7.0 does not say which command of a script the ACL refused: say it, as the
-- server does for a command sent on its own, so that the operator knows what to grant.
local function acl_named(r, cmd)
  if string.find(r.err, "can't run this command", 1, true) then
    r.err = "NOPERM this user has no permissions to run the '" .. cmd .. "' command (in a script)"
  end
  return r
end

local rpcall = redis.pcall
-- The checks alone, for a script that deletes the keys it found to be entries with one
-- multi-key UNLINK later in the same call (nothing runs in between): 1 an entry, 0 gone,
-- -1 kept (not an entry); errors as unlink_entry.
local function entry_state(k, may_refuse)
  local r = rpcall('HSTRLEN', k, 'deps')
  if type(r) == 'number' then
    if r > 0 then return 1 end
    r = rpcall('EXISTS', k)
    if type(r) == 'table' then error(acl_named(r, 'exists')) end
    return -r
  end
  if string.sub(r.err, 1, 9) == 'WRONGTYPE' then return -1 end
  acl_named(r, 'hstrlen')
  if may_refuse then return r end
  error(r)
end

local function unlink_entry(k, may_refuse)
  local s = entry_state(k, may_refuse)
  if s ~= 1 then return s end
  local r = rpcall('UNLINK', k)
  if type(r) == 'table' then error(acl_named(r, 'unlink')) end
  return r
end
