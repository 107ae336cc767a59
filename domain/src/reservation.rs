//! Booking validation (DOMAIN.md "Booking"): one verdict per request, with the machine-readable code of
//! the first rule that fails.
//!
//! Checks run from the most general to the most particular: the spécialité and motif; the patientèle;
//! whether the praticien offers that type then; the delays; whether the créneau is free; whether the
//! patient is free. A move ([`valider_deplacement`]) is a cancellation of the old créneau plus a
//! booking of the new one, the old créneau counting as free for it.
//!
//! Validation uses the very functions availability uses ([`crate::disponibilite`]), so every créneau
//! shown free is accepted and every accepted créneau was shown free.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;
use crate::annulation::{Auteur, RefusAnnulation, decider_annulation};
use crate::consultation::{Origine, TypeConsultation};
use crate::disponibilite::{
    Agenda, ChoixInvalide, CreneauLibre, HorsDelai, LieuInconnu, dans_les_delais, generer,
};
use crate::specialite::Specialite;
use crate::statut::Statut;
use crate::temps::Creneau;

/// What a booking asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// The spécialité.
    pub specialite: Specialite,
    /// The type.
    #[serde(rename = "type")]
    pub type_consultation: TypeConsultation,
    /// The créneau's start.
    pub debut: DateTime<Utc>,
    /// The motif de visite, if any.
    #[serde(default)]
    pub motif: Option<String>,
    /// Online, or recorded by the praticien or personnel.
    #[serde(default)]
    pub origine: Origine,
}

/// What the booking rules need to know of the patient.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SituationPatient {
    /// In the praticien's patientèle.
    pub connu: bool,
    /// The patient's rdvs holding a créneau, with any praticien.
    #[serde(default)]
    pub rdvs: Vec<Creneau>,
}

/// Why a booking is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RefusReservation {
    /// Bad spécialité or motif.
    #[error(transparent)]
    Choix(#[from] ChoixInvalide),
    /// The praticien takes known patients only.
    #[error("ce praticien ne prend que les patients de sa patientèle")]
    PatientInconnu,
    /// The praticien works then, but not in that type.
    #[error("le praticien ne propose pas la {} à cet horaire", .0.as_str())]
    TypeNonPropose(TypeConsultation),
    /// Not a free créneau of the praticien.
    #[error("ce créneau n'est pas disponible : {0}")]
    CreneauIndisponible(&'static str),
    /// Before the préavis or beyond the horizon.
    #[error(transparent)]
    HorsDelai(#[from] HorsDelai),
    /// The patient has another rdv then.
    #[error("le patient a déjà un rendez-vous sur ce créneau")]
    PatientDejaPris,
    /// Inconsistent agenda.
    #[error(transparent)]
    Lieu(#[from] LieuInconnu),
}

impl Code for RefusReservation {
    fn code(&self) -> &'static str {
        match self {
            RefusReservation::Choix(e) => e.code(),
            RefusReservation::PatientInconnu => "patient_inconnu",
            RefusReservation::TypeNonPropose(_) => "type_non_propose",
            RefusReservation::CreneauIndisponible(_) => "creneau_indisponible",
            RefusReservation::HorsDelai(_) => "hors_delai",
            RefusReservation::PatientDejaPris => "patient_deja_pris",
            RefusReservation::Lieu(e) => e.code(),
        }
    }
}

/// Checks a booking; on success, the créneau to record (its end and structure included).
pub fn valider_reservation(
    agenda: &Agenda,
    demande: &Reservation,
    patient: &SituationPatient,
    now: DateTime<Utc>,
) -> Result<CreneauLibre, RefusReservation> {
    valider(agenda, demande, patient, None, now)
}

/// The rdv being moved, as the move rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RdvActuel {
    /// Its créneau now.
    pub creneau: Creneau,
    /// Its statut.
    pub statut: Statut,
}

/// A move accepted: the new créneau, and what the old one became (`annule` or `annule_tardivement`:
/// a late move counts as a late cancellation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deplacement {
    /// Where the rdv goes.
    pub creneau: CreneauLibre,
    /// How the old créneau was given up.
    pub ancien: Statut,
}

