--[[
  The queue's depth ledger: one hash, job id -> "<payload bytes>:<reserved at, epoch ms>", with
  one entry per unfinished job (waiting, delayed, active), and a counter of their bytes. HLEN is
  the job count; the counter the bytes. Every change to both happens inside one script, so many
  API servers share one exact bound (Redis runs scripts one at a time).
]]

-- Drops a job's entry and its bytes; 1 when it was there (so a second release is a no-op).
local function dropEntry(ledgerKey, bytesKey, id)
  local entry = redis.call('HGET', ledgerKey, id)
  if not entry then
    return 0
  end
  redis.call('HDEL', ledgerKey, id)
  local bytes = tonumber(string.match(entry, '^(%d+)')) or 0
  if bytes > 0 then
    local left = redis.call('DECRBY', bytesKey, bytes)
    if left < 0 then
      redis.call('SET', bytesKey, 0)
    end
  end
  return 1
end

-- True when the job under `jobKey` is finished (BullMQ sets `finishedOn`) or gone (removed).
local function jobIsDone(jobKey)
  if redis.call('EXISTS', jobKey) == 0 then
    return true
  end
  return redis.call('HEXISTS', jobKey, 'finishedOn') == 1
end
