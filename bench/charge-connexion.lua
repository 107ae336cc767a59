-- wrk script of bench/charge.py: a sign-in flood, POST /auth/signin with a correct email and password
-- (one registered patient's) on every connection, as fast as the server answers, or at RATE sign-ins/s
-- over the CONNECTIONS connections (each waits an exponential gap of mean CONNECTIONS/RATE s).
--
--   wrk -t1 -c64 -d15s -s bench/charge-connexion.lua http://127.0.0.1:PORT -- EMAIL PASSWORD [RATE CONNECTIONS]
--
-- Answers are counted per status: 200 signed in; 503 `service_sature`, refused at once because the
-- argon2 queue is full (expected for most of a flood); 429 would be the lockout (it should not come:
-- only failures count towards it); 401 would be a wrong password.

local function ici()
  local source = debug.getinfo(1, "S").source
  return (source:sub(1, 1) == "@" and source:sub(2):match("^(.*/)")) or "./"
end

local commun = dofile(ici() .. "charge-commun.lua")
setup = commun.setup
done = commun.done

local requete = nil
local ecart_moyen_ms = nil

function init(args)
  local email, mot_de_passe = args[1], args[2]
  if not (email and mot_de_passe) then error("charge-connexion.lua: usage -- EMAIL PASSWORD [RATE CONNECTIONS]") end
  local corps = commun.json({ email = email, password = mot_de_passe })
  requete = wrk.format("POST", "/auth/signin", { ["Content-Type"] = "application/json" }, corps)
  local debit, connexions = tonumber(args[3] or ""), tonumber(args[4] or "")
  if debit and connexions and debit > 0 then
    ecart_moyen_ms = connexions * 1000 / debit
    math.randomseed(2026)
  end
end

function delay()
  if not ecart_moyen_ms then return 0 end
  return -math.log(1 - math.random()) * ecart_moyen_ms
end

function request()
  return requete
end

function response(status, headers, body)
  commun.compter(status, body, 200)
end