/// Why a move is refused: as a cancellation of the old créneau, or as a booking of the new one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RefusDeplacement {
    /// The old créneau cannot be given up.
    #[error(transparent)]
    Annulation(#[from] RefusAnnulation),
    /// The new créneau cannot be booked.
    #[error(transparent)]
    Reservation(#[from] RefusReservation),
}

impl Code for RefusDeplacement {
    fn code(&self) -> &'static str {
        match self {
            RefusDeplacement::Annulation(e) => e.code(),
            RefusDeplacement::Reservation(e) => e.code(),
        }
    }
}

/// Checks a move of `actuel` to `demande`, by `auteur`; `agenda` and `patient` still hold `actuel`.
pub fn valider_deplacement(
    agenda: &Agenda,
    actuel: &RdvActuel,
    demande: &Reservation,
    patient: &SituationPatient,
    auteur: Auteur,
    now: DateTime<Utc>,
) -> Result<Deplacement, RefusDeplacement> {
    let ancien = decider_annulation(
        actuel.statut,
        actuel.creneau.debut(),
        auteur,
        &agenda.reglages,
        now,
    )?;
    let creneau = valider(agenda, demande, patient, Some(&actuel.creneau), now)?;
    Ok(Deplacement { creneau, ancien })
}

fn valider(
    agenda: &Agenda,
    demande: &Reservation,
    patient: &SituationPatient,
    sauf: Option<&Creneau>,
    now: DateTime<Utc>,
) -> Result<CreneauLibre, RefusReservation> {
    let choix = agenda.choisir(
        Some(demande.specialite),
        demande.type_consultation,
        demande.motif.as_deref(),
    )?;
    if agenda.reglages.patients_connus_uniquement() && !patient.connu {
        return Err(RefusReservation::PatientInconnu);
    }
    // The window holding only starts equal to `debut`: the créneau must be one the horaires lay.
    let pile = Creneau::de_confiance(demande.debut, demande.debut + Duration::nanoseconds(1));
    let Some(slot) = generer(agenda, &choix, pile)?
        .into_iter()
        .find(|s| s.libre.debut == demande.debut)
    else {
        return Err(refus_hors_horaires(agenda, demande));
    };
    dans_les_delais(agenda, &slot, demande.origine, now)?;
    let creneau = slot.libre.creneau();
    if agenda.indisponibilites.iter().any(|i| i.chevauche(&creneau)) {
        return Err(RefusReservation::CreneauIndisponible(
            "le praticien est indisponible",
        ));
    }
    if agenda.occupes.chevauche(&creneau, sauf) {
        return Err(RefusReservation::CreneauIndisponible("déjà réservé"));
    }
    if patient
        .rdvs
        .iter()
        .any(|r| Some(r) != sauf && r.chevauche(&creneau))
    {
        return Err(RefusReservation::PatientDejaPris);
    }
    Ok(slot.libre)
}

/// No slot starts at `debut`: say `type_non_propose` when the praticien works then in another type.
fn refus_hors_horaires(agenda: &Agenda, demande: &Reservation) -> RefusReservation {
    let travaille_alors = agenda.regles().unwrap_or_default().iter().any(|(regle, lieu)| {
        let date = lieu.fuseau.local(demande.debut).date();
        regle.en_vigueur(date)
            && regle.accepte_specialite(demande.specialite)
            && lieu
                .fuseau
                .instant(date.and_time(regle.debut.temps()))
                .is_some_and(|d| d <= demande.debut)
            && demande.debut < lieu.fuseau.instant_fin(date.and_time(regle.fin.temps()))
            && !regle.types.contains(&demande.type_consultation)
    });
    if travaille_alors {
        RefusReservation::TypeNonPropose(demande.type_consultation)
    } else {
        RefusReservation::CreneauIndisponible("hors des horaires du praticien")
    }
}

#[cfg(test)]
mod tests;
