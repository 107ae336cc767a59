-- wrk script of bench/charge.py: GET of the paths listed in a file (one per line), in turn.
--
--   wrk -t1 -c16 -d15s -s bench/charge-get.lua http://127.0.0.1:PORT -- PATHS_FILE [jeton=TOKEN_FILE]
--
-- `/health` is a file of one line; the disponibilités runs a file of ~1000 paths
-- `/praticiens/{id}/disponibilites?debut=…&fin=…`, so that the server reads ~1000 different agendas.
-- With `jeton=TOKEN_FILE` (any argument after the first), every request carries its first line as a bearer token (`GET /me`: the cost of an
-- authenticated request, the floor under a booking's).
-- Answers are not counted one by one (no response(): wrk stays at full speed); wrk's own count of
-- statuses ≥ 400 and socket errors are in the CHARGE line of done().

local function ici()
  local source = debug.getinfo(1, "S").source
  return (source:sub(1, 1) == "@" and source:sub(2):match("^(.*/)")) or "./"
end

local commun = dofile(ici() .. "charge-commun.lua")
setup = commun.setup
done = commun.done

local chemins = {}
local suivant = 1
local entetes = {}

function init(args)
  local fichier = args[1]
  if not fichier then error("charge-get.lua: the paths file is missing (-- FILE)") end
  for ligne in io.lines(fichier) do
    if ligne ~= "" then table.insert(chemins, ligne) end
  end
  if #chemins == 0 then error("charge-get.lua: no path in " .. fichier) end
  for i = 2, #args do
    local chemin_jeton = args[i]:match("^jeton=(.+)$")
    if chemin_jeton then
      local jeton = io.lines(chemin_jeton)()
      if not jeton or jeton == "" then error("charge-get.lua: no token in " .. chemin_jeton) end
      entetes["Authorization"] = "Bearer " .. jeton
    end
  end
  math.randomseed(2026)
  suivant = math.random(#chemins)
end

function request()
  local chemin = chemins[suivant]
  suivant = suivant % #chemins + 1
  return wrk.format("GET", chemin, entetes)
end
