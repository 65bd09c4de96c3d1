--[[
  Stores a job's credential headers beside it, only if none are stored yet: a duplicate enqueue
  (same idempotency key) must not replace the credentials of the job that already exists.

  Input:
    KEYS[1] secrets key: hash with one field, `headers` (JSON [name, value] pairs)

    ARGV[1] the JSON
    ARGV[2] TTL, milliseconds (the job retention: the hash never outlives its job for long)

  Output:
     1  stored
     0  already there (left as it was)
    -4  bad arguments
]]
local ttl = tonumber(ARGV[2])
if not ttl or ttl <= 0 then
  return -4
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'headers', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
