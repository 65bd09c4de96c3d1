--[[
  Takes a concurrency slot on an origin and, when a rate is set, a rate token — both or neither.
  Expired leases (their worker died or stalled past the TTL) are dropped first: that is how a
  killed worker's slot comes back.

  Input:
    KEYS[1] leases key: sorted set, member = lease token, score = expiry (epoch milliseconds)
    KEYS[2] rate key: the GCRA theoretical arrival time (epoch milliseconds)
    KEYS[3] parked key: list of ids of jobs parked on the origin (only its length is read)

    ARGV[1] lease token (unique per acquisition; proves ownership on renew and release)
    ARGV[2] concurrency limit, slots (0 = no limit: no lease is taken)
    ARGV[3] lease TTL, milliseconds
    ARGV[4] rate limit, requests per second (0 = no limit)
    ARGV[5] burst, requests (>= 1)

  Output: { code, value }
    {  1, n, h }  acquired; n jobs are parked on the origin (waiting for a slot), h leases are
                  held on it now, this one included ({ 1, 0 } when ARGV[2] = 0: no lease taken).
                  A worker keeps a lease for its next job only when nobody waits and every other
                  lease is its own.
    { -1, n }   concurrency limit reached: n leases held
    { -2, ms }  rate limit reached: retry in ms milliseconds
    { -4, 0 }   bad arguments
]]
--- @include "includes/redisNowMs"
--- @include "includes/takeRateToken"
--- @include "includes/extendLeaseKey"

local leasesKey = KEYS[1]
local rateKey = KEYS[2]
local token = ARGV[1]
local concurrency = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local rps = tonumber(ARGV[4])
local burst = tonumber(ARGV[5])

if not concurrency or not ttl or not rps or not burst or concurrency < 0 or ttl <= 0 or rps < 0 or burst < 1 then
  return { -4, 0 }
end

local now = redisNowMs()
local held = 0

if concurrency > 0 then
  redis.call('ZREMRANGEBYSCORE', leasesKey, '-inf', now)
  held = redis.call('ZCARD', leasesKey)
  if held >= concurrency then
    return { -1, held }
  end
end

if rps > 0 then
  local wait = takeRateToken(rateKey, rps, burst, now, true)
  if wait > 0 then
    return { -2, wait }
  end
end

if concurrency > 0 then
  redis.call('ZADD', leasesKey, now + ttl, token)
  extendLeaseKey(leasesKey)
  return { 1, redis.call('LLEN', KEYS[3]), held + 1 }
end
return { 1, 0 }
