-- wrk script of bench/charge.py: the searches with typos of bench/recherche.lua (unchanged, loaded as
-- is), with the machine-readable CHARGE line of charge-commun.lua at the end of the run.
--
--   wrk -t1 -c1 -d15s -s bench/charge-recherche.lua http://127.0.0.1:PORT

local function ici()
  local source = debug.getinfo(1, "S").source
  return (source:sub(1, 1) == "@" and source:sub(2):match("^(.*/)")) or "./"
end

local commun = dofile(ici() .. "charge-commun.lua")
dofile(ici() .. "recherche.lua")

-- recherche.lua's setup() hands each thread its place in the list; keep the thread for done() too.
local setup_recherche = setup
function setup(thread)
  commun.setup(thread)
  if setup_recherche then setup_recherche(thread) end
end
done = commun.done
