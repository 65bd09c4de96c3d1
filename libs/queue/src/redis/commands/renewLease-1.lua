--[[
  Extends a lease held by its owner. A lease that already expired is not brought back: its
  slot may have gone to another worker.

  Input:
    KEYS[1] leases key: sorted set, member = lease token, score = expiry (epoch milliseconds)

    ARGV[1] lease token
    ARGV[2] lease TTL from now, milliseconds

  Output:
     1  renewed
    -3  lease missing (expired or released)
    -4  bad arguments
]]
--- @include "includes/redisNowMs"
--- @include "includes/extendLeaseKey"

local leasesKey = KEYS[1]
local token = ARGV[1]
local ttl = tonumber(ARGV[2])
if not ttl or ttl <= 0 then
  return -4
end

local now = redisNowMs()
local expiry = tonumber(redis.call('ZSCORE', leasesKey, token))
if not expiry or expiry <= now then
  redis.call('ZREM', leasesKey, token)
  return -3
end
redis.call('ZADD', leasesKey, 'XX', now + ttl, token)
extendLeaseKey(leasesKey)
return 1
