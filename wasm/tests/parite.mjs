// The wasm half of the parity test: replays the cases `wasm/examples/parite.rs` wrote (JSON lines,
// each with the native domain's answer) through the package under node and requires the same answer:
// the same JSON, or an Error with the same `code` and message (`entree_invalide` messages are serde's,
// which differ between serde_json and serde_wasm_bindgen: only their code is compared).
//
//   node wasm/tests/parite.mjs <cases.jsonl> [package dir, default: wasm/pkg]
//
// Prints `parity: N cases, D differences` and the outcomes per function; exits 1 on any difference.

import { createReadStream, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const [fichier, paquet = fileURLToPath(new URL("../pkg", import.meta.url))] = process.argv.slice(2);
if (!fichier) {
  console.error("usage: node wasm/tests/parite.mjs <cases.jsonl> [package dir]");
  process.exit(2);
}
const glue = resolve(paquet, "node/toubeelib_domain.js");
if (!existsSync(glue)) {
  console.error(`${glue} is missing: build the package first (scripts/wasm-package)`);
  process.exit(2);
}
const domaine = createRequire(import.meta.url)(glue);

/** Differences shown in full at most. */
const DIFFERENCES_MONTREES_MAX = 10;

function obtenu(f, args) {
  try {
    return { ok: domaine[f](...args) };
  } catch (e) {
    if (typeof e?.code !== "string") {
      return { code: "pas_une_ErreurDomaine", message: String(e) };
    }
    return { code: e.code, message: e.message };
  }
}

/** JSON with object keys sorted: serde_json's maps are sorted, the package keeps the API's field order. */
function canonique(valeur) {
  return JSON.stringify(valeur, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function pareil(attendu, recu) {
  if ("ok" in attendu || "ok" in recu) {
    return "ok" in attendu && "ok" in recu && canonique(attendu.ok) === canonique(recu.ok);
  }
  return attendu.code === recu.code && (attendu.code === "entree_invalide" || attendu.message === recu.message);
}

let cas = 0;
let differences = 0;
const issues = new Map();
const lignes = createInterface({ input: createReadStream(fichier), crlfDelay: Infinity });
for await (const ligne of lignes) {
  if (!ligne) continue;
  const { n, f, args, attendu } = JSON.parse(ligne);
  const recu = obtenu(f, args);
  cas += 1;
  const issue = `${f} ${"code" in attendu ? attendu.code : "ok"}`;
  issues.set(issue, (issues.get(issue) ?? 0) + 1);
  if (!pareil(attendu, recu)) {
    differences += 1;
    if (differences <= DIFFERENCES_MONTREES_MAX) {
      console.error(`difference in case ${n} (${f}):\n  args: ${JSON.stringify(args)}\n  native: ${JSON.stringify(attendu)}\n  wasm:   ${JSON.stringify(recu)}`);
    }
  }
}
for (const [issue, nombre] of [...issues].sort()) {
  console.log(`  ${issue}: ${nombre}`);
}
console.log(`parity: ${cas} cases, ${differences} differences`);
if (cas === 0 || differences > 0) {
  process.exit(1);
}
