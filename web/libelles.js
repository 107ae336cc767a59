// French labels of the API's codes, and the reference lists loaded once.
import { api } from './api.js';

export const TYPES = { presentiel: 'Au cabinet', teleconsultation: 'Téléconsultation' };

export const MOYENS_PAIEMENT = {
  carte_vitale: 'Carte Vitale (tiers payant)',
  carte_bancaire: 'Carte bancaire',
  cheque: 'Chèque',
  especes: 'Espèces',
  virement: 'Virement',
};

export const SECTEURS = { 1: 'Secteur 1', 2: 'Secteur 2', non_conventionne: 'Non conventionné' };

export const STATUTS = {
  prevu: 'Prévu',
  honore: 'Honoré',
  non_honore: 'Non honoré',
  annule: 'Annulé',
  annule_tardivement: 'Annulé tardivement',
  paye: 'Payé',
  transmis: 'Transmis',
};

let specialites = null;

/** `code → libellé` of every spécialité (`GET /specialites`). */
export async function specialitesConnues() {
  specialites ??= api('GET', '/specialites?limit=100')
    .then((r) => new Map(r.items.map((s) => [s.code, s.libelle])))
    .catch((e) => { specialites = null; throw e; });
  return specialites;
}

const praticiens = new Map();

/** A praticien's public profile, fetched once per page load. */
export function praticien(id) {
  if (!praticiens.has(id)) {
    const p = api('GET', `/praticiens/${encodeURIComponent(id)}`);
    p.catch(() => praticiens.delete(id));
    praticiens.set(id, p);
  }
  return praticiens.get(id);
}

/** "Dr Camille Laurent". */
export function nomPraticien(p) {
  return [p.titre, p.prenom, p.nom].filter(Boolean).join(' ');
}

/** The libellé of a motif code of praticien `p`. */
export function libelleMotif(p, code) {
  return p?.motifs?.find((m) => m.code === code)?.libelle ?? code;
}
