--[[
  Gives back the room of jobs that left the queue. Idempotent per job (the entry goes once), so
  every worker and producer may report the same job. Without `force`, a job is released only if
  it is finished or gone: a job that failed and will be retried is still queued and keeps its room.

  Input:
    KEYS[1] ledger key: hash, job id -> "<bytes>:<reserved at ms>"
    KEYS[2] bytes key: the sum of the ledger's bytes

    ARGV[1] 1 = release whatever the job's state (removed by the caller, or never added)
    ARGV[2] job key prefix (`<prefix>:<queue>:`)
    ARGV[3..] job ids (the bytes taken off the counter come from their entries; the entries'
              reservation time, in epoch milliseconds, only matters to the reserve sweep)

  Output: the number of entries released
]]
--- @include "includes/depthLedger"

local ledgerKey, bytesKey = KEYS[1], KEYS[2]
local force, jobPrefix = ARGV[1] == '1', ARGV[2]
local released, bytes = 0, 0
for i = 3, #ARGV do
  local id = ARGV[i]
  if force or jobStatus(jobPrefix .. id) ~= 'queued' then
    local present, entryBytes = dropEntry(ledgerKey, id)
    if present then
      released = released + 1
      bytes = bytes + entryBytes
    end
  end
end
takeBytes(bytesKey, bytes)
return released
