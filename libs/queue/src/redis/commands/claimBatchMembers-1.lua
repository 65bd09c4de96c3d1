--[[
  A worker starts a batch job: the requests still waiting for this batch become active (one
  `active` event each) and come back with what the worker needs to run them. Requests that
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
local claimed = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local key = jobPrefix .. id
  local f = redis.call('HMGET', key, 'batch', 'state', 'data', 'atm', 'attempts')
  if f[1] == batchId and (f[2] == 'waiting' or f[2] == 'delayed' or f[2] == 'active') then
    redis.call('HSET', key, 'state', 'active')
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxLen, '*', 'event', 'active', 'jobId', id, 'prev', f[2])
    claimed[#claimed + 1] = id
    claimed[#claimed + 1] = f[3]
    claimed[#claimed + 1] = f[4] or '0'
    claimed[#claimed + 1] = f[5] or '1'
  end
end
return claimed
