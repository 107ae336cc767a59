-- wrk script of bench/charge.py: the GETs of charge-get.lua at an offered rate, for the latency chart.
--
--   wrk -t1 -c32 -d15s -s bench/charge-rythme.lua http://127.0.0.1:PORT -- PATHS_FILE RATE_PER_S
--
-- An open-loop approximation: the thread draws one Poisson arrival stream of RATE_PER_S requests per
-- second (exponential gaps) and each connection, once its answer is in, waits in delay() until the
-- next arrival not yet taken. While connections are free, requests leave on the stream's schedule
-- whatever the server's latency; when all are busy (saturation), arrivals wait for a connection
-- and the achieved rate falls below the offered one (at most 1 s of backlog is kept). wrk measures
-- latency from the actual send, so time an arrival waited for a free connection is not counted
-- (coordinated omission): above saturation the percentiles understate what clients would see.

local function ici()
  local source = debug.getinfo(1, "S").source
  return (source:sub(1, 1) == "@" and source:sub(2):match("^(.*/)")) or "./"
end

dofile(ici() .. "charge-get.lua")

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } charge_timespec;
  int clock_gettime(int horloge, charge_timespec *t);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("charge_timespec")

local function maintenant_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

-- Most backlog kept when the server falls behind (ms): older arrivals are dropped.
local RETARD_MAX_MS = 1000

local intervalle_ms = nil
local prochaine = nil

local init_get = init
function init(args)
  init_get(args)
  local debit = tonumber(args[2] or "")
  if not debit or debit <= 0 then error("charge-rythme.lua: the rate (requests/s) is missing (-- FILE RATE)") end
  intervalle_ms = 1000 / debit
  math.randomseed(20260 + math.floor(debit))
end

function delay()
  local now = maintenant_ms()
  if prochaine == nil then
    prochaine = now
  elseif prochaine < now - RETARD_MAX_MS then
    prochaine = now - RETARD_MAX_MS
  end
  -- The next arrival of the stream: an exponential gap of mean 1/rate.
  prochaine = prochaine - math.log(1 - math.random()) * intervalle_ms
  local attente = prochaine - now
  if attente <= 0 then return 0 end
  -- wrk's timers take whole milliseconds; rounding to the nearest keeps the schedule unbiased, since
  -- the next wait is computed from the schedule again, not from this one.
  return math.floor(attente + 0.5)
end
