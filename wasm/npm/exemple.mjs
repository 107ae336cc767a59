// The README's example, run as is by wasm/tests/paquet.mjs in a project that installed the packed
// tarball: a praticien's free créneaux, a booking verdict, a cancellation verdict.
import { creneauxLibres, evaluerAnnulation, validerReservation } from "toubeelib-domain";

// In an app: await (await fetch(`${api}/praticiens/${id}/calendrier?debut=${debut}&fin=${fin}`)).json()
const calendrier = {
  specialites: ["medecine_generale"],
  lieux: [{ structure_id: "0195f0e1-7c2a-7000-8000-000000000001", fuseau: "Europe/Paris" }],
  horaires: [
    {
      jour: "dimanche",
      debut: "01:00",
      fin: "04:00",
      structure_id: "0195f0e1-7c2a-7000-8000-000000000001",
      types: ["presentiel"],
    },
  ],
  reglages: {
    patients_connus_uniquement: false,
    delai_annulation_heures: 24,
    annulation_tardive: "refusee",
    preavis_minutes: 0,
    horizon_jours: 90,
    rappel_heures: 24,
  },
  occupes: [{ debut: "2027-03-28T00:30:00Z", fin: "2027-03-28T01:00:00Z" }],
};
const now = "2027-03-20T09:00:00Z";

// The night the clocks spring forward: 02:00–03:00 does not exist, 01:30 is booked.
const libres = creneauxLibres(calendrier, "2027-03-27T12:00:00Z", "2027-03-28T12:00:00Z", { type: "presentiel" }, now);
for (const c of libres) {
  console.log(`libre : ${c.debut} → ${c.fin} (${c.type})`);
}

const demande = { specialite: "medecine_generale", type: "presentiel", debut: libres[0].debut };
console.log("réservation :", validerReservation(calendrier, demande, { connu: true }, now).debut);
try {
  validerReservation(calendrier, { ...demande, debut: "2027-03-28T00:30:00Z" }, { connu: true }, now);
} catch (e) {
  console.log(`refus : ${e.code}`); // creneau_indisponible
}

const rdv = { debut: libres[0].debut, statut: "prevu" };
console.log("annulation :", evaluerAnnulation(rdv, "patient", calendrier.reglages, now));
try {
  evaluerAnnulation(rdv, "patient", calendrier.reglages, "2027-03-27T23:00:00Z");
} catch (e) {
  console.log(`refus : ${e.code}`); // annulation_tardive_refusee: call the cabinet
}
