//! The shape of `data/demo.json`: the dataset's own format, neither the API's nor the store's.
//!
//! Identifiers of people (RPPS, NIR, e-mail, phone) stay strings here and are parsed by the domain in
//! [`super::lecture`], so that a wrong one names the entity at fault. Closed vocabularies are parsed
//! by serde, with the domain's own types where they exist. Unknown fields are refused: a typo in the
//! dataset is an error, not a silently ignored setting.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::consultation::{Origine, TypeConsultation};
use domain::horaires::{Heure, Jour};
use domain::reglages::PolitiqueAnnulationTardive;
use domain::specialite::Specialite;
use domain::statut::Statut;
use serde::Deserialize;
use uuid::Uuid;

use crate::modele::{Canal, ModePaiement, MoyenPaiement, Secteur, TypeStructure};

/// The value of `format` this code reads.
pub(super) const FORMAT: &str = "toubeelib-demo/1";

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Fichier {
    /// Always [`FORMAT`].
    pub format: String,
    /// The catalogue of motifs de visite, by code; praticiens pick from it per spécialité.
    pub motifs: BTreeMap<String, MotifCatalogue>,
    /// Places of practice.
    pub structures: Vec<StructureJson>,
    /// Praticiens, each with its account.
    pub praticiens: Vec<PraticienJson>,
    /// Personnel, each with its account.
    pub personnels: Vec<PersonnelJson>,
    /// Patients, each with its account.
    pub patients: Vec<PatientJson>,
    /// Administrators.
    pub admins: Vec<AdminJson>,
    /// Rendez-vous, on days relative to the load day.
    pub rdvs: Vec<RdvJson>,
}

/// A motif of the catalogue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MotifCatalogue {
    /// Label shown to patients.
    pub libelle: String,
    /// Its own length; absent: the spécialité's.
    #[serde(default)]
    pub duree_minutes: Option<u32>,
}

/// The kind of a structure.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum TypeStructureJson {
    /// Maison médicale.
    MaisonMedicale,
    /// Cabinet.
    Cabinet,
    /// Centre de santé.
    CentreDeSante,
}

impl From<TypeStructureJson> for TypeStructure {
    fn from(t: TypeStructureJson) -> Self {
        match t {
            TypeStructureJson::MaisonMedicale => TypeStructure::MaisonMedicale,
            TypeStructureJson::Cabinet => TypeStructure::Cabinet,
            TypeStructureJson::CentreDeSante => TypeStructure::CentreDeSante,
        }
    }
}

/// A place of practice.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StructureJson {
    /// Fixed id.
    pub id: Uuid,
    /// Name.
    pub nom: String,
    /// Kind.
    #[serde(rename = "type")]
    pub type_structure: TypeStructureJson,
    /// Street address.
    pub adresse: String,
    /// Postal code.
    pub code_postal: String,
    /// Town.
    pub ville: String,
    /// Phone, as written nationally.
    pub telephone: String,
    /// IANA time zone.
    pub fuseau: String,
}

/// Conventionnement secteur.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum SecteurJson {
    /// Secteur 1.
    #[serde(rename = "secteur_1")]
    Secteur1,
    /// Secteur 2.
    #[serde(rename = "secteur_2")]
    Secteur2,
    /// Non conventionné.
    NonConventionne,
}

impl From<SecteurJson> for Secteur {
    fn from(s: SecteurJson) -> Self {
        match s {
            SecteurJson::Secteur1 => Secteur::Secteur1,
            SecteurJson::Secteur2 => Secteur::Secteur2,
            SecteurJson::NonConventionne => Secteur::NonConventionne,
        }
    }
}

/// The fees of one spécialité: one amount per type offered, in euro cents.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HonorairesJson {
    /// Spécialité.
    pub specialite: Specialite,
    /// Secteur.
    pub secteur: SecteurJson,
    /// Fee in présentiel.
    #[serde(default)]
    pub presentiel: Option<u32>,
    /// Fee in téléconsultation.
    #[serde(default)]
    pub teleconsultation: Option<u32>,
}

