// "Mes rendez-vous": the patient's rdvs to come and past ones, moving one, cancelling one with the
// 24-hour rule weighed on the device before anything is sent.
import { api, cleIdempotence, session, texteErreur, ErreurApi } from '../api.js';
import { h, message, remplacer } from '../dom.js';
import { domaine } from '../domaine.js';
import { creerSemaine } from '../semaine.js';
import { situationPatient } from '../situation.js';
import { STATUTS, TYPES, libelleMotif, nomPraticien, praticien as chargerPraticien, specialitesConnues } from '../libelles.js';
import { dateHeure, heure, maintenant } from '../temps.js';

function exigerPatient() {
  const moi = session()?.moi;
  if (moi?.role === 'patient' && moi.patient_id) return moi;
  return null;
}

function invitationConnexion(titre, retour) {
  return h('div', { class: 'etroit' }, h('h1', {}, titre),
    message('info', 'Connectez-vous avec votre compte patient pour voir vos rendez-vous.'),
    h('p', { class: 'actions' }, h('a', { class: 'bouton principal', href: `#/connexion?retour=${encodeURIComponent(retour)}` }, 'Se connecter')));
}

function fuseauDe(p, structureId) {
  return p.structures.find((s) => s.id === structureId)?.fuseau ?? 'Europe/Paris';
}

