--[[
  Records a device's outcome once, and counts it in its wave.

  Input:
    KEYS[1] the campaign's hash (its counters live there as `w<wave>:<outcome>`)
    KEYS[2] the campaign's outcomes hash (device index → encoded outcome)
    ARGV[1] device index
    ARGV[2] wave index
    ARGV[3] encoded outcome (`completed`, `cancelled`, `failed:<CODE>`)
    ARGV[4] counter name: `completed`, `failed` or `cancelled`

  Output:
     1  recorded (the wave's counter moved)
     0  the device already had an outcome (nothing changed)
    -1  no such campaign
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[3]) == 0 then
  return 0
end
redis.call('HINCRBY', KEYS[1], 'w' .. ARGV[2] .. ':' .. ARGV[4], 1)
return 1
