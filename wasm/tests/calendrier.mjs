// Against a running server: for each praticien given, the package computes from
// `GET /praticiens/{id}/calendrier` the créneaux `GET /praticiens/{id}/disponibilites` serves for the
// same window (31 days from today 00:00 UTC), for both types, and they must be the same.
// Run by the e2e test tests/tests/api/wasm_parite.rs.
//
//   node wasm/tests/calendrier.mjs <base url> <praticien id>...
//
// "now" is the server's at the /disponibilites request: the créneaux are computed at the instants just
// before and just after it, and the server's answer must be one of the two (they differ only when a
// créneau's start crosses now + préavis in between).

import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The longest window the API serves, in days. */
const FENETRE_JOURS = 31;

const [base, ...praticiens] = process.argv.slice(2);
if (!base || praticiens.length === 0) {
  console.error("usage: node wasm/tests/calendrier.mjs <base url> <praticien id>...");
  process.exit(2);
}
const glue = fileURLToPath(new URL("../pkg/node/toubeelib_domain.js", import.meta.url));
if (!existsSync(glue)) {
  console.error(`${glue} is missing: build the package first (scripts/wasm-package)`);
  process.exit(2);
}
const { creneauxLibres } = createRequire(import.meta.url)(glue);

async function lire(chemin) {
  const reponse = await fetch(new URL(chemin, base));
  if (!reponse.ok) {
    throw new Error(`GET ${chemin}: ${reponse.status} ${await reponse.text()}`);
  }
  return reponse.json();
}

/** A créneau as a comparable string: instants as milliseconds, whatever their RFC 3339 spelling. */
function cle(c) {
  return [Date.parse(c.debut), Date.parse(c.fin), c.specialite, c.type, c.structure_id].join(" ");
}

const aujourdhui = new Date();
aujourdhui.setUTCHours(0, 0, 0, 0);
const debut = aujourdhui.toISOString();
const fin = new Date(aujourdhui.getTime() + FENETRE_JOURS * 86_400_000).toISOString();
const fenetre = `debut=${encodeURIComponent(debut)}&fin=${encodeURIComponent(fin)}`;

let comparaisons = 0;
let creneaux = 0;
let occupes = 0;
const differences = [];
for (const id of praticiens) {
  const calendrier = await lire(`/praticiens/${id}/calendrier?${fenetre}`);
  occupes += calendrier.occupes.length;
  for (const type of ["presentiel", "teleconsultation"]) {
    const avant = new Date().toISOString();
    const serveur = (await lire(`/praticiens/${id}/disponibilites?${fenetre}&type=${type}`)).items.map(cle);
    const apres = new Date().toISOString();
    const calcule = (now) => creneauxLibres(calendrier, debut, fin, { type }, now).map(cle);
    const [a, b] = [calcule(avant), calcule(apres)];
    const attendu = serveur.join("\n");
    comparaisons += 1;
    creneaux += serveur.length;
    if (attendu !== a.join("\n") && attendu !== b.join("\n")) {
      const seulement = (x, y) => x.filter((c) => !y.includes(c));
      differences.push(
        `praticien ${id}, ${type}: server ${serveur.length} créneaux, wasm ${a.length}` +
          `\n  server only: ${seulement(serveur, a).slice(0, 5).join(" | ")}` +
          `\n  wasm only:   ${seulement(a, serveur).slice(0, 5).join(" | ")}`,
      );
    }
  }
}
for (const d of differences) {
  console.error(d);
}
console.log(
  `wasm vs server: ${praticiens.length} praticiens, ${comparaisons} windows, ${creneaux} créneaux ` +
    `(${occupes} busy intervals in the calendriers), ${differences.length} differences`,
);
// A vacuous pass (no créneau at all) would prove nothing.
if (differences.length > 0 || creneaux === 0) {
  process.exit(1);
}
