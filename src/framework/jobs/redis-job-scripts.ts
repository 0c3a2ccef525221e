/**
 * The Lua scripts of the Redis job store (redis-job-store.ts). Each runs atomically on the
 * server, so a conditional transition, its index moves and the retention it triggers are one
 * step for every process sharing the database. Keys are built from the prefix passed as
 * ARGV[1]: `<p>j:<id>` a job's hash, `<p>i:<task>:<state>` a sorted set of a task's jobs in one
 * state scored by updatedAt, `<p>tasks` the task names, `<p>paused`, `<p>r:<key>` a rate window.
 * ARGV[2] and ARGV[3] are the retention count and age cutoff (ms since the epoch).
 */

/** Shared by the writing scripts: final states, and retention of one task and final state. */
const PRELUDE = `
local P = ARGV[1]
local KEEP = tonumber(ARGV[2])
local CUTOFF = ARGV[3]
local FINAL = { completed = true, failed = true, dead = true, cancelled = true }
local BATCH = 1000
local function index(task, state) return P .. 'i:' .. task .. ':' .. state end
-- Drops the oldest beyond KEEP and those last updated before CUTOFF, at most BATCH of each;
-- returns 1 when more may be left.
local function prune(task, state)
  local set = index(task, state)
  local over = redis.call('ZCARD', set) - KEEP
  if over > BATCH then over = BATCH end
  if over > 0 then
    for _, id in ipairs(redis.call('ZRANGE', set, 0, over - 1)) do redis.call('DEL', P .. 'j:' .. id) end
    redis.call('ZREMRANGEBYRANK', set, 0, over - 1)
  end
  local stale = redis.call('ZRANGEBYSCORE', set, '-inf', '(' .. CUTOFF, 'LIMIT', 0, BATCH)
  for _, id in ipairs(stale) do redis.call('DEL', P .. 'j:' .. id) end
  if #stale > 0 then redis.call('ZREM', set, unpack(stale)) end
  if over == BATCH or #stale == BATCH then return 1 end
  return 0
end
`;

/**
 * ARGV[4..]: id, task, state, createdAt, updatedAt, dedup window (-1: forever), then the
 * record's field/value pairs. Returns {1} when inserted, else {0, existing hash}.
 */
export const CREATE = `${PRELUDE}
local id, task, state = ARGV[4], ARGV[5], ARGV[6]
local key = P .. 'j:' .. id
local cur = redis.call('HMGET', key, 'task', 'state', 'createdAt')
if cur[2] then
  local window = tonumber(ARGV[9])
  if not FINAL[cur[2]] or window < 0 or tonumber(cur[3]) + window > tonumber(ARGV[7]) then
    return { 0, redis.call('HGETALL', key) }
  end
  redis.call('ZREM', index(cur[1], cur[2]), id)
  redis.call('DEL', key)
end
redis.call('HSET', key, unpack(ARGV, 10))
redis.call('ZADD', index(task, state), ARGV[8], id)
redis.call('SADD', P .. 'tasks', task)
if FINAL[state] then prune(task, state) end
return { 1 }
`;

/**
 * ARGV[4..]: id, allowed states joined by commas ('' any), attempt ('' any), the number of
 * field/value pairs to set, those pairs, then the fields to delete. Returns the updated hash,
 * or false when the job is unknown or the condition does not hold.
 */
export const UPDATE = `${PRELUDE}
local id, from, attempt = ARGV[4], ARGV[5], ARGV[6]
local key = P .. 'j:' .. id
local cur = redis.call('HMGET', key, 'task', 'state', 'attempts')
if not cur[2] then return false end
if from ~= '' and not string.find(',' .. from .. ',', ',' .. cur[2] .. ',', 1, true) then return false end
if attempt ~= '' and cur[3] ~= attempt then return false end
local sets = tonumber(ARGV[7])
if sets > 0 then redis.call('HSET', key, unpack(ARGV, 8, 7 + 2 * sets)) end
if #ARGV > 7 + 2 * sets then redis.call('HDEL', key, unpack(ARGV, 8 + 2 * sets)) end
local now = redis.call('HMGET', key, 'state', 'updatedAt')
if now[1] ~= cur[2] then redis.call('ZREM', index(cur[1], cur[2]), id) end
redis.call('ZADD', index(cur[1], now[1]), now[2], id)
local record = redis.call('HGETALL', key)
if FINAL[now[1]] then prune(cur[1], now[1]) end
return record
`;

/** ARGV[4]: id. */
export const DELETE = `${PRELUDE}
local key = P .. 'j:' .. ARGV[4]
local cur = redis.call('HMGET', key, 'task', 'state')
if cur[2] then redis.call('ZREM', index(cur[1], cur[2]), ARGV[4]) end
redis.call('DEL', key)
return 1
`;

/** ARGV[4]: task. Applies retention to each of its final states; returns 1 when more is left. */
export const PRUNE_TASK = `${PRELUDE}
local more = 0
for state in pairs(FINAL) do
  if prune(ARGV[4], state) == 1 then more = 1 end
end
return more
`;

/**
 * ARGV[2..]: task, state ('' all), offset, limit, then every state. The task's jobs newest
 * first as hashes, read in one step (a job moving meanwhile is never listed twice).
 */
