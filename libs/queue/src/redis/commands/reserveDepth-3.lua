--[[
  Reserves room in the queue for new jobs, all or none: the depth bound in jobs and in payload
  bytes is checked and taken in one step, so two producers can never both pass at the edge.
  When the bound would be exceeded, up to `sweep` ledger entries are checked first and those of
  jobs that finished or vanished without a release (a worker died in between) are dropped: the
  ledger heals itself exactly when it matters. At most one sweep per interval, so a flood of
  refused enqueues costs Redis no more than accepted ones.

  Input:
    KEYS[1] ledger key: hash, job id -> "<bytes>:<reserved at ms>"
    KEYS[2] bytes key: the sum of the ledger's bytes
    KEYS[3] sweep key: hash, `cursor` (HSCAN cursor of the self-healing sweep) and `at` (its
            last run, epoch milliseconds)

    ARGV[1] most jobs (0 = do not check: an operator's retry is accounted, never refused)
    ARGV[2] most bytes (0 = do not check)
    ARGV[3] entries to check per sweep
    ARGV[4] job key prefix (`<prefix>:<queue>:`)
    ARGV[5] grace, milliseconds: an entry whose job does not exist yet is kept this long (the
            add follows the reservation)
    ARGV[6] sweep interval, milliseconds (at most one sweep per interval)
    ARGV[7..] id, bytes, id, bytes, ... (bytes: the job's payload bytes)

  Output: { code, jobs, bytes }
    { 1, jobs, bytes }  reserved; jobs and bytes held now, these included
    { 0, jobs, bytes }  refused (QUEUE_FULL); jobs and bytes held now
    { -4, 0, 0 }        bad arguments
]]
--- @include "includes/redisNowMs"
--- @include "includes/depthLedger"

local ledgerKey, bytesKey, cursorKey = KEYS[1], KEYS[2], KEYS[3]
local maxJobs, maxBytes, sweep = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local jobPrefix, graceMs, sweepEveryMs = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
if not maxJobs or not maxBytes or not sweep or not graceMs or not sweepEveryMs or (#ARGV - 6) % 2 ~= 0 then
  return { -4, 0, 0 }
end

-- The caller sends only ids it found free (a racing producer's same key is rare: counted twice
-- for this check at worst, never stored twice).
local addJobs, addBytes = (#ARGV - 6) / 2, 0
for i = 8, #ARGV, 2 do
  local bytes = tonumber(ARGV[i])
  if not bytes or bytes < 0 then
    return { -4, 0, 0 }
  end
  addBytes = addBytes + bytes
end

local function held()
  return redis.call('HLEN', ledgerKey), tonumber(redis.call('GET', bytesKey) or '0')
end

local function fits(jobs, bytes)
  return (maxJobs == 0 or jobs + addJobs <= maxJobs) and (maxBytes == 0 or bytes + addBytes <= maxBytes)
end

local now = redisNowMs()
local jobs, bytes = held()
local lastSweep = tonumber(redis.call('HGET', cursorKey, 'at') or '0')
if not fits(jobs, bytes) and sweep > 0 and now - lastSweep >= sweepEveryMs then
  local cursor = redis.call('HGET', cursorKey, 'cursor') or '0'
  local reply = redis.call('HSCAN', ledgerKey, cursor, 'COUNT', sweep)
  redis.call('HSET', cursorKey, 'cursor', reply[1], 'at', now)
  local entries, dropped = reply[2], 0
  for i = 1, #entries, 2 do
    local id, entry = entries[i], entries[i + 1]
    local status = jobStatus(jobPrefix .. id)
    local reservedAt = tonumber(string.match(entry, ':(%d+)$')) or 0
    if status == 'finished' or (status == 'gone' and now - reservedAt > graceMs) then
      local _, entryBytes = dropEntry(ledgerKey, id)
      dropped = dropped + entryBytes
    end
  end
  takeBytes(bytesKey, dropped)
  jobs, bytes = held()
end
if not fits(jobs, bytes) then
  return { 0, jobs, bytes }
end

local added = 0
for i = 7, #ARGV, 2 do
  if redis.call('HSETNX', ledgerKey, ARGV[i], ARGV[i + 1] .. ':' .. now) == 1 then
    added = added + tonumber(ARGV[i + 1])
  end
end
if added > 0 then
  redis.call('INCRBY', bytesKey, added)
end
return { 1, jobs + addJobs, bytes + added }
