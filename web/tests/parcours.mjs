// Browser tests of the web app: the real `toubeelib` binary (debug build, port 0, a temporary data
// directory, the demo seed) and Debian's headless Chromium driven by playwright-core.
//
// 1. A patient's whole journey on a phone-sized screen: search, profile, a week of créneaux computed
//    in the browser, registration (checked on the device first), booking, "mes rendez-vous", a move,
//    and a cancellation under 24 h with its warning. Then the praticien's planning of the day.
// 2. Offline: once `/calendrier` is loaded, the network is cut; créneaux are recomputed for another
//    motif and a booking is validated on the device, and sending it says the network is down.
//
// Every step leaves a screenshot in target/browser-artifacts/. Exit status 1 on any failure.
// Env: TOUBEELIB_BIN (default target/debug/toubeelib), CHROMIUM (default /usr/bin/chromium).

import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const RACINE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BINAIRE = process.env.TOUBEELIB_BIN ?? path.join(RACINE, 'target/debug/toubeelib');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTEFACTS = path.join(RACINE, 'target/browser-artifacts');
const PREFIXE_ECOUTE = 'listening on http://';
const DEMARRAGE_MS = 30_000;
const ETAPE_MS = 20_000;
const MOT_DE_PASSE_DEMO = 'toubeelib-demo-2026';
// Dr Nicolas Mathieu, cardiologue in Nancy (demo seed), and Lucas Martin, a demo patient.
const PRATICIEN = { id: '00000000-0002-7000-8000-000000000007', email: 'nicolas.mathieu@toubeelib.example', nom: 'Nicolas Mathieu' };
const STRUCTURE_ID = '00000000-0001-7000-8000-000000000002';
const PATIENT_DEMO = 'lucas.martin@patient.example';
const TELEPHONE = { width: 390, height: 844 };
const ECRAN = { width: 1280, height: 900 };
const HEURE_MS = 3_600_000;

const resultats = [];
let numero = 0;

function echouer(texte) {
  throw new Error(texte);
}

/** Runs one step, then screenshots `page` whatever the outcome. */
async function etape(page, nom, corps) {
  numero += 1;
  const fichier = `${String(numero).padStart(2, '0')}-${nom}.png`;
  const debut = Date.now();
  let erreur = null;
  try {
    await corps();
  } catch (e) {
    erreur = e;
  }
  try {
    await page.screenshot({ path: path.join(ARTEFACTS, fichier), fullPage: true });
  } catch {
    // A screenshot that fails is not the step's failure.
  }
  resultats.push({ nom, fichier, ms: Date.now() - debut, erreur });
  console.log(`${erreur ? '✗' : '✓'} ${String(numero).padStart(2, '0')} ${nom} (${Date.now() - debut} ms)${erreur ? `\n    ${erreur.message.split('\n').join('\n    ')}` : ''}`);
  if (erreur) throw erreur;
}

