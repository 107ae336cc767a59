//! The embedded demo dataset: a working maison médicale on an empty store.
//!
//! `data/demo.json` (its own format, [`format`]; neither the API's nor the store's) is read through the
//! domain's parsers ([`lecture`]), so a wrong RPPS, NIR, phone or horaire in it fails a unit test, never
//! a server. Its days are relative to the load day and its times are wall-clock times of each
//! structure, so the demo is always current: rdvs to come are booked through [`Stockage::reserver`]
//! (booking rules included) on the first free créneau on or after their target day ([`creneaux`]);
//! past rdvs are written by [`Stockage::importer_rdv`] with a plausible history, payment and
//! transmission, on a créneau the horaires of that day offered.
//!
//! Every id is fixed in the file (the README cites them); an account's id is derived from its entity's
//! ([`lecture::compte_de`]). Every account has the password [`MOT_DE_PASSE_DEMO`], whose hash the
//! caller computes once.
//!
//! Errors: [`SeedError`]; the store's are wrapped with the entity at fault. A load is not one
//! transaction: a store that failed half-way is not empty, and is not seeded again by itself.

mod creneaux;
pub mod echelle;
mod format;
mod lecture;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::consultation::Origine;
use domain::disponibilite::{CreneauLibre, Recherche};
use domain::ids::{PatientId, PraticienId};
use domain::reservation::{RefusReservation, Reservation};
use domain::statut::Statut;
use domain::temps::{Creneau, Fuseau};

use crate::modele::{Compte, CompteId, Evenement, Paiement, Rdv, Role, Transmission};
use crate::store::{NouvelleReservation, Reserve, Stockage, StoreError};

use self::creneaux::{Cible, Sens};
use self::lecture::{Demo, PlanRdv, compte_de};

/// The password of every demo account (listed in the README).
pub const MOT_DE_PASSE_DEMO: &str = "toubeelib-demo-2026";

/// The dataset, embedded in the binary.
pub const DEMO_JSON: &str = include_str!("../../data/demo.json");

/// Most free créneaux tried for one rdv to come before giving up.
const TENTATIVES_MAX: usize = 20;

/// What a load created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResumeSeed {
    /// Structures.
    pub structures: usize,
    /// Praticiens (each with its account).
    pub praticiens: usize,
    /// Personnel (each with its account).
    pub personnels: usize,
    /// Patients (each with its account and dossier).
    pub patients: usize,
    /// Administrator accounts.
    pub admins: usize,
    /// Past rdvs, imported with their history.
    pub rdvs_passes: usize,
    /// Rdvs to come, booked under the booking rules.
    pub rdvs_a_venir: usize,
    /// Rdvs that did not land on their target day (weekend, jour férié, day off, nothing free).
    pub rdvs_decales: usize,
}

/// Why the demo dataset could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// `data/demo.json` is not well-formed or has an unknown field or value.
    #[error("jeu de démonstration illisible : {0}")]
    Json(#[from] serde_json::Error),
    /// A value or a reference of the dataset is wrong; names the entity.
    #[error("jeu de démonstration invalide ({ou}) : {raison}")]
    Invalide {
        /// The entity at fault.
        ou: String,
        /// What is wrong.
        raison: String,
    },
    /// The store already holds data: the dataset only goes into an empty store.
    #[error("le stockage n'est pas vide : le jeu de démonstration n'est chargé que dans un stockage neuf")]
    StockageNonVide,
    /// No free créneau for a rdv within the search bound.
    #[error("aucun créneau libre pour le rdv {ou} autour du jour prévu")]
    AucunCreneau {
        /// The rdv.
        ou: String,
    },
    /// The store refused or failed; names the entity.
    #[error("stockage ({ou})")]
    Stockage {
        /// The entity being written.
        ou: String,
        /// The store's error.
        #[source]
        source: StoreError,
    },
}

