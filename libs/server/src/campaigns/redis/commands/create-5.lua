--[[
  Creates a campaign atomically, or does nothing when its id is taken. The device list was
  written beforehand under a temporary key (too large for one call's arguments); it is renamed
  into place here, or deleted when the id is taken.

  Input:
    KEYS[1] the campaign's hash
    KEYS[2] the temporary device list
    KEYS[3] the campaign's device list
    KEYS[4] the index (sorted set: id → creation time)
    KEYS[5] the set of unsettled campaigns
    ARGV[1] campaign id
    ARGV[2] creation time, epoch milliseconds
    ARGV[3…] field, value … of the campaign's hash

  Output:
     1  created
     0  the id is taken (the temporary list is deleted)
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('DEL', KEYS[2])
  return 0
end
redis.call('RENAME', KEYS[2], KEYS[3])
-- The temporary list carried a TTL (in case this call never came); RENAME keeps it.
redis.call('PERSIST', KEYS[3])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[1])
return 1
