--[[
  Records the outcomes of requests of batch jobs, the moment they are known (a worker's outcomes
  that arrive while its previous call is in flight go in one call), so a worker killed mid-batch
  loses none of the requests that finished. Only a request still unfinished changes (a cancel and
  a result racing: the first one wins), and only from the batch that owns it (a stale delivery of
  an older batch changes nothing). A request finished for good gives its room in the queue's depth
  ledger back in the same call.

  Events: failed, cancelled and retried requests get one event each, as plain jobs do. Completed
  ones share one `courier:completed-many` event per call (`jobIds`, comma-separated, and
  `returnvalues`, a JSON array in the same order); the queue's event reader hands it on as one
  `completed` event per request (bullmq-driver.ts), so callers see what they see of plain jobs,
  while Redis appends one stream entry per call instead of one per request. A single completion
  is written as BullMQ's own `completed` event.

  Input:
    KEYS[1] the queue's event stream
    KEYS[2] the depth ledger (hash, job id -> "<bytes>:<reserved at ms>")
    KEYS[3] the depth ledger's byte counter
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
--- @include "includes/depthLedger"

local events, ledgerKey, bytesKey = KEYS[1], KEYS[2], KEYS[3]
local jobPrefix, now, maxLen = ARGV[1], ARGV[2], ARGV[3]
local recorded = {}
local completedIds, completedValues = {}, {}
local freedBytes = 0

for i = 4, #ARGV, 7 do
  local id, outcome, value, ms, attempts, owner = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]), ARGV[i + 4], ARGV[i + 5]
  local key = jobPrefix .. id
  local f = redis.call('HMGET', key, 'state', 'batch', 'failedReason', 'dbytes')
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
      completedIds[#completedIds + 1] = id
      completedValues[#completedValues + 1] = value
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
    if outcome ~= 'retry' then
      -- The entry's bytes were stored with the request (`dbytes`): one HDEL, no read of the entry.
      local entryBytes = tonumber(f[4])
      if entryBytes then
        if redis.call('HDEL', ledgerKey, id) == 1 then
          freedBytes = freedBytes + entryBytes
        end
      else
        local present, bytes = dropEntry(ledgerKey, id)
        if present then
          freedBytes = freedBytes + bytes
        end
      end
    end
    recorded[#recorded + 1] = 1
  end
end

takeBytes(bytesKey, freedBytes)
if #completedIds == 1 then
  redis.call('XADD', events, 'MAXLEN', '~', maxLen, '*', 'event', 'completed', 'jobId', completedIds[1], 'returnvalue', completedValues[1])
elseif #completedIds > 1 then
  redis.call('XADD', events, 'MAXLEN', '~', maxLen, '*', 'event', 'courier:completed-many', 'jobIds', table.concat(completedIds, ','),
    'returnvalues', '[' .. table.concat(completedValues, ',') .. ']')
end
return recorded
