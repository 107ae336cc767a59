// The npm package as a user gets it: `npm pack` of wasm/pkg gives a tarball that installs into an
// empty project (from the local file: no network), the README's example runs there by the package's
// name, and both entry points (node, web) are in the tarball with their types.
//
//   node wasm/tests/paquet.mjs [package dir, default: wasm/pkg]

import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const paquet = resolve(process.argv[2] ?? fileURLToPath(new URL("../pkg", import.meta.url)));
if (!existsSync(join(paquet, "package.json"))) {
  console.error(`${paquet}/package.json is missing: build the package first (scripts/wasm-package)`);
  process.exit(2);
}

const npm = (args, cwd) =>
  execFileSync("npm", [...args, "--no-audit", "--no-fund", "--offline", "--loglevel=error"], {
    cwd,
    encoding: "utf8",
  });

const dossier = mkdtempSync(join(tmpdir(), "toubeelib-domain-"));
try {
  const [pack] = JSON.parse(npm(["pack", paquet, "--json", "--pack-destination", dossier], dossier));
  const fichiers = pack.files.map((f) => f.path);
  for (const attendu of [
    "package.json",
    "README.md",
    "exemple.mjs",
    "node/toubeelib_domain.js",
    "node/toubeelib_domain.d.ts",
    "node/toubeelib_domain_bg.wasm",
    "web/toubeelib_domain.js",
    "web/toubeelib_domain.d.ts",
    "web/toubeelib_domain_bg.wasm",
  ]) {
    if (!fichiers.includes(attendu)) {
      throw new Error(`${pack.filename} lacks ${attendu}: ${fichiers.join(", ")}`);
    }
  }
  const types = readFileSync(join(paquet, "web/toubeelib_domain.d.ts"), "utf8");
  for (const declaration of [
    "export function creneauxLibres(agenda: Calendrier",
    "export function validerReservation(agenda: Calendrier, demande: Reservation, patient: SituationPatient",
    "export function evaluerAnnulation(rdv: RdvAAnnuler, auteur: Auteur, reglages: Reglages, now: string): EvaluationAnnulation",
    "export interface ErreurDomaine",
  ]) {
    if (!types.includes(declaration)) {
      throw new Error(`web/toubeelib_domain.d.ts lacks \`${declaration}\``);
    }
  }

  const projet = join(dossier, "projet");
  mkdirSync(projet);
  writeFileSync(join(projet, "package.json"), JSON.stringify({ name: "essai", private: true, type: "module" }));
  npm(["install", join(dossier, pack.filename)], projet);
  copyFileSync(join(projet, "node_modules/toubeelib-domain/exemple.mjs"), join(projet, "exemple.mjs"));
  const sortie = execFileSync("node", ["exemple.mjs"], { cwd: projet, encoding: "utf8" });
  process.stdout.write(sortie);
  const libres = sortie.split("\n").filter((l) => l.startsWith("libre : "));
  if (libres.length === 0 || !sortie.includes("refus : creneau_indisponible")) {
    throw new Error(`the example printed no créneau or no refusal:\n${sortie}`);
  }
  // CommonJS consumers get the same package.
  const cjs = execFileSync(
    "node",
    ["-e", "console.log(typeof require('toubeelib-domain').evaluerAnnulation)"],
    { cwd: projet, encoding: "utf8" },
  );
  if (cjs.trim() !== "function") {
    throw new Error(`require('toubeelib-domain').evaluerAnnulation is ${cjs}`);
  }
  console.log(`npm pack: ${pack.filename}, ${pack.size} bytes, ${fichiers.length} files; installed and ran the example`);
} finally {
  rmSync(dossier, { recursive: true, force: true });
}
