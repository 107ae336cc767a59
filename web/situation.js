// What the booking rules need of the signed-in patient, fetched while online and kept for offline.
import { api, session } from './api.js';

/** The patient's rdvs holding a créneau, and whether praticien `praticienId` knows them. */
export async function situationPatient(praticienId, { sauf } = {}) {
  const patientId = session()?.moi?.patient_id;
  if (!patientId) return { connu: false, rdvs: [] };
  const id = encodeURIComponent(patientId);
  const [rdvs, consultes] = await Promise.all([
    api('GET', `/patients/${id}/rdvs?periode=a_venir&limit=100`, { auth: true }),
    api('GET', `/patients/${id}/praticiens`, { auth: true }).catch(() => ({ items: [] })),
  ]);
  const tenus = rdvs.items.filter((r) => r.id !== sauf && r.statut !== 'annule' && r.statut !== 'annule_tardivement');
  return {
    connu: consultes.items.some((p) => p.id === praticienId) || tenus.some((r) => r.praticien_id === praticienId),
    rdvs: tenus.map((r) => ({ debut: r.debut, fin: r.fin })),
  };
}