/// A slot length other than 30 minutes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DureeJson {
    /// Spécialité.
    pub specialite: Specialite,
    /// Type.
    #[serde(rename = "type")]
    pub type_consultation: TypeConsultation,
    /// Length.
    pub duree_minutes: u32,
}

/// A payment method.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum MoyenPaiementJson {
    /// Carte Vitale and tiers payant.
    CarteVitale,
    /// Bank card.
    CarteBancaire,
    /// Cheque.
    Cheque,
    /// Cash.
    Especes,
    /// Bank transfer.
    Virement,
}

impl From<MoyenPaiementJson> for MoyenPaiement {
    fn from(m: MoyenPaiementJson) -> Self {
        match m {
            MoyenPaiementJson::CarteVitale => MoyenPaiement::CarteVitale,
            MoyenPaiementJson::CarteBancaire => MoyenPaiement::CarteBancaire,
            MoyenPaiementJson::Cheque => MoyenPaiement::Cheque,
            MoyenPaiementJson::Especes => MoyenPaiement::Especes,
            MoyenPaiementJson::Virement => MoyenPaiement::Virement,
        }
    }
}

/// Weekly rules for several days at once: one domain rule per day.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegleJson {
    /// The days it applies to.
    pub jours: Vec<Jour>,
    /// Local start.
    pub debut: Heure,
    /// Local end.
    pub fin: Heure,
    /// Where; absent: the praticien's first structure.
    #[serde(default)]
    pub structure: Option<Uuid>,
    /// Types offered; absent: présentiel.
    #[serde(default)]
    pub types: Option<Vec<TypeConsultation>>,
    /// Only these spécialités.
    #[serde(default)]
    pub specialites: Option<Vec<Specialite>>,
    /// First day in force, in days from the load day.
    #[serde(default)]
    pub valable_du_jour: Option<i64>,
    /// Last day in force, in days from the load day.
    #[serde(default)]
    pub valable_au_jour: Option<i64>,
}

/// Booking policy: only the fields that differ from the defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReglagesJson {
    /// Only patients of the patientèle may book.
    #[serde(default)]
    pub patients_connus_uniquement: Option<bool>,
    /// Cancellation delay.
    #[serde(default)]
    pub delai_annulation_heures: Option<u16>,
    /// Late-cancel policy.
    #[serde(default)]
    pub annulation_tardive: Option<PolitiqueAnnulationTardive>,
    /// Minimum notice of an online booking.
    #[serde(default)]
    pub preavis_minutes: Option<u32>,
    /// Booking horizon.
    #[serde(default)]
    pub horizon_jours: Option<u16>,
    /// Reminder delay.
    #[serde(default)]
    pub rappel_heures: Option<u16>,
}

/// A praticien.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PraticienJson {
    /// Fixed id.
    pub id: Uuid,
    /// RPPS number.
    pub rpps: String,
    /// "Dr"…
    #[serde(default)]
    pub titre: Option<String>,
    /// Given name.
    pub prenom: String,
    /// Family name.
    pub nom: String,
    /// E-mail, also the account's.
    pub email: String,
    /// Spécialités, the first is the default.
    pub specialites: Vec<Specialite>,
    /// Structures, the first hosts the default week.
    pub structures: Vec<Uuid>,
    /// Fees.
    pub honoraires: Vec<HonorairesJson>,
    /// Motifs de visite: catalogue codes per spécialité.
    pub motifs: BTreeMap<Specialite, Vec<String>>,
    /// Slot lengths other than 30 minutes.
    #[serde(default)]
    pub durees: Vec<DureeJson>,
    /// Payment methods.
    pub moyens_paiement: Vec<MoyenPaiementJson>,
    /// Accepts new patients (default: yes).
    #[serde(default = "oui")]
    pub nouveaux_patients: bool,
    /// Weekly rules; empty: the default week.
    #[serde(default)]
    pub horaires: Vec<RegleJson>,
    /// Booking policy.
    #[serde(default)]
    pub reglages: ReglagesJson,
}

