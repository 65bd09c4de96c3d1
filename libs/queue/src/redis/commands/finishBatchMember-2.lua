--[[
  Records the outcome of one request of a batch job, the moment it is known, so a worker killed
  mid-batch loses none of the requests that finished. Only a request still unfinished changes (a
  cancel and a result racing: the first one wins), and only from the batch that owns it (a
  stale delivery of an older batch changes nothing).

  Input:
    KEYS[1] the request's hash (`<prefix>:<queue>:<id>`)
    KEYS[2] the queue's event stream
    ARGV[1] outcome: completed | failed | cancelled | retry
    ARGV[2] completed: the result (JSON); otherwise the error (failedReason encoding)
    ARGV[3] now, epoch milliseconds
    ARGV[4] finished: keep the record this long, milliseconds; retry: the delay, milliseconds
    ARGV[5] attempts made (after this one; ignored for cancelled)
    ARGV[6] the batch job that ran it ('' = any: an operator's cancel)
    ARGV[7] event stream length bound (approximate)
    ARGV[8] retry: the error as a JSON object (for the `courier:retrying` event)

  Output: 1 when recorded, 0 when the request was gone, finished or not this batch's
]]
local key, events = KEYS[1], KEYS[2]
local outcome, value, now, ms, attempts = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local owner, maxLen = ARGV[6], ARGV[7]

local f = redis.call('HMGET', key, 'state', 'batch')
local state = f[1]
if not state or state == 'completed' or state == 'failed' or state == 'cancelled' then
  return 0
end
if owner ~= '' and f[2] ~= owner then
  return 0
end
local id = string.sub(key, #key - string.find(string.reverse(key), ':', 1, true) + 2)

if outcome == 'completed' then
  redis.call('HSET', key, 'state', 'completed', 'returnvalue', value, 'finishedOn', now, 'atm', attempts)
  redis.call('HDEL', key, 'failedReason')
  redis.call('PEXPIRE', key, math.max(1, ms))
  redis.call('XADD', events, 'MAXLEN', '~', maxLen, '*', 'event', 'completed', 'jobId', id, 'returnvalue', value)
elseif outcome == 'failed' then
  redis.call('HSET', key, 'state', 'failed', 'failedReason', value, 'finishedOn', now, 'atm', attempts)
  redis.call('PEXPIRE', key, math.max(1, ms))
  redis.call('XADD', events, 'MAXLEN', '~', maxLen, '*', 'event', 'failed', 'jobId', id, 'failedReason', value)
elseif outcome == 'cancelled' then
  redis.call('HSET', key, 'state', 'cancelled', 'failedReason', value, 'finishedOn', now)
  redis.call('PEXPIRE', key, math.max(1, ms))
  redis.call('XADD', events, 'MAXLEN', '~', maxLen, '*', 'event', 'courier:cancelled', 'jobId', id)
elseif outcome == 'retry' then
  -- Retried by the same batch job after the delay (on a re-delivery too: the state says so).
  redis.call('HSET', key, 'state', 'delayed', 'failedReason', value, 'atm', attempts)
  redis.call('XADD', events, 'MAXLEN', '~', maxLen, '*', 'event', 'courier:retrying', 'jobId', id, 'error', ARGV[8], 'delay', ms)
else
  return redis.error_reply('finishBatchMember: unknown outcome ' .. tostring(outcome))
end
return 1
