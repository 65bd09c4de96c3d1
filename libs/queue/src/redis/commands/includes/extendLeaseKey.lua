--[[
  Keeps the lease set alive until its latest lease expires (then Redis drops the whole key,
  so idle origins leave nothing behind).

  leasesKey  sorted set: member = lease token, score = expiry (epoch milliseconds)
]]
local function extendLeaseKey(leasesKey)
  local last = redis.call('ZRANGE', leasesKey, -1, -1, 'WITHSCORES')
  if last[2] then
    redis.call('PEXPIREAT', leasesKey, math.ceil(tonumber(last[2])))
  end
end
