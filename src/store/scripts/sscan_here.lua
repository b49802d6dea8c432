-- One SSCAN page of a pending set on a cluster, with the id of the node that served it.
-- A cursor means something only to the set object that issued it. When the set's slot
-- moves (a reshard's MIGRATE makes a new object on another node) or a replica takes
-- over, the client follows MOVED/ASK without a word and the cursor would go on over a
-- different object, skipping members; so the caller starts the scan again from 0 when
-- the id changes.
-- KEYS[1] = the set; ARGV = cursor, count. Returns {next cursor, members, node id}.
local page = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
return {page[1], page[2], redis.call('CLUSTER', 'MYID')}