/// Loads the demo dataset into an empty `store`, for a load on the local date `aujourdhui` at `now`;
/// every account gets `mot_de_passe_hash` (the hash of [`MOT_DE_PASSE_DEMO`]).
pub fn charger_demo(
    store: &dyn Stockage,
    mot_de_passe_hash: &str,
    aujourdhui: NaiveDate,
    now: DateTime<Utc>,
) -> Result<ResumeSeed, SeedError> {
    let vide = store.est_vide().map_err(|source| SeedError::Stockage {
        ou: "est_vide".into(),
        source,
    })?;
    if !vide {
        return Err(SeedError::StockageNonVide);
    }
    let demo = lecture::lire(DEMO_JSON, aujourdhui)?;
    let compte = |id: uuid::Uuid, email: &domain::identifiants::Email, role| Compte {
        id: compte_de(id),
        email: email.clone(),
        mot_de_passe_hash: mot_de_passe_hash.to_owned(),
        role,
        cree_le: now,
    };
    let ecrit = |ou: String| move |source| SeedError::Stockage { ou, source };
    for s in &demo.structures {
        store
            .creer_structure(s)
            .map_err(ecrit(format!("structure {}", s.id)))?;
    }
    for p in &demo.praticiens {
        store
            .creer_praticien(&compte(p.id.0, &p.email, Role::Praticien(p.id)), p)
            .map_err(ecrit(format!("praticien {}", p.id)))?;
    }
    for p in &demo.personnels {
        store
            .creer_personnel(&compte(p.id.0, &p.email, Role::Personnel(p.id)), p)
            .map_err(ecrit(format!("personnel {}", p.id)))?;
    }
    for p in &demo.patients {
        store
            .creer_patient(&compte(p.id.0, &p.email, Role::Patient(p.id)), p)
            .map_err(ecrit(format!("patient {}", p.id)))?;
    }
    for (id, email) in &demo.admins {
        let admin = Compte {
            id: *id,
            email: email.clone(),
            mot_de_passe_hash: mot_de_passe_hash.to_owned(),
            role: Role::Admin,
            cree_le: now,
        };
        store
            .creer_admin(&admin)
            .map_err(ecrit(format!("admin {}", id.0)))?;
    }
    let mut resume = ResumeSeed {
        structures: demo.structures.len(),
        praticiens: demo.praticiens.len(),
        personnels: demo.personnels.len(),
        patients: demo.patients.len(),
        admins: demo.admins.len(),
        ..ResumeSeed::default()
    };
    let mut pris = Pris::default();
    // Past rdvs first: they make their patients known to the praticiens who take known patients only.
    let (passes, a_venir): (Vec<_>, Vec<_>) = demo.rdvs.iter().enumerate().partition(|(_, r)| !r.a_venir());
    for (rang, plan) in passes {
        let libre = placer(store, &demo, plan, &pris, Sens::Passe)?
            .into_iter()
            .next()
            .ok_or_else(|| SeedError::AucunCreneau {
                ou: plan.id.to_string(),
            })?;
        let rdv = rdv_passe(plan, &libre, rang, now);
        store
            .importer_rdv(&rdv)
            .map_err(ecrit(format!("rdv {}", plan.id)))?;
        resume.rdvs_decales += usize::from(decale(&demo, plan, &libre));
        pris.ajouter(plan, rdv.creneau);
        resume.rdvs_passes += 1;
    }
    for (_, plan) in a_venir {
        let libre = reserver(store, &demo, plan, &pris, now)?;
        resume.rdvs_decales += usize::from(decale(&demo, plan, &libre));
        pris.ajouter(plan, libre.creneau());
        resume.rdvs_a_venir += 1;
    }
    Ok(resume)
}

/// Créneaux the seed already gave, per patient and per praticien, so no two of its rdvs overlap.
#[derive(Debug, Default)]
struct Pris {
    patients: HashMap<PatientId, Vec<Creneau>>,
    praticiens: HashMap<PraticienId, Vec<Creneau>>,
}

impl Pris {
    fn ajouter(&mut self, plan: &PlanRdv, creneau: Creneau) {
        self.patients.entry(plan.patient).or_default().push(creneau);
        self.praticiens.entry(plan.praticien).or_default().push(creneau);
    }

    fn de(&self, plan: &PlanRdv) -> Vec<Creneau> {
        let patient = self.patients.get(&plan.patient).into_iter().flatten();
        let praticien = self.praticiens.get(&plan.praticien).into_iter().flatten();
        patient.chain(praticien).copied().collect()
    }
}

/// The time zone of the praticien's first structure.
fn fuseau(demo: &Demo, plan: &PlanRdv) -> Fuseau {
    demo.praticiens
        .iter()
        .find(|p| p.id == plan.praticien)
        .and_then(|p| p.structures.first())
        .and_then(|s| demo.structures.iter().find(|st| st.id == *s))
        .map_or(Fuseau::PARIS, |s| s.fuseau)
}

/// The candidate créneaux of a planned rdv (see [`creneaux::candidats`]).
fn placer(
    store: &dyn Stockage,
    demo: &Demo,
    plan: &PlanRdv,
    pris: &Pris,
    sens: Sens,
) -> Result<Vec<CreneauLibre>, SeedError> {
    let pris = pris.de(plan);
    let cible = Cible {
        rdv: plan.id,
        praticien: plan.praticien,
        recherche: Recherche {
            specialite: Some(plan.specialite),
            type_consultation: plan.type_consultation,
            motif: plan.motif.clone(),
            origine: Origine::HorsPlateforme,
        },
        jour: plan.jour,
        heure: plan.heure,
        fuseau: fuseau(demo, plan),
        pris: &pris,
    };
    creneaux::candidats(store, &cible, sens)
}

