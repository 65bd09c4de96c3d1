--[[
  Records the outcomes of requests of batch jobs, the moment they are known (a worker's outcomes
  of one event-loop turn in one call), so a worker killed mid-batch loses none of the requests
  that finished. Only a request still unfinished changes (a cancel and a result racing: the first
  one wins), and only from the batch that owns it (a stale delivery of an older batch changes
  nothing).

  Input:
    KEYS[1] the queue's event stream
    ARGV[1] job key prefix (`<prefix>:<queue>:`)
    ARGV[2] now, epoch milliseconds
    ARGV[3] event stream length bound (approximate)
    ARGV[4..] per request, 7 values:
      id
      outcome: completed | failed | cancelled | retry
      completed: the result (JSON); otherwise the error (failedReason encoding)
      finished: keep the record this long, milliseconds; retry: the delay, milliseconds
      attempts made (after this one; ignored for cancelled)
      the batch job that ran it ('' = any: an operator's cancel)
      retry: the error as a JSON object (for the `courier:retrying` event); otherwise ''

  Output: per request, 1 when recorded, 0 when it was gone, finished or not this batch's
]]
local events, jobPrefix, now, maxLen = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local recorded = {}

for i = 4, #ARGV, 7 do
  local id, outcome, value, ms, attempts, owner = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]), ARGV[i + 4], ARGV[i + 5]
  local key = jobPrefix .. id
  local f = redis.call('HMGET', key, 'state', 'batch', 'failedReason')
  local state = f[1]
  local ok = state and state ~= 'completed' and state ~= 'failed' and state ~= 'cancelled' and (owner == '' or f[2] == owner)
  if not ok then
    recorded[#recorded + 1] = 0
  else
    if outcome == 'completed' then
      redis.call('HSET', key, 'state', 'completed', 'returnvalue', value, 'finishedOn', now, 'atm', attempts)
      if f[3] then
        redis.call('HDEL', key, 'failedReason')
      end
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
      redis.call('XADD', events, 'MAXLEN', '~', maxLen, '*', 'event', 'courier:retrying', 'jobId', id, 'error', ARGV[i + 6], 'delay', ms)
    else
      return redis.error_reply('finishBatchMembers: unknown outcome ' .. tostring(outcome))
    end
    recorded[#recorded + 1] = 1
  end
end
return recorded
