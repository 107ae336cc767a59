// Search: full text (name, spécialité, ville), narrowed by spécialité and ville.
import { api, texteErreur } from '../api.js';
import { h, champ, message, annoncer } from '../dom.js';
import { specialitesConnues, nomPraticien, TYPES } from '../libelles.js';

export async function vueRecherche({ params, aller }) {
  const q = params.get('q') ?? '';
  const specialite = params.get('specialite') ?? '';
  const ville = params.get('ville') ?? '';
  const specialites = await specialitesConnues().catch(() => new Map());

  const choixSpecialite = h('select', { name: 'specialite', id: 'r-specialite' },
    h('option', { value: '' }, 'Toutes'),
    [...specialites].map(([code, libelle]) => h('option', { value: code, selected: code === specialite }, libelle)));
  const form = h('form', { class: 'recherche', role: 'search', onsubmit: (ev) => {
    ev.preventDefault();
    const donnees = new FormData(form);
    const p = new URLSearchParams();
    for (const cle of ['q', 'specialite', 'ville']) {
      const v = String(donnees.get(cle) ?? '').trim();
      if (v) p.set(cle, v);
    }
    aller(`/?${p}`);
  } },
  champ('Nom, spécialité ou ville', h('input', { type: 'search', name: 'q', id: 'r-q', value: q, autocomplete: 'off', placeholder: 'ex. cardiologue Nancy' })),
  champ('Spécialité', choixSpecialite),
  champ('Ville', h('input', { type: 'text', name: 'ville', id: 'r-ville', value: ville, autocomplete: 'address-level2' })),
  h('button', { type: 'submit', class: 'principal' }, 'Rechercher'));

  const resultats = h('section', { 'aria-labelledby': 'titre-resultats', class: 'resultats' });
  const page = h('div', {}, h('h1', {}, 'Trouver un praticien'), form, resultats);
  if (!q && !specialite && !ville) {
    resultats.append(h('h2', { id: 'titre-resultats', class: 'visuellement-cache' }, 'Résultats'),
      h('p', { class: 'aide' }, 'Cherchez par nom, spécialité ou ville : les fautes de frappe et les accents ne comptent pas.'));
    return page;
  }
  const p = new URLSearchParams({ limit: '20' });
  if (q) p.set('q', q);
  if (specialite) p.set('specialite', specialite);
  if (ville) p.set('ville', ville);
  try {
    const { items } = await api('GET', `/praticiens?${p}`);
    resultats.append(h('h2', { id: 'titre-resultats' }, items.length ? `${items.length} praticien${items.length > 1 ? 's' : ''}` : 'Aucun praticien trouvé'));
    resultats.append(h('ul', { class: 'cartes' }, items.map((pr) => h('li', { class: 'carte' },
      h('h3', {}, h('a', { href: `#/praticiens/${pr.id}` }, nomPraticien(pr))),
      h('p', {}, pr.specialites.map((s) => s.libelle).join(', ')),
      h('p', { class: 'discret' }, pr.structures.map((s) => `${s.nom}, ${s.ville}`).join(' · ')),
      h('p', { class: 'etiquettes' }, (pr.types ?? []).map((t) => h('span', { class: 'etiquette' }, TYPES[t] ?? t)),
        pr.nouveaux_patients === false ? h('span', { class: 'etiquette etiquette-attention' }, 'Pas de nouveaux patients') : null)))));
    annoncer(`${items.length} résultat${items.length > 1 ? 's' : ''}.`);
  } catch (e) {
    resultats.append(h('h2', { id: 'titre-resultats' }, 'Résultats'), message('erreur', texteErreur(e)));
  }
  return page;
}
