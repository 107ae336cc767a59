// Dates as a French patient reads them: in the structure's time zone, whatever the device's.

const PARIS = 'Europe/Paris';

/** Milliseconds to add to UTC to get the wall clock of `fuseau` at instant `ms`. */
function decalage(ms, fuseau) {
  const parties = new Intl.DateTimeFormat('en-US', {
    timeZone: fuseau, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(ms));
  const v = Object.fromEntries(parties.map((p) => [p.type, Number(p.value)]));
  const mur = Date.UTC(v.year, v.month - 1, v.day, v.hour, v.minute, v.second);
  return mur - Math.floor(ms / 1000) * 1000;
}

/** The instant of midnight starting `jour` (`YYYY-MM-DD`) in `fuseau`. */
export function minuit(jour, fuseau = PARIS) {
  const [a, m, j] = jour.split('-').map(Number);
  const naif = Date.UTC(a, m - 1, j);
  let t = naif - decalage(naif, fuseau);
  // Once more at the guess: the offset may differ on either side of a DST change.
  t = naif - decalage(t, fuseau);
  return new Date(t);
}

/** `YYYY-MM-DD` of instant `date` in `fuseau`. */
export function jourDe(date, fuseau = PARIS) {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: fuseau, year: 'numeric', month: '2-digit', day: '2-digit',
  }).format(new Date(date));
}

/** `jour` plus `n` days (calendar days, no time zone involved). */
export function plusJours(jour, n) {
  const [a, m, j] = jour.split('-').map(Number);
  return new Date(Date.UTC(a, m - 1, j + n)).toISOString().slice(0, 10);
}

/** "mardi 3 mars". */
export function dateLongue(date, fuseau = PARIS) {
  return new Intl.DateTimeFormat('fr-FR', {
    timeZone: fuseau, weekday: 'long', day: 'numeric', month: 'long',
  }).format(new Date(date));
}

/** "mar. 3 mars". */
export function dateCourte(date, fuseau = PARIS) {
  return new Intl.DateTimeFormat('fr-FR', {
    timeZone: fuseau, weekday: 'short', day: 'numeric', month: 'short',
  }).format(new Date(date));
}

/** "09:30". */
export function heure(date, fuseau = PARIS) {
  return new Intl.DateTimeFormat('fr-FR', {
    timeZone: fuseau, hour: '2-digit', minute: '2-digit',
  }).format(new Date(date));
}

/** "mardi 3 mars à 09:30". */
export function dateHeure(date, fuseau = PARIS) {
  return `${dateLongue(date, fuseau)} à ${heure(date, fuseau)}`;
}

/** Today (`YYYY-MM-DD`) in `fuseau`. */
export function aujourdhui(fuseau = PARIS) {
  return jourDe(new Date(), fuseau);
}

/** Now, RFC 3339, as the wasm package takes it. */
export function maintenant() {
  return new Date().toISOString();
}

/** "35,00 €". */
export function euros(centimes) {
  return new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(centimes / 100);
}
