-- wrk script of bench/recherche.sh: GET /praticiens searches that are never the same twice in a row.
-- Each request draws its words at random (names, prénoms, villes, trades of the scale dataset) and
-- often a typo (a letter dropped, two swapped or one replaced), a prefix (type-ahead) or a ville filter,
-- so the server meets many distinct queries and words (hundreds of thousands of combinations), as in
-- real traffic, rather than the 16 of bench/recherche.lua over and over.
local noms = {
  "martin", "bernard", "thomas", "petit", "robert", "richard", "durand", "dubois", "moreau", "laurent",
  "simon", "michel", "lefebvre", "leroy", "roux", "david", "bertrand", "morel", "fournier", "girard",
  "bonnet", "dupont", "lambert", "fontaine", "rousseau", "vincent", "muller", "lefevre", "faure",
  "andre", "mercier", "blanc", "guerin", "boyer", "garnier", "chevalier", "francois", "legrand",
  "gauthier", "garcia", "perrin", "robin", "clement", "morin", "nicolas", "henry", "roussel",
  "mathieu", "gautier", "masson", "marchand", "duval", "denis", "dumont", "marie",
}
local prenoms = {
  "jean", "marie", "pierre", "michel", "philippe", "nathalie", "isabelle", "sylvie", "catherine",
  "alain", "nicolas", "christophe", "stephane", "sophie", "celine", "julien", "camille", "lea",
  "manon", "chloe", "emma", "ines", "lucas", "hugo", "louis", "gabriel", "jules", "antoine",
  "mathilde", "elodie", "aurelie", "sandrine", "valerie", "frederic", "eric", "olivier", "patrick",
}
local villes = {
  "Paris", "Marseille", "Lyon", "Toulouse", "Nice", "Nantes", "Montpellier", "Strasbourg",
  "Bordeaux", "Lille", "Rennes", "Toulon", "Reims", "Dijon", "Angers", "Grenoble", "Brest", "Tours",
}
local metiers = {
  "cardiologue", "pediatre", "dermatologue", "kinesitherapeute", "infirmiere", "dentiste",
  "gynecologue", "ophtalmologue", "psychiatre", "generaliste", "orthophoniste", "radiologue",
  "rhumatologue", "psychologue", "orthodontiste", "osteopathe", "pneumologue", "neurologue",
}

local function un(liste)
  return liste[math.random(#liste)]
end

-- A typo one time in two: a letter dropped, two neighbours swapped, or one replaced.
local function faute(mot)
  local n = #mot
  if n < 5 or math.random(2) == 1 then return mot end
  local i = math.random(2, n - 1)
  local genre = math.random(3)
  if genre == 1 then
    return mot:sub(1, i - 1) .. mot:sub(i + 1)
  elseif genre == 2 then
    return mot:sub(1, i - 1) .. mot:sub(i + 1, i + 1) .. mot:sub(i, i) .. mot:sub(i + 2)
  end
  local lettres = "aeioulnrst"
  local j = math.random(#lettres)
  return mot:sub(1, i - 1) .. lettres:sub(j, j) .. mot:sub(i + 1)
end

-- Type-ahead: the first 3 to 6 letters, one time in four.
local function debut(mot)
  if #mot < 6 or math.random(4) > 1 then return mot end
  return mot:sub(1, math.random(3, 6))
end

local function requete()
  local forme = math.random(5)
  local q, ville
  if forme == 1 then
    q = faute(un(noms))
  elseif forme == 2 then
    q = faute(un(noms)) .. " " .. string.lower(un(villes))
  elseif forme == 3 then
    q = debut(faute(un(metiers)))
    ville = un(villes)
  elseif forme == 4 then
    q = un(prenoms) .. " " .. faute(un(noms))
  else
    q = debut(un(metiers)) .. " " .. faute(string.lower(un(villes)))
  end
  local chemin = "/praticiens?q=" .. q:gsub(" ", "%%20")
  if ville then chemin = chemin .. "&ville=" .. ville end
  return chemin
end

function setup(thread)
  thread:set("graine", math.random(1000000))
end

function init(args)
  math.randomseed(graine or 2026)
end

function request()
  return wrk.format("GET", requete())
end
