--[[
  The queue's depth ledger: one hash, job id -> "<payload bytes>:<reserved at, epoch ms>", with
  one entry per unfinished job (waiting, delayed, active), and a counter of their bytes. HLEN is
  the job count; the counter the bytes. Every change to both happens inside one script, so many
  API servers share one exact bound (Redis runs scripts one at a time).
]]

-- Drops a job's entry: true and its bytes when it was there, false when not (a second release
-- is a no-op). The caller takes the sum off the counter once, with `takeBytes`.
local function dropEntry(ledgerKey, id)
  local entry = redis.call('HGET', ledgerKey, id)
  if not entry then
    return false, 0
  end
  redis.call('HDEL', ledgerKey, id)
  return true, tonumber(string.match(entry, '^(%d+)')) or 0
end

local function takeBytes(bytesKey, bytes)
  if bytes > 0 and redis.call('DECRBY', bytesKey, bytes) < 0 then
    redis.call('SET', bytesKey, 0)
  end
end

-- BullMQ's job hash: 'finished' (it has `finishedOn`), 'gone' (removed) or 'queued'. One read.
local function jobStatus(jobKey)
  local fields = redis.call('HMGET', jobKey, 'finishedOn', 'timestamp')
  if fields[1] then
    return 'finished'
  end
  if not fields[2] then
    return 'gone'
  end
  return 'queued'
end