fn oui() -> bool {
    true
}

/// A member of the personnel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PersonnelJson {
    /// Fixed id.
    pub id: Uuid,
    /// Given name.
    pub prenom: String,
    /// Family name.
    pub nom: String,
    /// E-mail, the account's.
    pub email: String,
    /// Where it works.
    pub structure: Uuid,
    /// The praticiens it works for (all of that structure).
    pub praticiens: Vec<Uuid>,
}

/// The channel a patient prefers.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum CanalJson {
    /// E-mail.
    Email,
    /// SMS.
    Sms,
}

impl From<CanalJson> for Canal {
    fn from(c: CanalJson) -> Self {
        match c {
            CanalJson::Email => Canal::Email,
            CanalJson::Sms => Canal::Sms,
        }
    }
}

/// A patient.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PatientJson {
    /// Fixed id.
    pub id: Uuid,
    /// Given name.
    pub prenom: String,
    /// Family name.
    pub nom: String,
    /// Date of birth.
    pub date_naissance: NaiveDate,
    /// E-mail, the account's.
    pub email: String,
    /// Phones, the first is the main one.
    pub telephones: Vec<String>,
    /// NIR, with its key.
    #[serde(default)]
    pub nir: Option<String>,
    /// Postal address.
    #[serde(default)]
    pub adresse: Option<String>,
    /// Médecin traitant, free text.
    #[serde(default)]
    pub medecin_traitant: Option<String>,
    /// Preferred channel (default: e-mail).
    #[serde(default)]
    pub canal_prefere: Option<CanalJson>,
}

/// An administrator.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AdminJson {
    /// Fixed id (its account's id is derived from it).
    pub id: Uuid,
    /// E-mail, the account's.
    pub email: String,
}

/// How a consultation was paid.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum ModePaiementJson {
    /// Bank card.
    Carte,
    /// Cheque.
    Cheque,
    /// Cash.
    Especes,
    /// Tiers payant.
    TiersPayant,
    /// Bank transfer.
    Virement,
}

impl From<ModePaiementJson> for ModePaiement {
    fn from(m: ModePaiementJson) -> Self {
        match m {
            ModePaiementJson::Carte => ModePaiement::Carte,
            ModePaiementJson::Cheque => ModePaiement::Cheque,
            ModePaiementJson::Especes => ModePaiement::Especes,
            ModePaiementJson::TiersPayant => ModePaiement::TiersPayant,
            ModePaiementJson::Virement => ModePaiement::Virement,
        }
    }
}

/// A rendez-vous, on a day relative to the load day, at a wall-clock time of its structure.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RdvJson {
    /// Fixed id.
    pub id: Uuid,
    /// With whom.
    pub praticien: Uuid,
    /// For whom.
    pub patient: Uuid,
    /// Spécialité; absent: the motif's, else the praticien's first.
    #[serde(default)]
    pub specialite: Option<Specialite>,
    /// Type; absent: présentiel.
    #[serde(rename = "type", default)]
    pub type_consultation: TypeConsultation,
    /// Motif de visite (a code of the praticien's).
    #[serde(default)]
    pub motif: Option<String>,
    /// Day, from the load day: negative in the past, 2 or more to come.
    pub jour: i64,
    /// Preferred local start; the nearest free créneau of that day is taken.
    pub heure: Heure,
    /// `prevu` for rdvs to come; any other statut for past ones.
    pub statut: Statut,
    /// Absent: `plateforme` for past rdvs; rdvs to come are always `hors_plateforme`.
    #[serde(default)]
    pub origine: Option<Origine>,
    /// How it was paid (`paye` and `transmis` only); the amount is the praticien's fee.
    #[serde(default)]
    pub paiement: Option<ModePaiementJson>,
    /// Which organisme it was sent to (`transmis` only).
    #[serde(default)]
    pub organisme: Option<String>,
}
