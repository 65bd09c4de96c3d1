--[[
  A worker starts a batch job: the requests still waiting for this batch become active and come
  back with what the worker needs to run them. Their `active` events share one
  `courier:active-many` stream entry (`jobIds`, comma-separated), which the queue's event reader
  hands on as one `active` event per request (bullmq-driver.ts); a single one is BullMQ's own
  `active` event. Requests that
  finished (a SIGKILLed worker's batch delivered again), were cancelled, or moved on to a later
  batch (a retry) are skipped.

  Input:
    KEYS[1] the queue's event stream
    ARGV[1] job key prefix (`<prefix>:<queue>:`)
    ARGV[2] batch job id
    ARGV[3] event stream length bound (approximate)
    ARGV[4..] request ids

  Output: per request claimed, 4 values: id, data (JSON), attempts made, attempts allowed
]]
local jobPrefix, batchId, maxLen = ARGV[1], ARGV[2], ARGV[3]
local claimed, ids = {}, {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local key = jobPrefix .. id
  local f = redis.call('HMGET', key, 'batch', 'state', 'data', 'atm', 'attempts')
  if f[1] == batchId and (f[2] == 'waiting' or f[2] == 'delayed' or f[2] == 'active') then
    redis.call('HSET', key, 'state', 'active')
    ids[#ids + 1] = id
    claimed[#claimed + 1] = id
    claimed[#claimed + 1] = f[3]
    claimed[#claimed + 1] = f[4] or '0'
    claimed[#claimed + 1] = f[5] or '1'
  end
end
if #ids == 1 then
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxLen, '*', 'event', 'active', 'jobId', ids[1])
elseif #ids > 1 then
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxLen, '*', 'event', 'courier:active-many', 'jobIds', table.concat(ids, ','))
end
return claimed
