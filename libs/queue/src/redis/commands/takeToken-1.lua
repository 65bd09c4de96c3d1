--[[
  Requests-per-second limit alone (no concurrency slot): takes a rate token if one is due.

  Input:
    KEYS[1] rate key: the GCRA theoretical arrival time (epoch milliseconds)

    ARGV[1] rate limit, requests per second (> 0)
    ARGV[2] burst, requests (>= 1)

  Output: { code, value }
    {  1, 0 }   token taken: the request may start now
    { -2, ms }  rate limit reached: retry in ms milliseconds
    { -4, 0 }   bad arguments
]]
--- @include "includes/redisNowMs"
--- @include "includes/takeRateToken"

local rps = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
if not rps or not burst or rps <= 0 or burst < 1 then
  return { -4, 0 }
end
local wait = takeRateToken(KEYS[1], rps, burst, redisNowMs(), true)
if wait > 0 then
  return { -2, wait }
end
return { 1, 0 }