/// Books a rdv to come on its first free candidate créneau, as its praticien would at the desk.
fn reserver(
    store: &dyn Stockage,
    demo: &Demo,
    plan: &PlanRdv,
    pris: &Pris,
    now: DateTime<Utc>,
) -> Result<CreneauLibre, SeedError> {
    let candidats = placer(store, demo, plan, pris, Sens::Futur(now))?;
    for libre in candidats.into_iter().take(TENTATIVES_MAX) {
        let demande = NouvelleReservation {
            rdv_id: plan.id,
            praticien_id: plan.praticien,
            patient_id: plan.patient,
            reservation: Reservation {
                specialite: plan.specialite,
                type_consultation: plan.type_consultation,
                debut: libre.debut,
                motif: plan.motif.clone(),
                origine: plan.origine,
            },
            par: compte_de(plan.praticien.0),
            idempotence: None,
        };
        match store.reserver(&demande, now) {
            Ok(Reserve::Nouveau(_) | Reserve::Rejoue(_)) => return Ok(libre),
            // Taken in the store in a way the agenda did not show: try the next one.
            Err(StoreError::Reservation(
                RefusReservation::CreneauIndisponible(_) | RefusReservation::PatientDejaPris,
            )) => {}
            Err(source) => {
                return Err(SeedError::Stockage {
                    ou: format!("rdv {}", plan.id),
                    source,
                });
            }
        }
    }
    Err(SeedError::AucunCreneau {
        ou: plan.id.to_string(),
    })
}

/// Whether the créneau is not on the planned local day (a change of time inside the day is only the
/// slot grid of the horaires).
fn decale(demo: &Demo, plan: &PlanRdv, libre: &CreneauLibre) -> bool {
    fuseau(demo, plan).local(libre.debut).date() != plan.jour
}

/// A past rdv, with the history that led to its statut. `rang` (its place in the file) varies how
/// long before the rdv it was booked.
fn rdv_passe(plan: &PlanRdv, libre: &CreneauLibre, rang: usize, now: DateTime<Utc>) -> Rdv {
    let creneau = libre.creneau();
    let (debut, fin) = (creneau.debut(), creneau.fin());
    let patient = compte_de(plan.patient.0);
    let praticien = compte_de(plan.praticien.0);
    let evenement = |statut, action: &str, par: CompteId, le| Evenement {
        statut,
        action: action.to_owned(),
        par,
        le,
    };
    let jours_avant = i64::try_from(rang % 8).unwrap_or(0) + 3;
    let reserve_par = match plan.origine {
        Origine::Plateforme => patient,
        Origine::HorsPlateforme => praticien,
    };
    let mut historique = vec![evenement(
        Statut::Prevu,
        "reserve",
        reserve_par,
        debut - Duration::days(jours_avant),
    )];
    let paye_le = fin + Duration::minutes(5);
    match plan.statut {
        Statut::Prevu => {}
        Statut::Honore | Statut::Paye | Statut::Transmis => {
            historique.push(evenement(Statut::Honore, "honore", praticien, fin));
        }
        Statut::NonHonore => {
            historique.push(evenement(Statut::NonHonore, "non_honore", praticien, fin));
        }
        Statut::Annule => {
            historique.push(evenement(
                Statut::Annule,
                "annule",
                patient,
                debut - Duration::days(2),
            ));
        }
        Statut::AnnuleTardivement => {
            historique.push(evenement(
                Statut::AnnuleTardivement,
                "annule",
                patient,
                debut - Duration::hours(3),
            ));
        }
    }
    let paiement = plan.paiement.map(|(mode, montant_centimes)| Paiement {
        montant_centimes,
        mode,
        le: paye_le,
    });
    if paiement.is_some() {
        historique.push(evenement(Statut::Paye, "paye", praticien, paye_le));
    }
    let transmission = (plan.statut == Statut::Transmis).then(|| {
        // Sent the next day when that is already past, else a few minutes after payment.
        let le = Some(fin + Duration::days(1))
            .filter(|le| *le <= now)
            .unwrap_or(paye_le + Duration::minutes(5));
        Transmission {
            le,
            organisme: plan.organisme.clone(),
        }
    });
    if let Some(t) = &transmission {
        historique.push(evenement(Statut::Transmis, "transmis", praticien, t.le));
    }
    Rdv {
        id: plan.id,
        praticien_id: plan.praticien,
        patient_id: plan.patient,
        specialite: plan.specialite,
        type_consultation: plan.type_consultation,
        motif: plan.motif.clone(),
        creneau,
        structure_id: libre.structure_id,
        statut: plan.statut,
        origine: plan.origine,
        historique,
        paiement,
        transmission,
    }
}
