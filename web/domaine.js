// The domain rules, compiled to WebAssembly: the same code the server runs, so a créneau shown here
// is one the server offers, and a booking refused here would be refused there.
import init, * as regles from './pkg/toubeelib_domain.js';

let pret = null;

/** The package's exports, once its module is compiled (loaded once, then kept for offline use). */
export function domaine() {
  pret ??= init().then(() => regles);
  return pret;
}
