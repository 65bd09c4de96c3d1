--[[
  The server's clock in epoch milliseconds: every worker compares lease expiries and rate
  arrival times against the same clock, whatever the drift between their machines.
]]
local function redisNowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