export async function vueRdvs({ aller }) {
  const moi = exigerPatient();
  if (!moi) return invitationConnexion('Mes rendez-vous', '/rdvs');
  const id = encodeURIComponent(moi.patient_id);
  const [aVenir, passes, specialites] = await Promise.all([
    api('GET', `/patients/${id}/rdvs?periode=a_venir&limit=100`, { auth: true }),
    api('GET', `/patients/${id}/rdvs?periode=passes&limit=20`, { auth: true }),
    specialitesConnues().catch(() => new Map()),
  ]);
  const praticiens = new Map();
  await Promise.all([...new Set([...aVenir.items, ...passes.items].map((r) => r.praticien_id))]
    .map(async (pid) => praticiens.set(pid, await chargerPraticien(pid).catch(() => null))));
  const retourGlobal = h('div', { id: 'retour-rdvs' });

  function carte(rdv) {
    const p = praticiens.get(rdv.praticien_id);
    const fuseau = p ? fuseauDe(p, rdv.structure_id) : 'Europe/Paris';
    const lieu = p?.structures.find((s) => s.id === rdv.structure_id);
    const zoneAction = h('div', { class: 'zone-action' });
    const actions = h('p', { class: 'actions' });
    if (rdv.links?.deplacer) actions.append(h('a', { class: 'bouton secondaire', href: `#/rdvs/${rdv.id}/deplacer` }, 'Déplacer'));
    if (rdv.links?.annuler) {
      actions.append(h('button', { type: 'button', class: 'secondaire danger', onclick: () => preparerAnnulation(rdv, p, zoneAction, actions) }, 'Annuler'));
    }
    const titre = `${dateHeure(rdv.debut, fuseau)}`;
    const annule = rdv.statut === 'annule' || rdv.statut === 'annule_tardivement';
    return h('li', { class: `carte rdv${annule ? ' rdv-annule' : ''}`, 'data-rdv': rdv.id },
      h('h3', {}, titre),
      h('p', {}, p ? h('a', { href: `#/praticiens/${p.id}` }, nomPraticien(p)) : 'Praticien',
        ` — ${specialites.get(rdv.specialite) ?? rdv.specialite}${rdv.motif ? `, ${libelleMotif(p, rdv.motif)}` : ''}`),
      h('p', { class: 'discret' }, `${TYPES[rdv.type] ?? rdv.type} · jusqu'à ${heure(rdv.fin, fuseau)}${lieu ? ` · ${lieu.nom}, ${lieu.adresse}, ${lieu.ville}` : ''}`),
      h('p', {}, h('span', { class: `statut statut-${rdv.statut}` }, STATUTS[rdv.statut] ?? rdv.statut)),
      actions, zoneAction);
  }

  async function preparerAnnulation(rdv, p, zone, actions) {
    remplacer(zone, h('p', { class: 'discret' }, 'Vérification des conditions d\'annulation…'));
    let evaluation;
    try {
      // The praticien's réglages (delay, policy) come with the calendrier; the rule runs here.
      const debut = maintenant();
      const fin = new Date(Date.now() + 3600_000).toISOString();
      const agenda = await api('GET', `/praticiens/${encodeURIComponent(rdv.praticien_id)}/calendrier?${new URLSearchParams({ debut, fin })}`);
      const regles = await domaine();
      evaluation = regles.evaluerAnnulation(rdv, 'patient', agenda.reglages, maintenant());
      evaluation.delai = agenda.reglages.delai_annulation_heures;
    } catch (e) {
      if (e?.code === 'annulation_tardive_refusee') {
        const tel = p?.structures.find((s) => s.id === rdv.structure_id)?.telephone;
        remplacer(zone, message('avertissement', `${e.message}`, tel ? [' : ', h('a', { href: `tel:${tel}` }, tel)] : null));
      } else {
        remplacer(zone, message('erreur', `Annulation impossible : ${texteErreur(e)}`));
      }
      return;
    }
    const fuseau = p ? fuseauDe(p, rdv.structure_id) : 'Europe/Paris';
    const garder = h('button', { type: 'button', class: 'secondaire', onclick: () => { remplacer(zone); actions.hidden = false; } }, 'Garder le rendez-vous');
    const confirmer = h('button', { type: 'button', class: 'principal danger', id: `confirmer-annulation-${rdv.id}`, onclick: () => annuler(rdv, zone, confirmer) },
      evaluation.statut === 'annule_tardivement' ? 'Annuler quand même' : 'Confirmer l\'annulation');
    actions.hidden = true;
    remplacer(zone,
      evaluation.statut === 'annule_tardivement'
        ? message('avertissement', h('strong', {}, 'Annulation tardive. '),
          `Il reste moins de ${evaluation.delai} h avant ce rendez-vous (annulation sans pénalité possible jusqu'au ${dateHeure(evaluation.limite, fuseau)}). `,
          'Elle sera signalée au praticien et comptera dans votre historique.')
        : message('info', `Annuler le rendez-vous du ${dateHeure(rdv.debut, fuseau)} ? Le créneau sera libéré pour un autre patient.`),
      h('p', { class: 'actions' }, confirmer, garder));
    confirmer.focus();
  }

  async function annuler(rdv, zone, bouton) {
    bouton.disabled = true;
    try {
      const fait = await api('POST', `/rdvs/${encodeURIComponent(rdv.id)}/annulation`, { auth: true, entetes: { 'idempotency-key': cleIdempotence() } });
      const texte = fait.statut === 'annule_tardivement' ? 'Rendez-vous annulé tardivement.' : 'Rendez-vous annulé.';
      sessionStorage.setItem('toubeelib.retour-rdvs', texte);
      aller('/rdvs');
    } catch (e) {
      bouton.disabled = false;
      const tel = e instanceof ErreurApi ? e.probleme.telephone : null;
      remplacer(zone, message('erreur', `Annulation refusée : ${texteErreur(e)}`, tel ? [' ', h('a', { href: `tel:${tel}` }, tel)] : null));
    }
  }

  const retourPrecedent = sessionStorage.getItem('toubeelib.retour-rdvs');
  if (retourPrecedent) {
    sessionStorage.removeItem('toubeelib.retour-rdvs');
    // role=status: read once by itself, no need to announce it again.
    retourGlobal.append(message('succes', retourPrecedent));
  }
  const prevus = aVenir.items;
  return h('div', {},
    h('h1', {}, 'Mes rendez-vous'), retourGlobal,
    h('section', { 'aria-labelledby': 'titre-a-venir' },
      h('h2', { id: 'titre-a-venir' }, 'À venir'),
      prevus.length ? h('ul', { class: 'cartes', id: 'rdvs-a-venir' }, prevus.map(carte))
        : h('p', {}, 'Aucun rendez-vous à venir. ', h('a', { href: '#/' }, 'Trouver un praticien'))),
    h('details', { class: 'passes' },
      h('summary', {}, `Rendez-vous passés (${passes.items.length})`),
      h('ul', { class: 'cartes' }, passes.items.map(carte))));
}