export const LIST = `
local P, task, state = ARGV[1], ARGV[2], ARGV[3]
local offset, limit = tonumber(ARGV[4]), tonumber(ARGV[5])
local function index(s) return P .. 'i:' .. task .. ':' .. s end
local picked = {}
if limit <= 0 then return {} end
if state ~= '' then
  picked = redis.call('ZREVRANGE', index(state), offset, offset + limit - 1)
else
  -- The newest offset + limit of each state, merged by score.
  local all = {}
  for i = 6, #ARGV do
    local scored = redis.call('ZREVRANGE', index(ARGV[i]), 0, offset + limit - 1, 'WITHSCORES')
    for j = 1, #scored, 2 do all[#all + 1] = { scored[j], tonumber(scored[j + 1]) } end
  end
  table.sort(all, function(a, b) return a[2] > b[2] end)
  for i = offset + 1, math.min(#all, offset + limit) do picked[#picked + 1] = all[i][1] end
end
local out = {}
for _, id in ipairs(picked) do out[#out + 1] = redis.call('HGETALL', P .. 'j:' .. id) end
return out
`;

/** ARGV[2..]: task, then every state. The size of each state's index, in that order. */
export const COUNTS = `
local out = {}
for i = 3, #ARGV do out[#out + 1] = redis.call('ZCARD', ARGV[1] .. 'i:' .. ARGV[2] .. ':' .. ARGV[i]) end
return out
`;

/**
 * ARGV[2..]: key, max, per (ms). A fixed window timed by the server's clock (machines with
 * skewed clocks share windows): 0 when a slot was taken, else the ms left in the window.
 */
export const ACQUIRE = `
local key, max, per = ARGV[1] .. 'r:' .. ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local start = tonumber(redis.call('HGET', key, 'start'))
if not start or start + per <= now then
  redis.call('HSET', key, 'start', now, 'count', 1)
  redis.call('PEXPIRE', key, per)
  return 0
end
if redis.call('HINCRBY', key, 'count', 1) <= max then return 0 end
return math.max(1, start + per - now)
`;

/**
 * Groups (client.group): `<p>g:<id>` a hash with `meta` (JSON: members, callback, failure
 * policy, createdAt), `size`, `remaining`, `failures`, `updatedAt` and `o:<i>` per ended member
 * (its outcome's JSON, kept as the client wrote it); `<p>groups:ended` a sorted set of ended
 * groups by updatedAt, for retention.
 */
const GROUP_PRELUDE = `${PRELUDE}
local ENDED = P .. 'groups:ended'
local function pruneGroups()
  local stale = redis.call('ZRANGEBYSCORE', ENDED, '-inf', '(' .. CUTOFF, 'LIMIT', 0, BATCH)
  for _, id in ipairs(stale) do redis.call('DEL', P .. 'g:' .. id) end
  if #stale > 0 then redis.call('ZREM', ENDED, unpack(stale)) end
  return #stale
end
`;

/**
 * ARGV[4..]: id, meta, size, remaining, failures, updatedAt, then `o:<i>`/outcome pairs.
 * Returns {1} when created, else {0, existing hash}.
 */
export const GROUP_CREATE = `${GROUP_PRELUDE}
local key = P .. 'g:' .. ARGV[4]
if redis.call('EXISTS', key) == 1 then return { 0, redis.call('HGETALL', key) } end
redis.call('HSET', key, 'meta', ARGV[5], 'size', ARGV[6], 'remaining', ARGV[7], 'failures', ARGV[8],
  'updatedAt', ARGV[9])
for i = 10, #ARGV, 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
if tonumber(ARGV[7]) == 0 then redis.call('ZADD', ENDED, ARGV[9], ARGV[4]) end
return { 1 }
`;

/**
 * ARGV[4..]: id, member index, outcome JSON, 1 if it is a failure, now. The member's slot is
 * filled only while empty, so of concurrent settles exactly one counts the group down to 0.
 * Returns {-1} for an unknown group, {-2, size} for an index it does not have, else
 * {applied (1/0), hash as left by this step}.
 */
export const GROUP_SETTLE = `${GROUP_PRELUDE}
local key = P .. 'g:' .. ARGV[4]
local size = redis.call('HGET', key, 'size')
if not size then return { -1 } end
local index = tonumber(ARGV[5])
if index < 0 or index >= tonumber(size) then return { -2, tonumber(size) } end
if redis.call('HSETNX', key, 'o:' .. ARGV[5], ARGV[6]) == 0 then return { 0, redis.call('HGETALL', key) } end
local remaining = redis.call('HINCRBY', key, 'remaining', -1)
if ARGV[7] == '1' then redis.call('HINCRBY', key, 'failures', 1) end
redis.call('HSET', key, 'updatedAt', ARGV[8])
if remaining == 0 then
  redis.call('ZADD', ENDED, ARGV[8], ARGV[4])
  pruneGroups()
end
return { 1, redis.call('HGETALL', key) }
`;

/** ARGV[4]: id. */
export const GROUP_DELETE = `${GROUP_PRELUDE}
redis.call('DEL', P .. 'g:' .. ARGV[4])
redis.call('ZREM', ENDED, ARGV[4])
return 1
`;

/** Retention of ended groups: removes up to BATCH; returns how many. */
export const GROUP_PRUNE = `${GROUP_PRELUDE}
return pruneGroups()
`;
