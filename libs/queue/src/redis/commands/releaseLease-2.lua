--[[
  Gives a slot back and, in the same call, pops the oldest job parked on the origin: the caller
  wakes it. Doing the pop here saves every release a round trip when nothing is parked (the
  common case). Only the token's owner can release the slot (the token is the member); the pop
  happens either way, since a parked job may wait on a slot that expired rather than was released.

  Input:
    KEYS[1] leases key: sorted set, member = lease token, score = expiry (epoch milliseconds)
    KEYS[2] parked key: list of ids of jobs parked on the origin, oldest first

    ARGV[1] lease token

  Output: { code, parkedJobId }
    {  1, id }  released; id = the popped parked job id, or '' when none was parked
    { -3, id }  lease missing (expired, and perhaps already taken by another worker); id as above
]]
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
local parked = redis.call('LPOP', KEYS[2]) or ''
if removed == 1 then
  return { 1, parked }
end
return { -3, parked }