export async function vueDeplacement({ args: [rdvId] }) {
  const moi = exigerPatient();
  if (!moi) return invitationConnexion('Déplacer un rendez-vous', `/rdvs/${rdvId}/deplacer`);
  const rdv = await api('GET', `/rdvs/${encodeURIComponent(rdvId)}`, { auth: true });
  const p = await chargerPraticien(rdv.praticien_id);
  const fuseau = fuseauDe(p, rdv.structure_id);
  if (!rdv.links?.deplacer) {
    return h('div', {}, h('h1', {}, 'Déplacer un rendez-vous'),
      message('info', 'Ce rendez-vous ne peut plus être déplacé en ligne.'), h('p', {}, h('a', { href: '#/rdvs' }, 'Retour à mes rendez-vous')));
  }
  let situation = { connu: true, rdvs: [] };
  const situationPrete = situationPatient(p.id, { sauf: rdv.id }).then((s) => { situation = { ...s, connu: true }; }).catch(() => {});
  const recherche = () => ({ specialite: rdv.specialite, type: rdv.type, motif: rdv.motif ?? null });
  const panneau = h('section', { class: 'panneau-reservation', 'aria-live': 'polite' });

  async function proposer(c, agenda) {
    if (!c) { remplacer(panneau); return; }
    await situationPrete;
    const regles = await domaine();
    try {
      regles.validerReservation(agenda, { specialite: rdv.specialite, type: rdv.type, debut: c.debut, motif: rdv.motif ?? null, origine: 'plateforme' }, situation, maintenant());
    } catch (e) {
      remplacer(panneau, message('erreur', `Ce créneau ne convient pas : ${e.message}`));
      return;
    }
    const retour = h('div');
    const bouton = h('button', { type: 'button', class: 'principal', id: 'confirmer-deplacement', onclick: async () => {
      bouton.disabled = true;
      try {
        const fait = await api('PATCH', `/rdvs/${encodeURIComponent(rdv.id)}`, { auth: true, corps: { debut: c.debut }, entetes: { 'idempotency-key': cleIdempotence() } });
        sessionStorage.setItem('toubeelib.retour-rdvs', `Rendez-vous déplacé au ${dateHeure(fait.debut, fuseau)}.`);
        location.hash = '/rdvs';
      } catch (e) {
        bouton.disabled = false;
        remplacer(retour, message('erreur', `Déplacement refusé : ${texteErreur(e)}`));
      }
    } }, 'Confirmer le nouvel horaire');
    remplacer(panneau, h('h2', {}, 'Nouvel horaire'),
      h('p', {}, `Du ${dateHeure(rdv.debut, fuseau)} au `, h('strong', {}, dateHeure(c.debut, fuseau)), '.'),
      message('succes', 'Créneau vérifié sur votre appareil : il respecte les règles de réservation du praticien.'),
      h('p', { class: 'actions' }, bouton, h('a', { class: 'bouton secondaire', href: '#/rdvs' }, 'Ne rien changer')), retour);
  }

  const semaine = creerSemaine({ praticien: p, recherche, onChoix: proposer });
  semaine.demarrer();
  return h('div', {},
    h('h1', {}, 'Déplacer un rendez-vous'),
    h('p', {}, `Rendez-vous actuel : ${dateHeure(rdv.debut, fuseau)} avec ${nomPraticien(p)}${rdv.motif ? ` (${libelleMotif(p, rdv.motif)})` : ''}.`),
    h('section', { 'aria-labelledby': 'titre-nouveau' }, h('h2', { id: 'titre-nouveau' }, 'Choisir un nouveau créneau'), semaine.element, panneau));
}
