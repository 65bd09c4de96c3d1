--[[
  GCRA (the generic cell rate algorithm, a token bucket kept as one number): the key holds the
  theoretical arrival time (TAT) of the next request, in epoch milliseconds.

  rateKey   the key of the TAT
  rps       requests per second (> 0)
  burst     requests allowed back to back above the rate (>= 1)
  nowMs     current time, epoch milliseconds
  commit    when false, only checks (nothing is written)

  Returns 0 when a request may start now (recorded when commit), else the wait in milliseconds.
]]
local function takeRateToken(rateKey, rps, burst, nowMs, commit)
  local interval = 1000 / rps
  local tat = tonumber(redis.call('GET', rateKey)) or nowMs
  if tat < nowMs then tat = nowMs end
  local allowAt = tat - interval * (burst - 1)
  if allowAt > nowMs then
    return math.ceil(allowAt - nowMs)
  end
  if commit then
    local newTat = tat + interval
    -- The key outlives the debt it records by a second, then disappears.
    redis.call('SET', rateKey, tostring(newTat), 'PX', math.ceil(newTat - nowMs) + 1000)
  end
  return 0
end
