--[[
  Stores the requests of a batch job, each in its own hash at the key BullMQ would give a job of
  that id (`<prefix>:<queue>:<id>`): an idempotency key finds a batch request as it finds a plain
  job, and the depth ledger's sweep reads its `finishedOn` and `timestamp` the same way. A hash
  that exists already (a racing producer's job under the same key) is left alone.

  Input:
    KEYS[1] the batch job's key: not read, it names the hash slot (on a Redis Cluster the script
            runs on the node that owns the shard's hash tag, which every key here shares)
    ARGV[1] job key prefix (`<prefix>:<queue>:`)
    ARGV[2] batch job id (the queue job that carries them)
    ARGV[3] timestamp, epoch milliseconds (the requests' createdAt)
    ARGV[4] their state until the batch job starts: waiting, or delayed (a batch job with a delay)
    ARGV[5..] per request, 5 values: id, kind, data (JSON), attempts allowed, and the payload
              bytes its depth-ledger entry holds (kept as `dbytes`: its finish gives them back
              without reading the entry first)

  Output: per request, 1 when stored, 0 when its key was taken
]]
local jobPrefix, batchId, timestamp, initial = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local created = {}
for i = 5, #ARGV, 5 do
  local key = jobPrefix .. ARGV[i]
  if redis.call('EXISTS', key) == 1 then
    created[#created + 1] = 0
  else
    redis.call('HSET', key, 'name', ARGV[i + 1], 'data', ARGV[i + 2], 'timestamp', timestamp, 'batch', batchId, 'state', initial, 'attempts', ARGV[i + 3], 'atm', 0, 'dbytes', ARGV[i + 4])
    created[#created + 1] = 1
  end
end
return created
