// A month of créneaux in wasm under node, on the input of the native criterion bench
// (domain/benches/disponibilites.rs, case `150_rdvs`): the package's `creneauxLibres` end to end, and
// its phases (reading the calendrier, the rules, writing the créneaux) from the bench build, and the
// marshalling through JSON text instead of serde_wasm_bindgen, for comparison.
// Figures go to BENCHMARKS.md ("wasm"); not run in CI.
//
//   scripts/wasm-package && scripts/wasm-package --bench
//   node wasm/bench/creneaux.mjs [native median in µs, from `cargo bench -p domain --bench disponibilites`]

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const racine = (chemin) => fileURLToPath(new URL(`../../${chemin}`, import.meta.url));
const { creneauxLibres } = require(racine("wasm/pkg/node/toubeelib_domain.js"));
const { decomposerCreneauxLibres } = require(racine("target/wasm-bench/toubeelib_domain.js"));

/** Runs per measure, and measures (the median is kept). */
const ITERATIONS = 2_000;
const MESURES = 15;

const STRUCTURE = "00000000-0000-0000-0000-000000000001";
const DEBUT = Date.parse("2026-10-12T00:00:00Z");
const MINUTE = 60_000;
const JOUR = 1_440 * MINUTE;
const iso = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");

// The criterion bench's agenda, rule for rule.
const horaires = [];
for (const jour of ["lundi", "mardi", "mercredi", "jeudi", "vendredi"]) {
  for (const [debut, fin] of [["08:00", "12:00"], ["14:00", "19:00"]]) {
    horaires.push({ jour, debut, fin, structure_id: STRUCTURE, types: ["presentiel", "teleconsultation"] });
  }
}
horaires.push({ jour: "samedi", debut: "09:00", fin: "12:00", structure_id: STRUCTURE, types: ["presentiel"] });
// Its 150 half-hour rdvs: day i % 31, at 07:00Z + 90 min × (i / 31).
const occupes = Array.from({ length: 150 }, (_, i) => {
  const debut = DEBUT + (i % 31) * JOUR + 7 * 60 * MINUTE + 90 * Math.floor(i / 31) * MINUTE;
  return { debut: iso(debut), fin: iso(debut + 30 * MINUTE) };
});
const calendrier = {
  specialites: ["medecine_generale"],
  lieux: [{ structure_id: STRUCTURE, fuseau: "Europe/Paris" }],
  horaires,
  indisponibilites: [
    { debut: "2026-10-14T06:00:00Z", fin: "2026-10-14T10:00:00Z" },
    { debut: "2026-10-22T00:00:00Z", fin: "2026-10-24T00:00:00Z" },
    { debut: "2026-11-05T12:00:00Z", fin: "2026-11-05T18:00:00Z" },
  ],
  occupes,
};
const [debut, fin, now] = [iso(DEBUT), iso(DEBUT + 31 * JOUR), iso(DEBUT - JOUR)];

const mediane = (valeurs) => valeurs.sort((a, b) => a - b)[Math.floor(valeurs.length / 2)];
const us = (ms) => (ms * 1000).toFixed(1);

// Warm-up (JIT of the glue, wasm tier-up), then the measures.
for (let i = 0; i < ITERATIONS; i++) creneauxLibres(calendrier, debut, fin, null, now);
decomposerCreneauxLibres(calendrier, debut, fin, now, ITERATIONS);

const totaux = [];
const phases = [];
let creneaux = 0;
for (let m = 0; m < MESURES; m++) {
  const t0 = performance.now();
  for (let i = 0; i < ITERATIONS; i++) creneaux = creneauxLibres(calendrier, debut, fin, null, now).length;
  totaux.push((performance.now() - t0) / ITERATIONS);
  phases.push(decomposerCreneauxLibres(calendrier, debut, fin, now, ITERATIONS));
}
const total = mediane(totaux);
const [entree, calcul, sortie, entreeJson, sortieJson] = ["entree", "calcul", "sortie", "entree_json", "sortie_json"].map(
  (p) => mediane(phases.map((x) => x[p])),
);
const marshalling = entree + sortie;

console.log(`wasm (node ${process.version}), 31 days, 150 rdvs, ${creneaux} créneaux; medians of ${MESURES} × ${ITERATIONS} runs`);
console.log(`  creneauxLibres, end to end: ${us(total)} µs`);
console.log(`  reading the calendrier (serde_wasm_bindgen in): ${us(entree)} µs`);
console.log(`  the rules (creneaux_libres): ${us(calcul)} µs`);
console.log(`  writing the créneaux (serde_wasm_bindgen out): ${us(sortie)} µs`);
console.log(`  marshalling share: ${((100 * marshalling) / (marshalling + calcul)).toFixed(0)} % of in + rules + out`);
console.log(`  for comparison, through JSON text (JSON.stringify + serde_json, serde_json + JSON.parse): in ${us(entreeJson)} µs, out ${us(sortieJson)} µs`);
const natif = Number(process.argv[2]);
if (natif > 0) {
  console.log(`  wasm ÷ native, the rules: ${(calcul * 1000 / natif).toFixed(2)}; end to end: ${(total * 1000 / natif).toFixed(2)} (native ${natif} µs)`);
}
