// A praticien's public profile and the booking of a créneau of theirs.
import { api, cleIdempotence, session, texteErreur, HorsLigne } from '../api.js';
import { h, champ, message, remplacer, annoncer } from '../dom.js';
import { domaine } from '../domaine.js';
import { creerSemaine } from '../semaine.js';
import { situationPatient } from '../situation.js';
import { MOYENS_PAIEMENT, SECTEURS, TYPES, libelleMotif, nomPraticien, praticien as chargerPraticien, specialitesConnues } from '../libelles.js';
import { dateHeure, euros, heure, maintenant } from '../temps.js';

/** Where a booking started before signing in waits (sessionStorage). */
export const CLE_RESERVATION = 'toubeelib.reservation';

export async function vuePraticien({ args: [id] }) {
  const [p, specialites] = await Promise.all([chargerPraticien(id), specialitesConnues().catch(() => new Map())]);
  const libelleSpecialite = (code) => specialites.get(code) ?? p.specialites.find((s) => s.code === code)?.libelle ?? code;

  // --- the profile -------------------------------------------------------------------------------
  const profil = h('section', { class: 'profil', 'aria-labelledby': 'titre-profil' },
    h('h1', { id: 'titre-profil' }, nomPraticien(p)),
    h('p', { class: 'sous-titre' }, p.specialites.map((s) => s.libelle).join(' · ')),
    p.nouveaux_patients === false ? message('info', 'Ce praticien indique ne pas prendre de nouveaux patients pour le moment.') : null,
    h('div', { class: 'colonnes' },
      h('div', {},
        h('h2', {}, 'Lieux de consultation'),
        h('ul', { class: 'liste' }, p.structures.map((s) => h('li', {},
          h('strong', {}, s.nom), h('br'), `${s.adresse}, ${s.code_postal} ${s.ville}`, h('br'),
          h('a', { href: `tel:${s.telephone}` }, s.telephone)))),
        h('h2', {}, 'Consultations'),
        h('p', {}, (p.types ?? []).map((t) => TYPES[t] ?? t).join(' et ') || '—')),
      h('div', {},
        h('h2', {}, 'Honoraires'),
        p.honoraires?.length
          ? h('table', { class: 'tableau' },
            h('caption', { class: 'visuellement-cache' }, 'Honoraires par spécialité et type de consultation'),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Consultation'), h('th', { scope: 'col' }, 'Tarif'), h('th', { scope: 'col' }, 'Secteur'))),
            h('tbody', {}, p.honoraires.map((x) => h('tr', {},
              h('td', {}, `${libelleSpecialite(x.specialite)}, ${(TYPES[x.type] ?? x.type).toLowerCase()}`),
              h('td', {}, euros(x.montant_centimes)),
              h('td', {}, SECTEURS[x.secteur] ?? x.secteur)))))
          : h('p', { class: 'discret' }, 'Non renseignés'),
        h('h2', {}, 'Moyens de paiement'),
        p.moyens_paiement?.length
          ? h('ul', { class: 'etiquettes' }, p.moyens_paiement.map((m) => h('li', { class: 'etiquette' }, MOYENS_PAIEMENT[m] ?? m)))
          : h('p', { class: 'discret' }, 'Non renseignés'),
        h('h2', {}, 'Motifs de consultation'),
        p.motifs?.length
          ? h('ul', { class: 'liste' }, p.motifs.map((m) => h('li', {}, m.libelle,
            h('span', { class: 'discret' }, ` — ${libelleSpecialite(m.specialite)}${m.duree_minutes ? `, ${m.duree_minutes} min` : ''}`))))
          : h('p', { class: 'discret' }, 'Non renseignés'))));

  // --- the booking -------------------------------------------------------------------------------
  const choixSpecialite = h('select', { id: 'choix-specialite' }, p.specialites.map((s) => h('option', { value: s.code }, s.libelle)));
  const choixType = h('select', { id: 'choix-type' }, (p.types?.length ? p.types : ['presentiel']).map((t) => h('option', { value: t }, TYPES[t] ?? t)));
  const choixMotif = h('select', { id: 'choix-motif' });
  function motifs() {
    const actuel = choixMotif.value;
    remplacer(choixMotif, h('option', { value: '' }, 'Consultation (sans motif particulier)'),
      (p.motifs ?? []).filter((m) => m.specialite === choixSpecialite.value)
        .map((m) => h('option', { value: m.code, selected: m.code === actuel }, `${m.libelle}${m.duree_minutes ? ` (${m.duree_minutes} min)` : ''}`)));
  }
  motifs();
  const recherche = () => ({ specialite: choixSpecialite.value, type: choixType.value, motif: choixMotif.value || null });

  const panneau = h('section', { class: 'panneau-reservation', 'aria-live': 'polite', id: 'reservation' });
  let situation = { connu: false, rdvs: [] };
  const situationPrete = session()?.moi?.patient_id
    ? situationPatient(p.id).then((s) => { situation = s; }).catch(() => {})
    : Promise.resolve();

  const semaine = creerSemaine({ praticien: p, recherche, onChoix: (c, agenda) => proposer(c, agenda) });
  for (const controle of [choixSpecialite, choixType, choixMotif]) {
    controle.addEventListener('change', () => {
      if (controle === choixSpecialite) motifs();
      semaine.recalculer();
    });
  }

  /** The demande of créneau `c` with the choices in the form. */
  function demande(c) {
    const r = recherche();
    return { specialite: c.specialite, type: c.type, debut: c.debut, motif: r.motif, origine: 'plateforme' };
  }

  async function verdict(c, agenda) {
    const regles = await domaine();
    try {
      return { creneau: regles.validerReservation(agenda, demande(c), situation, maintenant()) };
    } catch (e) {
      return { refus: e };
    }
  }

  // Once booked, the confirmation stays until another créneau is picked (reloading the week drops
  // the booked créneau, which would otherwise clear it).
  let confirme = false;

  async function proposer(c, agenda) {
    if (!c) {
      if (!confirme) remplacer(panneau);
      return;
    }
    confirme = false;
    await situationPrete;
    const { creneau, refus } = await verdict(c, agenda);
    const fuseau = semaine.fuseau(c.structure_id);
    const lieu = p.structures.find((s) => s.id === c.structure_id);
    const r = recherche();
    const resume = h('dl', { class: 'resume' },
      h('dt', {}, 'Quand'), h('dd', {}, `${dateHeure(c.debut, fuseau)} – ${heure(creneau?.fin ?? c.fin, fuseau)}`),
      h('dt', {}, 'Avec'), h('dd', {}, nomPraticien(p)),
      h('dt', {}, 'Pour'), h('dd', {}, [libelleSpecialite(c.specialite), r.motif ? libelleMotif(p, r.motif) : null].filter(Boolean).join(' — ')),
      h('dt', {}, 'Type'), h('dd', {}, TYPES[c.type] ?? c.type),
      lieu ? [h('dt', {}, 'Où'), h('dd', {}, `${lieu.nom}, ${lieu.adresse}, ${lieu.ville}`)] : null);
    const enfants = [h('h2', { id: 'titre-reservation' }, 'Votre rendez-vous'), resume];
    if (refus) {
      enfants.push(message('erreur', `Ce créneau ne peut pas être réservé : ${refus.message}`));
      remplacer(panneau, enfants);
      return;
    }
    enfants.push(message('succes', 'Créneau vérifié sur votre appareil : il respecte les règles de réservation du praticien.'));
    const moi = session()?.moi;
    if (!moi) {
      sessionStorage.setItem(CLE_RESERVATION, JSON.stringify({ praticien_id: p.id, ...demande(c) }));
      enfants.push(h('p', {}, 'Pour confirmer, connectez-vous ou créez votre compte patient : ce créneau vous attendra ici.'),
        h('p', { class: 'actions' },
          h('a', { class: 'bouton principal', href: `#/connexion?retour=${encodeURIComponent(`/praticiens/${p.id}`)}` }, 'Se connecter'),
          h('a', { class: 'bouton secondaire', href: `#/inscription?retour=${encodeURIComponent(`/praticiens/${p.id}`)}` }, 'Créer un compte')));
    } else if (moi.role !== 'patient') {
      enfants.push(message('info', 'La réservation en ligne est réservée aux comptes patients.'));
    } else {
      const retour = h('div', { class: 'retour-reservation' });
      const bouton = h('button', { type: 'button', class: 'principal', id: 'confirmer-reservation', onclick: () => confirmer(c, bouton, retour) }, 'Confirmer le rendez-vous');
      enfants.push(h('p', { class: 'actions' }, bouton), retour);
    }
    remplacer(panneau, enfants);
  }

  async function confirmer(c, bouton, retour) {
    bouton.disabled = true;
    remplacer(retour, h('p', { class: 'discret' }, 'Vérification…'));
    // Checked again at the moment of sending: time has passed since the créneau was picked.
    const { refus } = await verdict(c, semaine.agenda());
    if (refus) {
      remplacer(retour, message('erreur', `Ce créneau ne peut plus être réservé : ${refus.message}`));
      return;
    }
    try {
      const rdv = await api('POST', '/rdvs', {
        auth: true,
        corps: { praticien_id: p.id, ...demande(c) },
        entetes: { 'idempotency-key': cleIdempotence() },
      });
      sessionStorage.removeItem(CLE_RESERVATION);
      confirme = true;
      remplacer(panneau, h('h2', { id: 'titre-reservation' }, 'Rendez-vous confirmé'),
        message('succes', `Votre rendez-vous du ${dateHeure(rdv.debut, semaine.fuseau(rdv.structure_id))} avec ${nomPraticien(p)} est confirmé.`),
        h('p', { class: 'actions' }, h('a', { class: 'bouton principal', href: '#/rdvs' }, 'Voir mes rendez-vous')));
      annoncer('Rendez-vous confirmé.');
      situationPatient(p.id).then((s) => { situation = s; }).catch(() => {});
      semaine.demarrer();
    } catch (e) {
      bouton.disabled = false;
      const texte = e instanceof HorsLigne
        ? 'Connexion impossible : votre rendez-vous n\'a pas été enregistré. Réessayez une fois le réseau revenu.'
        : `Réservation refusée : ${texteErreur(e)}`;
      remplacer(retour, message('erreur', texte));
    }
  }

  const reservation = h('section', { class: 'reservation', 'aria-labelledby': 'titre-prendre' },
    h('h2', { id: 'titre-prendre' }, 'Prendre rendez-vous'),
    h('div', { class: 'choix' },
      champ('Spécialité', choixSpecialite),
      champ('Type de consultation', choixType),
      champ('Motif', choixMotif)),
    semaine.element, panneau);

  // A créneau picked before signing in is shown again, picked, once back here.
  const enAttente = JSON.parse(sessionStorage.getItem(CLE_RESERVATION) ?? 'null');
  if (enAttente?.praticien_id === p.id) {
    choixSpecialite.value = enAttente.specialite;
    motifs();
    choixType.value = enAttente.type;
    choixMotif.value = enAttente.motif ?? '';
    semaine.montrer(enAttente.debut).then((c) => {
      if (!c) panneau.append(message('avertissement', 'Le créneau choisi avant la connexion n\'est plus libre : choisissez-en un autre.'));
    });
  } else {
    semaine.demarrer();
  }
  return h('div', {}, profil, reservation);
}
