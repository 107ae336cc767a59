-- wrk script of bench/charge.py: POST /rdvs, each request the next booking of a list written by
-- charge.py, so that no créneau is ever asked for twice (a booked créneau is gone for every later run).
--
--   wrk -t1 -c32 -d15s -s bench/charge-rdvs.lua http://127.0.0.1:PORT -- BOOKINGS OFFSET TOKENS
--
-- BOOKINGS: one booking per line, `PATIENT<TAB>JSON body` (PATIENT: 1-based line of TOKENS; the body
-- `{"praticien_id":…,"specialite":…,"type":…,"debut":…}`), prepared so that each créneau appears
-- once and no patient holds two overlapping créneaux. OFFSET: the byte where this run starts
-- (charge.py moves it past what earlier runs consumed). TOKENS: one access token per line, the
-- patients' current ones (charge.py refreshes them before each booking round).
--
-- The list is read line by line as requests go (not loaded whole): a run takes what it needs.
-- Single thread only (-t1): two threads would read the same lines. Every line read is consumed,
-- answered or not (a request cut off at the end of the run may still have booked its créneau).
-- When the list runs out, the thread stops and the CHARGE line says `"epuisee":true`.

local function ici()
  local source = debug.getinfo(1, "S").source
  return (source:sub(1, 1) == "@" and source:sub(2):match("^(.*/)")) or "./"
end

local commun = dofile(ici() .. "charge-commun.lua")
setup = commun.setup
done = commun.done

local fichier = nil
local jetons = {}
consommees = 0
epuisee = false

function init(args)
  local liste, decalage, chemin_jetons = args[1], tonumber(args[2] or ""), args[3]
  if not (liste and decalage and chemin_jetons) then
    error("charge-rdvs.lua: usage -- BOOKINGS OFFSET TOKENS")
  end
  for ligne in io.lines(chemin_jetons) do
    if ligne ~= "" then table.insert(jetons, ligne) end
  end
  fichier = assert(io.open(liste, "rb"))
  assert(fichier:seek("set", decalage))
end

function request()
  local ligne = fichier:read("*l")
  local patient, corps
  if ligne then patient, corps = ligne:match("^(%d+)\t(.+)$") end
  if not corps then
    -- Out of bookings (or a bad line): stop rather than ask for a créneau twice.
    epuisee = true
    wrk.thread:stop()
    return wrk.format("GET", "/health")
  end
  consommees = consommees + 1
  local jeton = jetons[tonumber(patient)]
  if not jeton then error("charge-rdvs.lua: no token for patient " .. patient) end
  return wrk.format("POST", "/rdvs", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. jeton,
  }, corps)
end

function response(status, headers, body)
  commun.compter(status, body, 201)
end
