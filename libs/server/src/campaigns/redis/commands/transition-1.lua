--[[
  Compare-and-set on a campaign's state and current wave: the fields are written only when
  both still hold what the caller saw (two servers on one Redis can't both release a wave, or
  complete a campaign another has just aborted).

  Input:
    KEYS[1] the campaign's hash
    ARGV[1] expected state
    ARGV[2] expected wave index
    ARGV[3…] field, value, field, value … to set

  Output:
     1  applied
     0  the state or wave had changed (nothing written)
    -1  no such campaign
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
local current = redis.call('HMGET', KEYS[1], 'state', 'wave')
if current[1] ~= ARGV[1] or current[2] ~= ARGV[2] then
  return 0
end
if #ARGV > 2 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 3))
end
return 1
