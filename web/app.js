// The web app: a hash router over a few views, the menu that follows the session.
import { session, fermerSession, texteErreur } from './api.js';
import { h, remplacer, message, annoncer } from './dom.js';
import { domaine } from './domaine.js';
import { vueRecherche } from './vues/recherche.js';
import { vuePraticien } from './vues/praticien.js';
import { vueConnexion, vueInscription } from './vues/compte.js';
import { vueRdvs, vueDeplacement } from './vues/rdvs.js';
import { vuePlanning } from './vues/planning.js';

const routes = [
  [/^\/$/, vueRecherche],
  [/^\/praticiens\/([\w-]+)$/, vuePraticien],
  [/^\/connexion$/, vueConnexion],
  [/^\/inscription$/, vueInscription],
  [/^\/rdvs$/, vueRdvs],
  [/^\/rdvs\/([\w-]+)\/deplacer$/, vueDeplacement],
  [/^\/planning$/, vuePlanning],
];

/** The current route: its path and query parameters (`#/praticiens/x?y=z`). */
export function routeCourante() {
  const brut = location.hash.replace(/^#/, '') || '/';
  const [chemin, requete = ''] = brut.split('?');
  return { chemin, params: new URLSearchParams(requete) };
}

/** Goes to `#chemin` (and renders it even when it is the current one). */
export function aller(chemin) {
  if (location.hash === `#${chemin}`) rendre();
  else location.hash = chemin;
}

let generation = 0;

async function rendre() {
  const ici = ++generation;
  const { chemin, params } = routeCourante();
  const main = document.getElementById('contenu');
  for (const [motif, vue] of routes) {
    const m = chemin.match(motif);
    if (!m) continue;
    main.setAttribute('aria-busy', 'true');
    try {
      const contenu = await vue({ params, args: m.slice(1), aller, estCourante: () => ici === generation });
      if (ici !== generation) return;
      remplacer(main, contenu);
    } catch (e) {
      if (ici !== generation) return;
      remplacer(main, h('h1', { tabindex: '-1' }, 'Une erreur est survenue'), message('erreur', texteErreur(e)));
    } finally {
      if (ici === generation) main.removeAttribute('aria-busy');
    }
    const titre = main.querySelector('h1');
    if (titre) {
      document.title = `${titre.textContent} — Toubeelib`;
      titre.setAttribute('tabindex', '-1');
      titre.focus({ preventScroll: false });
    }
    return;
  }
  remplacer(main, h('h1', {}, 'Page introuvable'), h('p', {}, h('a', { href: '#/' }, 'Retour à la recherche')));
}

function menu() {
  const s = session();
  const liens = [h('li', {}, h('a', { href: '#/' }, 'Rechercher'))];
  if (s?.moi?.role === 'patient') liens.push(h('li', {}, h('a', { href: '#/rdvs' }, 'Mes rendez-vous')));
  if (s?.moi?.praticien_id) liens.push(h('li', {}, h('a', { href: '#/planning' }, 'Mon planning')));
  if (s) {
    liens.push(h('li', {}, h('button', {
      type: 'button', class: 'lien',
      onclick: async () => {
        await fermerSession();
        annoncer('Vous êtes déconnecté.');
        aller('/');
      },
    }, 'Se déconnecter')));
  } else {
    liens.push(h('li', {}, h('a', { href: '#/connexion' }, 'Se connecter')));
  }
  remplacer(document.getElementById('menu'), liens);
}

window.addEventListener('hashchange', rendre);
window.addEventListener('session', menu);
menu();
// Compiled at start, so that créneaux can still be computed if the network goes away later.
domaine().catch((e) => {
  const main = document.getElementById('contenu');
  main.prepend(message('erreur', `Le module de calcul des créneaux n'a pas pu être chargé : ${e.message}`));
});
rendre();
