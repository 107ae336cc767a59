-- wrk script of bench/recherche.sh: GET /praticiens searches with typos, accents dropped and
-- type-ahead prefixes, rotating over the list (each wrk thread from its own place in it).
local requetes = {
  "/praticiens?q=cardiolgue&ville=Lyon",
  "/praticiens?q=medecin%20generale",
  "/praticiens?q=Nanci",
  "/praticiens?q=kine&ville=Paris",
  "/praticiens?q=dermatolgie",
  "/praticiens?q=Lefevre",
  "/praticiens?q=maison%20de%20sante%20des%20tilleuls",
  "/praticiens?q=pediatre&ville=Marseille",
  "/praticiens?q=psychiatr&ville=Bordeaux",
  "/praticiens?q=Saint-Etienne",
  "/praticiens?q=ophtalmo&ville=Toulouse",
  "/praticiens?q=guerin%20cardio",
  "/praticiens?q=MEDECINE%20GENERALE&ville=Nantes",
  "/praticiens?q=infirmiere&ville=Lille",
  "/praticiens?q=dentiste%20Strasbourg",
  "/praticiens?q=gynecolgue",
}

local suivante = 1

function setup(thread)
  thread:set("depart", math.random(#requetes))
end

function init(args)
  suivante = depart or 1
end

function request()
  local chemin = requetes[suivante]
  suivante = suivante % #requetes + 1
  return wrk.format("GET", chemin)
end
