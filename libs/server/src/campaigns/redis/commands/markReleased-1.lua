--[[
  Raises a wave's count of enqueued devices (never lowers it: a slower server's older figure
  must not make the release start again over jobs retention may have removed), and sets the
  wave's release time the first time.

  Input:
    KEYS[1] the campaign's hash
    ARGV[1] wave index
    ARGV[2] devices of the wave enqueued so far
    ARGV[3] now, epoch milliseconds

  Output:
    the wave's released count after the call; -1 when there is no such campaign
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
local field = 'w' .. ARGV[1] .. ':released'
local released = tonumber(redis.call('HGET', KEYS[1], field) or '0')
local asked = tonumber(ARGV[2])
if asked > released then
  redis.call('HSET', KEYS[1], field, asked)
  released = asked
end
redis.call('HSETNX', KEYS[1], 'w' .. ARGV[1] .. ':releasedAt', ARGV[3])
return released