/** The server: started like the e2e harness does, its address read from its first stdout line. */
async function demarrerServeur() {
  if (!existsSync(BINAIRE)) echouer(`${BINAIRE} is missing: run \`cargo build -p server\` first (or set TOUBEELIB_BIN)`);
  const donnees = await mkdtemp(path.join(tmpdir(), 'toubeelib-web-'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TOUBEELIB_')));
  env.TOUBEELIB_LOG = 'warn';
  const processus = spawn(BINAIRE, ['serve', '--addr', '127.0.0.1:0', '--data', donnees, '--seed', 'demo'], {
    env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let erreurs = '';
  processus.stderr.on('data', (d) => { erreurs = (erreurs + d).slice(-20_000); });
  const lignes = createInterface({ input: processus.stdout });
  const adresse = await new Promise((ok, ko) => {
    const minuteur = setTimeout(() => ko(new Error(`no "${PREFIXE_ECOUTE}" line within ${DEMARRAGE_MS} ms\n${erreurs}`)), DEMARRAGE_MS);
    lignes.once('line', (ligne) => {
      clearTimeout(minuteur);
      if (ligne.startsWith(PREFIXE_ECOUTE)) ok(`http://${ligne.slice(PREFIXE_ECOUTE.length).trim()}`);
      else ko(new Error(`unexpected first line: ${ligne}\n${erreurs}`));
    });
    processus.once('exit', (code) => ko(new Error(`server exited (${code}) before listening\n${erreurs}`)));
  });
  lignes.on('line', () => {});
  return {
    adresse,
    journal: () => erreurs,
    async arreter() {
      if (processus.exitCode === null) {
        const fin = new Promise((ok) => processus.once('exit', ok));
        processus.kill('SIGTERM');
        let minuteur;
        await Promise.race([fin, new Promise((ok) => { minuteur = setTimeout(ok, 15_000); })]);
        clearTimeout(minuteur);
      }
      await rm(donnees, { recursive: true, force: true });
    },
  };
}

async function appel(base, methode, chemin, { corps, jeton } = {}) {
  const headers = {};
  if (corps !== undefined) headers['content-type'] = 'application/json';
  if (jeton) headers.authorization = `Bearer ${jeton}`;
  const r = await fetch(`${base}${chemin}`, { method: methode, headers, body: corps === undefined ? undefined : JSON.stringify(corps) });
  const texte = await r.text();
  if (!r.ok) echouer(`${methode} ${chemin}: ${r.status} ${texte}`);
  return texte ? JSON.parse(texte) : null;
}

/**
 * Dr Mathieu works every day 07:00–21:00 for this run, so that a créneau less than 24 h away
 * exists whatever the day and hour the tests run: the late-cancellation warning is then certain.
 */
async function preparerPraticien(base) {
  const { access_token: jeton } = await appel(base, 'POST', '/auth/signin', { corps: { email: PRATICIEN.email, password: MOT_DE_PASSE_DEMO } });
  const jours = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];
  await appel(base, 'PUT', `/praticiens/${PRATICIEN.id}/horaires`, {
    jeton,
    corps: { regles: jours.map((jour) => ({ jour, debut: '07:00', fin: '21:00', structure_id: STRUCTURE_ID, types: ['presentiel'] })) },
  });
}

/** A browser context with its request log and its console errors. */
async function contexte(navigateur, base, viewport) {
  const ctx = await navigateur.newContext({ baseURL: base, viewport, locale: 'fr-FR', timezoneId: 'Europe/Paris', isMobile: viewport.width < 600, hasTouch: viewport.width < 600 });
  ctx.setDefaultTimeout(ETAPE_MS);
  const page = await ctx.newPage();
  const requetes = [];
  const erreursConsole = [];
  page.on('requestfinished', async (req) => {
    const rep = await req.response().catch(() => null);
    requetes.push({ methode: req.method(), url: new URL(req.url()).pathname, status: rep?.status() ?? 0 });
  });
  page.on('requestfailed', (req) => requetes.push({ methode: req.method(), url: new URL(req.url()).pathname, status: 0, echec: req.failure()?.errorText }));
  page.on('console', (m) => { if (m.type() === 'error') erreursConsole.push(m.text()); });
  page.on('pageerror', (e) => erreursConsole.push(`${e.name}: ${e.message}`));
  return { ctx, page, requetes, erreursConsole };
}

/** The créneau buttons shown, with their start instants. */
async function creneaux(page) {
  const boutons = page.locator('button.creneau');
  await boutons.first().waitFor();
  const debuts = await boutons.evaluateAll((bs) => bs.map((b) => b.dataset.debut));
  return { boutons, debuts };
}

function attendu(condition, texte) {
  if (!condition) echouer(texte);
}

async function parcoursPatient(navigateur, base) {
  const { ctx, page, requetes, erreursConsole } = await contexte(navigateur, base, TELEPHONE);
  const email = `navigateur.${Date.now()}@patient.example`;
  let debutReserve = null;
  let debutDeplace = null;
  try {
    await etape(page, 'accueil', async () => {
      const rep = await page.goto('/');
      const csp = rep.headers()['content-security-policy'] ?? '';
      attendu(csp.includes("script-src 'self' 'wasm-unsafe-eval'"), `CSP of /: ${csp}`);
      await page.getByRole('heading', { level: 1, name: 'Trouver un praticien' }).waitFor();
    });

    await etape(page, 'recherche', async () => {
      // Typed as on a phone: a typo and no accent.
      await page.getByLabel('Nom, spécialité ou ville').fill('cardiolgue nanci');
      await page.getByRole('button', { name: 'Rechercher' }).click();
      await page.getByRole('link', { name: PRATICIEN.nom }).waitFor();
    });

    await etape(page, 'profil', async () => {
      await page.getByRole('link', { name: PRATICIEN.nom }).click();
      await page.getByRole('heading', { level: 1, name: PRATICIEN.nom }).waitFor();
      for (const titre of ['Honoraires', 'Moyens de paiement', 'Motifs de consultation', 'Lieux de consultation']) {
        await page.getByRole('heading', { level: 2, name: titre }).waitFor();
      }
      await page.locator('table.tableau td', { hasText: '€' }).first().waitFor();
    });

    await etape(page, 'semaine-de-creneaux', async () => {
      const { debuts } = await creneaux(page);
      attendu(debuts.length > 0, 'no créneau shown');
      attendu(requetes.some((r) => r.url.endsWith(`/praticiens/${PRATICIEN.id}/calendrier`) && r.status === 200), 'the week was not loaded from /calendrier');
      attendu(!requetes.some((r) => r.url.includes('/disponibilites')), 'créneaux were asked to the server (/disponibilites) instead of computed in the browser');
    });

    await etape(page, 'creneau-choisi', async () => {
      // Two days ahead at least, so that the move below is to an earlier créneau.
      let { boutons, debuts } = await creneaux(page);
      let i = debuts.findIndex((d) => Date.parse(d) > Date.now() + 48 * HEURE_MS);
      if (i < 0) {
        await page.getByRole('button', { name: 'Semaine suivante →' }).click();
        await page.waitForTimeout(300);
        ({ boutons, debuts } = await creneaux(page));
        i = 0;
      }
      debutReserve = debuts[i];
      await boutons.nth(i).click();
      await page.locator('#contenu').getByText('Créneau vérifié sur votre appareil').waitFor();
      await page.getByRole('link', { name: 'Créer un compte' }).waitFor();
    });

    await etape(page, 'inscription-verifiee-sur-l-appareil', async () => {
      await page.getByRole('link', { name: 'Créer un compte' }).click();
      await page.getByRole('heading', { level: 1, name: 'Créer un compte patient' }).waitFor();
      await page.getByLabel('Prénom').fill('Camille');
      await page.getByLabel('Nom', { exact: true }).fill('Navigateur');
      await page.getByLabel('Date de naissance').fill('1990-04-12');
      await page.getByLabel('Téléphone').fill('12');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Mot de passe').fill('Parcours-navigateur-2026');
      await page.getByRole('button', { name: 'Créer mon compte' }).click();
      await page.getByRole('alert').filter({ hasText: 'Téléphone' }).waitFor();
      attendu(!requetes.some((r) => r.url === '/auth/register'), 'an invalid phone number was sent to the server');
    });

    await etape(page, 'inscription', async () => {
      await page.getByLabel('Téléphone').fill('06 12 34 56 78');
      await page.getByRole('button', { name: 'Créer mon compte' }).click();
      // Back on the profile, the créneau picked before registering is picked again.
      await page.getByRole('heading', { level: 1, name: PRATICIEN.nom }).waitFor();
      await page.locator(`button.creneau[data-debut="${debutReserve}"][aria-pressed="true"]`).waitFor();
      await page.getByRole('button', { name: 'Confirmer le rendez-vous' }).waitFor();
    });

    await etape(page, 'reservation-confirmee', async () => {
      await page.getByRole('button', { name: 'Confirmer le rendez-vous' }).click();
      await page.getByRole('heading', { name: 'Rendez-vous confirmé' }).waitFor();
      attendu(requetes.some((r) => r.methode === 'POST' && r.url === '/rdvs' && r.status === 201), 'no POST /rdvs answered 201');
    });

    await etape(page, 'mes-rendez-vous', async () => {
      await page.getByRole('link', { name: 'Voir mes rendez-vous' }).click();
      await page.getByRole('heading', { level: 1, name: 'Mes rendez-vous' }).waitFor();
      const cartes = page.locator('#rdvs-a-venir li.carte');
      await cartes.first().waitFor();
      attendu(await cartes.count() === 1, `${await cartes.count()} rdvs to come, 1 expected`);
      await cartes.first().getByText(PRATICIEN.nom).waitFor();
    });

    await etape(page, 'deplacement-choix', async () => {
      await page.getByRole('link', { name: 'Déplacer' }).click();
      await page.getByRole('heading', { level: 1, name: 'Déplacer un rendez-vous' }).waitFor();
      const { boutons, debuts } = await creneaux(page);
      // The earliest créneau: less than 24 h away (Dr Mathieu works every day, 07:00–21:00).
      debutDeplace = debuts[0];
      attendu(Date.parse(debutDeplace) - Date.now() < 24 * HEURE_MS, `the earliest créneau ${debutDeplace} is not within 24 h`);
      await boutons.first().click();
      await page.locator('#contenu').getByText('Créneau vérifié sur votre appareil').waitFor();
    });

    await etape(page, 'deplacement-fait', async () => {
      await page.getByRole('button', { name: 'Confirmer le nouvel horaire' }).click();
      await page.getByRole('heading', { level: 1, name: 'Mes rendez-vous' }).waitFor();
      await page.locator('#contenu').getByText('Rendez-vous déplacé au').waitFor();
      attendu(requetes.some((r) => r.methode === 'PATCH' && r.status === 200), 'no PATCH /rdvs/{id} answered 200');
    });

    await etape(page, 'annulation-tardive-avertissement', async () => {
      await page.locator('#rdvs-a-venir').getByRole('button', { name: 'Annuler' }).click();
      const tardive = Date.parse(debutDeplace) - Date.now() < 24 * HEURE_MS;
      if (tardive) {
        await page.getByRole('alert').filter({ hasText: 'Annulation tardive' }).waitFor();
        await page.getByRole('button', { name: 'Annuler quand même' }).waitFor();
      } else {
        await page.getByRole('button', { name: 'Confirmer l\'annulation' }).waitFor();
      }
      attendu(!requetes.some((r) => r.url.endsWith('/annulation')), 'the cancellation was sent before it was confirmed');
    });

    await etape(page, 'annulation-faite', async () => {
      await page.getByRole('button', { name: /Annuler quand même|Confirmer l'annulation/ }).click();
      await page.locator('#contenu').getByText(/Rendez-vous annulé( tardivement)?\./).first().waitFor();
      const carte = page.locator('#rdvs-a-venir li.carte').first();
      await carte.getByText(/Annulé( tardivement)?$/).waitFor();
      attendu(await carte.getByRole('button', { name: 'Annuler' }).count() === 0, 'a cancelled rdv still offers to cancel');
      attendu(requetes.some((r) => r.url.endsWith('/annulation') && r.status === 200), 'no POST /rdvs/{id}/annulation answered 200');
    });
    attendu(erreursConsole.length === 0, `console errors in the patient journey:\n${erreursConsole.join('\n')}`);
  } finally {
    await ctx.close();
  }
  return { email, debutDeplace };
}

async function planningPraticien(navigateur, base, { debutDeplace }) {
  const { ctx, page, erreursConsole } = await contexte(navigateur, base, TELEPHONE);
  try {
    await etape(page, 'planning-praticien', async () => {
      await page.goto('/#/connexion');
      await page.getByLabel('Email').fill(PRATICIEN.email);
      await page.getByLabel('Mot de passe').fill(MOT_DE_PASSE_DEMO);
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.getByRole('heading', { level: 1, name: 'Mon planning' }).waitFor();
      const jour = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date(debutDeplace));
      await page.goto(`/#/planning?jour=${jour}`);
      // The journey's rdv is on that day, cancelled late, with the patient's name.
      await page.getByRole('rowheader', { name: 'Camille Navigateur' }).first().waitFor();
    });
    attendu(erreursConsole.length === 0, `console errors in the planning:\n${erreursConsole.join('\n')}`);
  } finally {
    await ctx.close();
  }
}

async function horsLigne(navigateur, base) {
  const { ctx, page, requetes, erreursConsole } = await contexte(navigateur, base, ECRAN);
  try {
    await etape(page, 'hors-ligne-agenda-charge', async () => {
      await page.goto('/#/connexion');
      await page.getByLabel('Email').fill(PATIENT_DEMO);
      await page.getByLabel('Mot de passe').fill(MOT_DE_PASSE_DEMO);
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.getByRole('heading', { level: 1, name: 'Mes rendez-vous' }).waitFor();
      await page.goto(`/#/praticiens/${PRATICIEN.id}`);
      await creneaux(page);
    });

    let avant = [];
    await etape(page, 'hors-ligne-autre-motif', async () => {
      ({ debuts: avant } = await creneaux(page));
      const vus = requetes.length;
      await ctx.setOffline(true);
      // A 45-minute motif: other créneaux, computed from the agenda in hand.
      await page.getByLabel('Motif').selectOption({ label: 'Première consultation (45 min)' });
      await page.waitForFunction((liste) => [...document.querySelectorAll('button.creneau')].map((b) => b.dataset.debut).join() !== liste, avant.join());
      const { debuts } = await creneaux(page);
      attendu(debuts.length > 0 && debuts.join() !== avant.join(), 'créneaux not recomputed offline for another motif');
      attendu(requetes.slice(vus).every((r) => r.status === 0), 'a request succeeded although offline');
    });

    await etape(page, 'hors-ligne-reservation-verifiee', async () => {
      const { boutons } = await creneaux(page);
      await boutons.nth(2).click();
      await page.locator('#contenu').getByText('Créneau vérifié sur votre appareil').waitFor();
      await page.getByRole('button', { name: 'Confirmer le rendez-vous' }).click();
      await page.getByRole('alert').filter({ hasText: 'Connexion impossible' }).waitFor();
    });
    await ctx.setOffline(false);
    const horsCsp = erreursConsole.filter((e) => !/net::ERR_INTERNET_DISCONNECTED|Failed to fetch|Failed to load resource/.test(e));
    attendu(horsCsp.length === 0, `console errors offline:\n${horsCsp.join('\n')}`);
  } finally {
    await ctx.close();
  }
}

async function principal() {
  const debut = Date.now();
  await rm(ARTEFACTS, { recursive: true, force: true });
  await mkdir(ARTEFACTS, { recursive: true });
  if (!existsSync(CHROMIUM)) echouer(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM)`);
  const serveur = await demarrerServeur();
  let navigateur = null;
  let echec = null;
  try {
    await preparerPraticien(serveur.adresse);
    navigateur = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--no-proxy-server'],
      // launch() starts Chromium with a fresh --user-data-dir of its own (a temporary directory it
      // removes on close); passing one here is refused, as it belongs to launchPersistentContext(),
      // which could not give each scenario its own clean context.
    });
    // Each scenario on its own; the planning needs the journey's rdv.
    const scenario = async (nom, corps) => {
      try {
        return await corps();
      } catch (e) {
        echec ??= e;
        console.log(`✗ ${nom}: ${e.message.split('\n')[0]}`);
        return null;
      }
    };
    const parcours = await scenario('patient journey', () => parcoursPatient(navigateur, serveur.adresse));
    if (parcours) await scenario('praticien planning', () => planningPraticien(navigateur, serveur.adresse, parcours));
    await scenario('offline', () => horsLigne(navigateur, serveur.adresse));
  } catch (e) {
    echec ??= e;
  } finally {
    await navigateur?.close().catch(() => {});
    await serveur.arreter();
  }
  const ok = resultats.filter((r) => !r.erreur).length;
  console.log(`\nbrowser tests: ${ok}/${resultats.length} steps passed in ${((Date.now() - debut) / 1000).toFixed(1)} s; screenshots in ${path.relative(RACINE, ARTEFACTS)}/`);
  if (echec) {
    console.error(`FAILED: ${echec.message}`);
    const journal = serveur.journal().trim();
    if (journal) console.error(`--- server stderr (last lines) ---\n${journal.split('\n').slice(-30).join('\n')}`);
    process.exitCode = 1;
  }
}

await principal().catch((e) => {
  console.error(`FAILED before any step: ${e.message}`);
  process.exitCode = 1;
});
