--[[
  Acquire-many: takes up to k concurrency slots on an origin in one call (a batch job's requests
  to that origin), and a rate token for each when a rate is set. Never more than the limit: it
  grants min(k, limit - held) slots, fewer when the rate runs out first, or none.
  Expired leases are dropped first, as in acquireSlot.

  Input:
    KEYS[1] leases key: sorted set, member = lease token, score = expiry (epoch milliseconds)
    KEYS[2] rate key: the GCRA theoretical arrival time (epoch milliseconds)
    KEYS[3] parked key: list of ids of jobs parked on the origin (only its length is read)

    ARGV[1] lease token stem: the i-th lease's token is "<stem>#<i>" (unique per acquisition)
    ARGV[2] slots wanted, k (>= 1)
    ARGV[3] concurrency limit, slots (0 = no limit: no lease is taken, only rate tokens)
    ARGV[4] lease TTL, milliseconds
    ARGV[5] rate limit, requests per second (0 = no limit)
    ARGV[6] burst, requests (>= 1)

  Output: { code, value, held }
    {  n, p, h }  n >= 1 slots granted (tokens "<stem>#1" … "<stem>#n"; none when ARGV[3] = 0);
                  p jobs parked on the origin, h leases held on it now, these included
    { -1, h }     concurrency limit reached: h leases held
    { -2, ms }    rate limit reached: retry in ms milliseconds
    { -4, 0 }     bad arguments
]]
--- @include "includes/redisNowMs"
--- @include "includes/takeRateToken"
--- @include "includes/extendLeaseKey"

local leasesKey = KEYS[1]
local rateKey = KEYS[2]
local stem = ARGV[1]
local wanted = tonumber(ARGV[2])
local concurrency = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local rps = tonumber(ARGV[5])
local burst = tonumber(ARGV[6])

if not wanted or not concurrency or not ttl or not rps or not burst or wanted < 1 or concurrency < 0 or ttl <= 0 or rps < 0 or burst < 1 then
  return { -4, 0 }
end

local now = redisNowMs()
local held = 0
local grant = wanted

if concurrency > 0 then
  redis.call('ZREMRANGEBYSCORE', leasesKey, '-inf', now)
  held = redis.call('ZCARD', leasesKey)
  if held >= concurrency then
    return { -1, held }
  end
  grant = math.min(wanted, concurrency - held)
end

if rps > 0 then
  local tokens = 0
  while tokens < grant do
    local wait = takeRateToken(rateKey, rps, burst, now, true)
    if wait > 0 then
      if tokens == 0 then
        return { -2, wait }
      end
      break
    end
    tokens = tokens + 1
  end
  grant = tokens
end

if concurrency > 0 then
  for i = 1, grant do
    redis.call('ZADD', leasesKey, now + ttl, stem .. '#' .. i)
  end
  extendLeaseKey(leasesKey)
  return { grant, redis.call('LLEN', KEYS[3]), held + grant }
end
return { grant, 0, 0 }
