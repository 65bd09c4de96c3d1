--[[
  Releases a download lock, only for its owner (a lock that expired and was taken by another
  process is left alone).

  Input:
    KEYS[1] lock key
    ARGV[1] owner token

  Output:
    1  released
    0  not the owner: nothing done
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
