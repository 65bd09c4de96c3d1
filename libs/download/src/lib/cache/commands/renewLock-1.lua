--[[
  Extends a download lock, only for its owner.

  Input:
    KEYS[1] lock key
    ARGV[1] owner token
    ARGV[2] new lifetime, in milliseconds

  Output:
    1  renewed
    0  not the owner (expired, or taken by another process): stop using the lock
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
