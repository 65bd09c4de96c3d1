--[[
  Gives a slot back. Only the token's owner can release it (the token is the member).

  Input:
    KEYS[1] leases key: sorted set, member = lease token, score = expiry (epoch milliseconds)

    ARGV[1] lease token

  Output:
     1  released
    -3  lease missing (expired, and perhaps already taken by another worker)
]]
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if removed == 1 then
  return 1
end
return -3
