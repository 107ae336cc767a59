-- Shared by the wrk scripts of bench/charge.py (loaded with dofile, not run by wrk itself).
--
-- Every charge-*.lua script ends its run with one machine-readable line on stdout, which charge.py
-- parses:
--   CHARGE {"requetes":…,"duree_us":…,"octets":…,"erreurs":{…},"latence_us":{"p50":…,"p90":…,"p99":…,
--           "max":…,"moyenne":…},"statuts":{"201":…,…},"exemples":[…],"consommees":…,"epuisee":…}
-- `statuts` (answers per HTTP status) and `exemples` (the first bodies of unexpected answers) are there
-- only for the scripts that count answers in `response()`; `consommees` and `epuisee` only for the
-- booking script. Latencies are wrk's, in microseconds, from a request's send to its answer.
--
-- A script uses it as:
--   local commun = dofile(commun_chemin())   -- see charge-get.lua
--   setup = commun.setup                      -- keeps every wrk thread, for done()
--   done = commun.done
-- and, to count answers per status, calls commun.compter(status, body) from its response().

local M = {}

local fils = {}

-- wrk calls setup(thread) in its main Lua state for each thread: keep them for done().
function M.setup(thread)
  table.insert(fils, thread)
end

-- Per thread (each wrk thread has its own Lua state, so these globals are per thread).
statuts = {}
exemples = {}
local EXEMPLES_MAX = 5

-- Counts one answer; keeps the first few bodies of answers other than `attendu` (a 409 says why).
function M.compter(status, body, attendu)
  local cle = tostring(status)
  statuts[cle] = (statuts[cle] or 0) + 1
  if attendu and status ~= attendu and #exemples < EXEMPLES_MAX then
    table.insert(exemples, tostring(status) .. " " .. string.sub(body or "", 1, 300))
  end
end

-- A small JSON writer: numbers, booleans, strings, arrays (1..n) and string-keyed tables.
local function json(v)
  local t = type(v)
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    return string.format("%.17g", v)
  elseif t == "boolean" then
    return tostring(v)
  elseif t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
    end) .. '"'
  elseif t == "table" then
    if #v > 0 then
      local parts = {}
      for _, x in ipairs(v) do table.insert(parts, json(x)) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local parts = {}
    for k, x in pairs(v) do table.insert(parts, json(tostring(k)) .. ":" .. json(x)) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return "null"
end
M.json = json

-- Sums a per-thread table of counts (thread:get copies it out of the thread's state).
local function additionner(total, part)
  if type(part) ~= "table" then return end
  for k, n in pairs(part) do total[k] = (total[k] or 0) + n end
end

function M.done(summary, latency, requests)
  local rapport = {
    requetes = summary.requests,
    duree_us = summary.duration,
    octets = summary.bytes,
    erreurs = {
      connexion = summary.errors.connect,
      lecture = summary.errors.read,
      ecriture = summary.errors.write,
      statut = summary.errors.status,
      delai = summary.errors.timeout,
    },
    latence_us = {
      p50 = latency:percentile(50),
      p90 = latency:percentile(90),
      p99 = latency:percentile(99),
      max = latency.max,
      moyenne = latency.mean,
    },
  }
  local tous_statuts, tous_exemples = {}, {}
  local consommees, epuisee, compte = 0, false, false
  for _, fil in ipairs(fils) do
    additionner(tous_statuts, fil:get("statuts"))
    local ex = fil:get("exemples")
    if type(ex) == "table" then
      for _, e in ipairs(ex) do table.insert(tous_exemples, e) end
    end
    local c = fil:get("consommees")
    if type(c) == "number" then consommees, compte = consommees + c, true end
    if fil:get("epuisee") == true then epuisee = true end
  end
  if next(tous_statuts) ~= nil then rapport.statuts = tous_statuts end
  if #tous_exemples > 0 then rapport.exemples = tous_exemples end
  if compte then
    rapport.consommees = consommees
    rapport.epuisee = epuisee
  end
  io.write("CHARGE " .. json(rapport) .. "\n")
end

return M
