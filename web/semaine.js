// A week of free créneaux, computed in the browser by the domain rules (wasm) from one
// `/praticiens/{id}/calendrier` answer: changing the motif or the type needs no request, and what is
// shown still works once the network is gone.
import { api, texteErreur } from './api.js';
import { h, remplacer, message, annoncer } from './dom.js';
import { domaine } from './domaine.js';
import { aujourdhui, dateCourte, dateLongue, dateHeure, heure, jourDe, maintenant, minuit, plusJours } from './temps.js';

const JOURS = 7;

/** Créneaux shown per day before "more": a week of short slots would be metres long on a phone. */
const MONTRES_PAR_JOUR = 8;

/**
 * The week widget of praticien `praticien`. `recherche()` gives `{ specialite, type, motif }`;
 * `onChoix(creneau, agenda)` is called when a créneau is picked (null when none is).
 */
export function creerSemaine({ praticien, recherche, onChoix }) {
  const fuseau = praticien.structures?.[0]?.fuseau ?? 'Europe/Paris';
  const etat = { jour: aujourdhui(fuseau), agenda: null, creneaux: [], choisi: null, ouverts: new Set() };
  const titre = h('h3', { id: `semaine-${praticien.id}`, class: 'titre-semaine' });
  const precedente = h('button', { type: 'button', class: 'secondaire', onclick: () => charger(plusJours(etat.jour, -JOURS)) }, '← Semaine précédente');
  const suivante = h('button', { type: 'button', class: 'secondaire', onclick: () => charger(plusJours(etat.jour, JOURS)) }, 'Semaine suivante →');
  const etatMessage = h('div', { class: 'etat-semaine' });
  const grille = h('div', { class: 'grille-semaine' });
  const element = h('section', { class: 'semaine', 'aria-labelledby': titre.id },
    h('div', { class: 'navigation-semaine' }, precedente, titre, suivante), etatMessage, grille);

  function lieu(structureId) {
    return etat.agenda?.lieux?.find((l) => l.structure_id === structureId)?.fuseau ?? fuseau;
  }

  async function charger(jour) {
    const min = aujourdhui(fuseau);
    etat.ouverts.clear();
    etat.jour = jour < min ? min : jour;
    const debut = minuit(etat.jour, fuseau).toISOString();
    const fin = minuit(plusJours(etat.jour, JOURS), fuseau).toISOString();
    titre.textContent = `Du ${dateLongue(debut, fuseau)} au ${dateLongue(minuit(plusJours(etat.jour, JOURS - 1), fuseau), fuseau)}`;
    precedente.disabled = etat.jour <= min;
    remplacer(etatMessage, h('p', { class: 'discret' }, 'Chargement de l\'agenda…'));
    try {
      const p = new URLSearchParams({ debut, fin });
      etat.agenda = await api('GET', `/praticiens/${encodeURIComponent(praticien.id)}/calendrier?${p}`);
      etat.debut = debut;
      etat.fin = fin;
      remplacer(etatMessage);
    } catch (e) {
      etat.agenda = null;
      remplacer(etatMessage, message('erreur', `L'agenda n'a pas pu être chargé. ${texteErreur(e)}`));
      remplacer(grille);
      return;
    }
    await recalculer();
  }

  /** Computes the créneaux again from the agenda in hand (no request). */
  async function recalculer() {
    if (!etat.agenda) return;
    const regles = await domaine();
    try {
      etat.creneaux = regles.creneauxLibres(etat.agenda, etat.debut, etat.fin, recherche(), maintenant());
    } catch (e) {
      etat.creneaux = [];
      remplacer(grille, message('erreur', `Créneaux incalculables : ${e.message}`));
      return;
    }
    if (etat.choisi && !etat.creneaux.some((c) => c.debut === etat.choisi.debut)) choisir(null);
    afficher();
    annoncer(`${etat.creneaux.length} créneau${etat.creneaux.length > 1 ? 'x' : ''} libre${etat.creneaux.length > 1 ? 's' : ''} cette semaine.`);
  }

  function afficher() {
    const parJour = new Map();
    for (let i = 0; i < JOURS; i++) parJour.set(plusJours(etat.jour, i), []);
    for (const c of etat.creneaux) parJour.get(jourDe(c.debut, lieu(c.structure_id)))?.push(c);
    remplacer(grille, [...parJour].map(([jour, creneaux]) => {
      const idJour = `jour-${jour}`;
      const ouvert = etat.ouverts.has(jour) || creneaux.findIndex((c) => c.debut === etat.choisi?.debut) >= MONTRES_PAR_JOUR;
      const montres = ouvert ? creneaux : creneaux.slice(0, MONTRES_PAR_JOUR);
      const reste = creneaux.length - montres.length;
      return h('div', { class: 'jour', role: 'group', 'aria-labelledby': idJour },
        h('h4', { id: idJour }, dateCourte(minuit(jour, fuseau), fuseau)),
        creneaux.length
          ? h('ul', { class: 'creneaux' }, montres.map((c) => h('li', {}, h('button', {
            type: 'button',
            class: 'creneau',
            'data-debut': c.debut,
            'aria-pressed': String(etat.choisi?.debut === c.debut),
            'aria-label': `${dateHeure(c.debut, lieu(c.structure_id))}`,
            onclick: () => choisir(c),
          }, heure(c.debut, lieu(c.structure_id))))))
          : h('p', { class: 'discret aucun' }, 'Aucun créneau'),
        reste > 0 ? h('button', {
          type: 'button', class: 'lien plus',
          onclick: () => {
            etat.ouverts.add(jour);
            afficher();
            grille.querySelector(`#${idJour}`)?.parentElement?.querySelectorAll('button.creneau')[MONTRES_PAR_JOUR]?.focus();
          },
        }, `${reste} autre${reste > 1 ? 's' : ''} horaire${reste > 1 ? 's' : ''}`) : null);
    }));
    if (!etat.creneaux.length) {
      grille.prepend(message('info', 'Aucun créneau libre cette semaine pour ce choix : essayez la semaine suivante, un autre motif ou un autre type de consultation.'));
    }
  }

  function choisir(c) {
    etat.choisi = c;
    for (const b of grille.querySelectorAll('button.creneau')) {
      b.setAttribute('aria-pressed', String(c !== null && b.dataset.debut === c.debut));
    }
    onChoix(c, etat.agenda);
  }

  /** Shows the week holding `debut` and picks the créneau starting then, if still free. */
  async function montrer(debut) {
    await charger(jourDe(debut, fuseau));
    const c = etat.creneaux.find((x) => x.debut === debut);
    if (c) choisir(c);
    return c ?? null;
  }

  return {
    element, charger, recalculer, montrer,
    agenda: () => etat.agenda,
    fuseau: (structureId) => lieu(structureId),
    demarrer: () => charger(etat.jour),
  };
}
