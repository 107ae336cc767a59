// A praticien's day: their rdvs with the patient's name, type, motif and statut.
import { api, session, texteErreur } from '../api.js';
import { h, champ, message, remplacer } from '../dom.js';
import { STATUTS, TYPES, libelleMotif, praticien as chargerPraticien, specialitesConnues } from '../libelles.js';
import { aujourdhui, dateLongue, heure, minuit, plusJours } from '../temps.js';

export async function vuePlanning({ params, aller }) {
  const moi = session()?.moi;
  if (!moi?.praticien_id) {
    return h('div', { class: 'etroit' }, h('h1', {}, 'Mon planning'),
      message('info', 'Le planning est réservé aux praticiens : connectez-vous avec votre compte praticien.'),
      h('p', { class: 'actions' }, h('a', { class: 'bouton principal', href: '#/connexion?retour=%2Fplanning' }, 'Se connecter')));
  }
  const [p, specialites] = await Promise.all([chargerPraticien(moi.praticien_id), specialitesConnues().catch(() => new Map())]);
  const fuseau = p.structures?.[0]?.fuseau ?? 'Europe/Paris';
  const jour = /^\d{4}-\d{2}-\d{2}$/.test(params.get('jour') ?? '') ? params.get('jour') : aujourdhui(fuseau);
  const choixJour = h('input', { type: 'date', id: 'planning-jour', value: jour,
    onchange: () => { if (choixJour.value) aller(`/planning?jour=${choixJour.value}`); } });
  const liste = h('div', { id: 'planning-liste' });
  try {
    const q = new URLSearchParams({ debut: minuit(jour, fuseau).toISOString(), fin: minuit(plusJours(jour, 1), fuseau).toISOString() });
    const { items } = await api('GET', `/praticiens/${encodeURIComponent(p.id)}/planning?${q}`, { auth: true });
    const lieu = (id) => p.structures.find((s) => s.id === id);
    remplacer(liste, items.length
      ? h('table', { class: 'tableau planning' },
        h('caption', {}, `${items.length} rendez-vous le ${dateLongue(minuit(jour, fuseau), fuseau)}`),
        h('thead', {}, h('tr', {}, ['Heure', 'Patient', 'Consultation', 'Statut'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, items.map((r) => h('tr', { class: `statut-ligne-${r.statut}` },
          h('td', { 'data-libelle': 'Heure' }, `${heure(r.debut, fuseau)} – ${heure(r.fin, fuseau)}`),
          h('th', { scope: 'row', 'data-libelle': 'Patient' }, `${r.patient_prenom} ${r.patient_nom}`),
          h('td', { 'data-libelle': 'Consultation' }, [specialites.get(r.specialite) ?? r.specialite, r.motif ? libelleMotif(p, r.motif) : null, TYPES[r.type] ?? r.type,
            r.origine === 'hors_plateforme' ? 'hors plateforme' : null, p.structures.length > 1 ? lieu(r.structure_id)?.nom : null].filter(Boolean).join(' · ')),
          h('td', { 'data-libelle': 'Statut' }, h('span', { class: `statut statut-${r.statut}` }, STATUTS[r.statut] ?? r.statut))))))
      : h('p', {}, `Aucun rendez-vous le ${dateLongue(minuit(jour, fuseau), fuseau)}.`));
  } catch (e) {
    remplacer(liste, message('erreur', texteErreur(e)));
  }
  return h('div', {},
    h('h1', {}, 'Mon planning'),
    h('div', { class: 'barre-jour' },
      h('a', { class: 'bouton secondaire', href: `#/planning?jour=${plusJours(jour, -1)}`, 'aria-label': 'Jour précédent' }, '←'),
      champ('Jour', choixJour),
      h('a', { class: 'bouton secondaire', href: `#/planning?jour=${plusJours(jour, 1)}`, 'aria-label': 'Jour suivant' }, '→')),
    liste);
}
