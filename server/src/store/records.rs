//! Storage records: what redb holds, versioned in their type names (`RdvV1`…) and encoded with postcard.
//!
//! Records are plain serde structs of primitives (strings, `i64` Unix milliseconds, `u128` ids, enums
//! of their own), never the domain or model types: a change there must not silently change the disk
//! format. Each record converts from its model entity (`From`) and back (`TryFrom`), the way back
//! re-checking every value through the domain's parsers; a stored value that no longer parses is a
//! [`StoreError::Interne`], never a panic.
//!
//! postcard writes an enum as its variant's index: the variants of the enums below are never
//! reordered nor removed, only appended; a change of shape is a new record type (`RdvV2`).

use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use domain::Code as _;
use domain::consultation::{Origine, TypeConsultation};
use domain::disponibilite::{DureeConsultation, Motif};
use domain::horaires::{Heure, Horaires, Jour, RegleHoraire};
use domain::identifiants::{Email, Nir, Rpps, Telephone};
use domain::ids::{PatientId, PersonnelId, PraticienId, RdvId, StructureId};
use domain::reglages::{PolitiqueAnnulationTardive, Reglages, ReglagesBruts};
use domain::specialite::Specialite;
use domain::statut::Statut;
use domain::temps::{Creneau, DureeMinutes, Fuseau};
use redb::{TypeName, Value};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::StoreError;
use crate::modele::{
    Canal, Compte, CompteId, Evenement, Honoraire, Indisponibilite, MedecinTraitant, ModePaiement,
    MoyenPaiement, Paiement, Patient, Personnel, Praticien, Rdv, Role, Secteur, Structure, Transmission,
    TypeStructure,
};

/// A record type: serde through postcard, with the stable name redb checks a table's values against.
pub trait Enregistrement: Serialize + DeserializeOwned + 'static {
    /// Stable, versioned name (`toubeelib::RdvV1`); never reused for another shape.
    const NOM: &'static str;
}

/// A postcard-encoded record, as a redb value. Decoding is explicit ([`Record::decoder`]) so that an
/// unreadable value is an error, not a panic inside redb.
pub struct Record<T> {
    octets: Vec<u8>,
    _type: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Record<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Record({} octets)", self.octets.len())
    }
}

impl<T: Enregistrement> Record<T> {
    /// Encodes a record.
    pub fn encoder(valeur: &T) -> Result<Self, StoreError> {
        let octets = postcard::to_allocvec(valeur)
            .map_err(|e| StoreError::Interne(format!("encodage de {} : {e}", T::NOM)))?;
        Ok(Self {
            octets,
            _type: PhantomData,
        })
    }

    /// Decodes the record.
    pub fn decoder(&self) -> Result<T, StoreError> {
        postcard::from_bytes(&self.octets)
            .map_err(|e| StoreError::Interne(format!("{} illisible : {e}", T::NOM)))
    }
}

impl<T: Enregistrement> Value for Record<T> {
    type SelfType<'a>
        = Record<T>
    where
        Self: 'a;
    type AsBytes<'a>
        = &'a [u8]
    where
        Self: 'a;

    fn fixed_width() -> Option<usize> {
        None
    }

    fn from_bytes<'a>(data: &'a [u8]) -> Record<T>
    where
        Self: 'a,
    {
        Record {
            octets: data.to_vec(),
            _type: PhantomData,
        }
    }

    fn as_bytes<'a, 'b: 'a>(value: &'a Record<T>) -> &'a [u8]
    where
        Self: 'b,
    {
        &value.octets
    }

    fn type_name() -> TypeName {
        TypeName::new(T::NOM)
    }
}

// --- primitives

/// An instant as Unix milliseconds (what every record and index key stores).
pub fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The instant of stored Unix milliseconds.
pub fn instant(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| illisible("instant", ms))
}

/// A stored value the domain no longer accepts.
fn illisible(quoi: &str, detail: impl fmt::Display) -> StoreError {
    StoreError::Interne(format!("valeur stockée illisible ({quoi}) : {detail}"))
}

fn jour_ce(date: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&date)
}

fn date(jours: i32) -> Result<NaiveDate, StoreError> {
    NaiveDate::from_num_days_from_ce_opt(jours).ok_or_else(|| illisible("date", jours))
}

fn specialite(code: &str) -> Result<Specialite, StoreError> {
    Specialite::parse(code).map_err(|e| illisible("specialite", e))
}

fn specialites(codes: &[String]) -> Result<Vec<Specialite>, StoreError> {
    codes.iter().map(|c| specialite(c)).collect()
}

fn email(s: &str) -> Result<Email, StoreError> {
    Email::parse(s).map_err(|e| illisible("email", e))
}

fn telephone(s: &str) -> Result<Telephone, StoreError> {
    Telephone::parse(s).map_err(|e| illisible("telephone", e))
}

fn creneau(debut: i64, fin: i64) -> Result<Creneau, StoreError> {
    Creneau::new(instant(debut)?, instant(fin)?).map_err(|e| illisible("creneau", e))
}

fn duree(minutes: u16) -> Result<DureeMinutes, StoreError> {
    DureeMinutes::new(u32::from(minutes)).map_err(|e| illisible("duree", e))
}

// --- small enums, each with its own stable variants

macro_rules! miroir {
    ($(#[$doc:meta])* $record:ident <=> $modele:ty { $($variante:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[allow(missing_docs)]
        pub enum $record {
            $($variante),+
        }

        impl From<$modele> for $record {
            fn from(v: $modele) -> Self {
                match v {
                    $(<$modele>::$variante => $record::$variante),+
                }
            }
        }

        impl From<$record> for $modele {
            fn from(v: $record) -> Self {
                match v {
                    $($record::$variante => <$modele>::$variante),+
                }
            }
        }
    };
}

miroir!(
    /// [`TypeConsultation`] on disk.
    TypeConsultationV1 <=> TypeConsultation { Presentiel, Teleconsultation }
);
miroir!(
    /// [`Origine`] on disk.
    OrigineV1 <=> Origine { Plateforme, HorsPlateforme }
);
miroir!(
    /// [`Statut`] on disk.
    StatutV1 <=> Statut { Prevu, Honore, NonHonore, Annule, AnnuleTardivement, Paye, Transmis }
);
miroir!(
    /// [`Jour`] on disk.
    JourV1 <=> Jour { Lundi, Mardi, Mercredi, Jeudi, Vendredi, Samedi, Dimanche }
);
miroir!(
    /// [`PolitiqueAnnulationTardive`] on disk.
    PolitiqueV1 <=> PolitiqueAnnulationTardive { Signalee, Refusee }
);
miroir!(
    /// [`TypeStructure`] on disk.
    TypeStructureV1 <=> TypeStructure { MaisonMedicale, Cabinet, CentreDeSante }
);
miroir!(
    /// [`Secteur`] on disk.
    SecteurV1 <=> Secteur { Secteur1, Secteur2, NonConventionne }
);
miroir!(
    /// [`MoyenPaiement`] on disk.
    MoyenPaiementV1 <=> MoyenPaiement { CarteVitale, CarteBancaire, Cheque, Especes, Virement }
);
miroir!(
    /// [`Canal`] on disk.
    CanalV1 <=> Canal { Email, Sms }
);
miroir!(
    /// [`ModePaiement`] on disk.
    ModePaiementV1 <=> ModePaiement { Carte, Cheque, Especes, TiersPayant, Virement }
);

// --- accounts

/// [`Role`] on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleV1 {
    /// A patient (its id).
    Patient(u128),
    /// A praticien (its id).
    Praticien(u128),
    /// Personnel (its id).
    Personnel(u128),
    /// The administrator.
    Admin,
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompteV1 {
    /// Id.
    pub id: u128,
    /// Sign-in email, lower case.
    pub email: String,
    /// argon2id PHC string.
    pub mot_de_passe_hash: String,
    /// Who.
    pub role: RoleV1,
    /// Created at (ms).
    pub cree_le: i64,
}

impl Enregistrement for CompteV1 {
    const NOM: &'static str = "toubeelib::CompteV1";
}

impl From<&Compte> for CompteV1 {
    fn from(c: &Compte) -> Self {
        CompteV1 {
            id: c.id.0.as_u128(),
            email: c.email.as_str().to_owned(),
            mot_de_passe_hash: c.mot_de_passe_hash.clone(),
            role: match c.role {
                Role::Patient(id) => RoleV1::Patient(id.0.as_u128()),
                Role::Praticien(id) => RoleV1::Praticien(id.0.as_u128()),
                Role::Personnel(id) => RoleV1::Personnel(id.0.as_u128()),
                Role::Admin => RoleV1::Admin,
            },
            cree_le: millis(c.cree_le),
        }
    }
}

impl TryFrom<CompteV1> for Compte {
    type Error = StoreError;

    fn try_from(c: CompteV1) -> Result<Self, StoreError> {
        Ok(Compte {
            id: CompteId(Uuid::from_u128(c.id)),
            email: email(&c.email)?,
            mot_de_passe_hash: c.mot_de_passe_hash,
            role: match c.role {
                RoleV1::Patient(id) => Role::Patient(PatientId(Uuid::from_u128(id))),
                RoleV1::Praticien(id) => Role::Praticien(PraticienId(Uuid::from_u128(id))),
                RoleV1::Personnel(id) => Role::Personnel(PersonnelId(Uuid::from_u128(id))),
                RoleV1::Admin => Role::Admin,
            },
            cree_le: instant(c.cree_le)?,
        })
    }
}

// --- directory

/// A place of practice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructureV1 {
    /// Id.
    pub id: u128,
    /// Name.
    pub nom: String,
    /// Kind.
    pub type_structure: TypeStructureV1,
    /// Street address.
    pub adresse: String,
    /// Postal code.
    pub code_postal: String,
    /// Town.
    pub ville: String,
    /// Phone, E.164.
    pub telephone: String,
    /// IANA time zone.
    pub fuseau: String,
}

impl Enregistrement for StructureV1 {
    const NOM: &'static str = "toubeelib::StructureV1";
}

impl From<&Structure> for StructureV1 {
    fn from(s: &Structure) -> Self {
        StructureV1 {
            id: s.id.0.as_u128(),
            nom: s.nom.clone(),
            type_structure: s.type_structure.into(),
            adresse: s.adresse.clone(),
            code_postal: s.code_postal.clone(),
            ville: s.ville.clone(),
            telephone: s.telephone.as_str().to_owned(),
            fuseau: s.fuseau.nom().to_owned(),
        }
    }
}

impl TryFrom<StructureV1> for Structure {
    type Error = StoreError;

    fn try_from(s: StructureV1) -> Result<Self, StoreError> {
        Ok(Structure {
            id: StructureId(Uuid::from_u128(s.id)),
            nom: s.nom,
            type_structure: s.type_structure.into(),
            adresse: s.adresse,
            code_postal: s.code_postal,
            ville: s.ville,
            telephone: telephone(&s.telephone)?,
            fuseau: Fuseau::parse(&s.fuseau).map_err(|e| illisible("fuseau", e))?,
        })
    }
}

/// A fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HonoraireV1 {
    /// Spécialité code.
    pub specialite: String,
    /// Type.
    pub type_consultation: TypeConsultationV1,
    /// Euro cents.
    pub montant_centimes: u32,
    /// Secteur.
    pub secteur: SecteurV1,
}

/// A motif de visite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MotifV1 {
    /// Code.
    pub code: String,
    /// Label.
    pub libelle: String,
    /// Spécialité code.
    pub specialite: String,
    /// Own length in minutes.
    pub duree_minutes: Option<u16>,
}

/// A slot length per (spécialité, type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DureeV1 {
    /// Spécialité code.
    pub specialite: String,
    /// Type.
    pub type_consultation: TypeConsultationV1,
    /// Minutes.
    pub duree_minutes: u16,
}

/// A weekly rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegleHoraireV1 {
    /// Day.
    pub jour: JourV1,
    /// Local start, minutes after midnight.
    pub debut_minutes: u16,
    /// Local end, minutes after midnight.
    pub fin_minutes: u16,
    /// Structure id.
    pub structure: u128,
    /// Types offered.
    pub types: Vec<TypeConsultationV1>,
    /// Only these spécialités (codes), if set.
    pub specialites: Option<Vec<String>>,
    /// First day in force (days from the Common Era).
    pub valable_du: Option<i32>,
    /// Last day in force (days from the Common Era).
    pub valable_au: Option<i32>,
}

/// A praticien's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReglagesV1 {
    /// Known patients only.
    pub patients_connus_uniquement: bool,
    /// Cancellation delay, hours.
    pub delai_annulation_heures: u16,
    /// Late-cancel policy.
    pub annulation_tardive: PolitiqueV1,
    /// Préavis, minutes.
    pub preavis_minutes: u32,
    /// Horizon, days.
    pub horizon_jours: u16,
    /// Reminder, hours before.
    pub rappel_heures: u16,
}

/// A praticien.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PraticienV1 {
    /// Id.
    pub id: u128,
    /// RPPS, 11 digits.
    pub rpps: String,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// Title.
    pub titre: Option<String>,
    /// Email.
    pub email: String,
    /// Spécialité codes.
    pub specialites: Vec<String>,
    /// Structure ids.
    pub structures: Vec<u128>,
    /// Fees.
    pub honoraires: Vec<HonoraireV1>,
    /// Motifs.
    pub motifs: Vec<MotifV1>,
    /// Slot lengths.
    pub durees: Vec<DureeV1>,
    /// Payment methods.
    pub moyens_paiement: Vec<MoyenPaiementV1>,
    /// Accepts new patients.
    pub nouveaux_patients: bool,
    /// Weekly rules.
    pub horaires: Vec<RegleHoraireV1>,
    /// Policy.
    pub reglages: ReglagesV1,
}

impl Enregistrement for PraticienV1 {
    const NOM: &'static str = "toubeelib::PraticienV1";
}

fn minutes(h: Heure) -> u16 {
    let t = h.temps();
    // An hour of the day: at most 23 * 60 + 59, so the narrowing is exact.
    (t.hour() * 60 + t.minute()) as u16
}

fn heure(minutes: u16) -> Result<Heure, StoreError> {
    Heure::hm(u32::from(minutes / 60), u32::from(minutes % 60)).ok_or_else(|| illisible("heure", minutes))
}

impl From<&Praticien> for PraticienV1 {
    fn from(p: &Praticien) -> Self {
        let r = p.reglages.valeurs();
        PraticienV1 {
            id: p.id.0.as_u128(),
            rpps: p.rpps.as_str().to_owned(),
            nom: p.nom.clone(),
            prenom: p.prenom.clone(),
            titre: p.titre.clone(),
            email: p.email.as_str().to_owned(),
            specialites: p.specialites.iter().map(|s| s.code().to_owned()).collect(),
            structures: p.structures.iter().map(|s| s.0.as_u128()).collect(),
            honoraires: p
                .honoraires
                .iter()
                .map(|h| HonoraireV1 {
                    specialite: h.specialite.code().to_owned(),
                    type_consultation: h.type_consultation.into(),
                    montant_centimes: h.montant_centimes,
                    secteur: h.secteur.into(),
                })
                .collect(),
            motifs: p
                .motifs
                .iter()
                .map(|m| MotifV1 {
                    code: m.code.clone(),
                    libelle: m.libelle.clone(),
                    specialite: m.specialite.code().to_owned(),
                    duree_minutes: m.duree_minutes.map(DureeMinutes::minutes),
                })
                .collect(),
            durees: p
                .durees
                .iter()
                .map(|d| DureeV1 {
                    specialite: d.specialite.code().to_owned(),
                    type_consultation: d.type_consultation.into(),
                    duree_minutes: d.duree_minutes.minutes(),
                })
                .collect(),
            moyens_paiement: p.moyens_paiement.iter().map(|&m| m.into()).collect(),
            nouveaux_patients: p.nouveaux_patients,
            horaires: p
                .horaires
                .regles()
                .iter()
                .map(|r| RegleHoraireV1 {
                    jour: r.jour.into(),
                    debut_minutes: minutes(r.debut),
                    fin_minutes: minutes(r.fin),
                    structure: r.structure_id.0.as_u128(),
                    types: r.types.iter().map(|&t| t.into()).collect(),
                    specialites: r
                        .specialites
                        .as_ref()
                        .map(|s| s.iter().map(|s| s.code().to_owned()).collect()),
                    valable_du: r.valable_du.map(jour_ce),
                    valable_au: r.valable_au.map(jour_ce),
                })
                .collect(),
            reglages: ReglagesV1 {
                patients_connus_uniquement: r.patients_connus_uniquement,
                delai_annulation_heures: r.delai_annulation_heures,
                annulation_tardive: r.annulation_tardive.into(),
                preavis_minutes: r.preavis_minutes,
                horizon_jours: r.horizon_jours,
                rappel_heures: r.rappel_heures,
            },
        }
    }
}

impl TryFrom<PraticienV1> for Praticien {
    type Error = StoreError;

    fn try_from(p: PraticienV1) -> Result<Self, StoreError> {
        let regles = p
            .horaires
            .into_iter()
            .map(|r| {
                Ok(RegleHoraire {
                    jour: r.jour.into(),
                    debut: heure(r.debut_minutes)?,
                    fin: heure(r.fin_minutes)?,
                    structure_id: StructureId(Uuid::from_u128(r.structure)),
                    types: r.types.into_iter().map(Into::into).collect(),
                    specialites: r.specialites.as_deref().map(specialites).transpose()?,
                    valable_du: r.valable_du.map(date).transpose()?,
                    valable_au: r.valable_au.map(date).transpose()?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let r = p.reglages;
        Ok(Praticien {
            id: PraticienId(Uuid::from_u128(p.id)),
            rpps: Rpps::parse(&p.rpps).map_err(|e| illisible("rpps", e))?,
            nom: p.nom,
            prenom: p.prenom,
            titre: p.titre,
            email: email(&p.email)?,
            specialites: specialites(&p.specialites)?,
            structures: p
                .structures
                .into_iter()
                .map(|s| StructureId(Uuid::from_u128(s)))
                .collect(),
            honoraires: p
                .honoraires
                .into_iter()
                .map(|h| {
                    Ok(Honoraire {
                        specialite: specialite(&h.specialite)?,
                        type_consultation: h.type_consultation.into(),
                        montant_centimes: h.montant_centimes,
                        secteur: h.secteur.into(),
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            motifs: p
                .motifs
                .into_iter()
                .map(|m| {
                    Ok(Motif {
                        specialite: specialite(&m.specialite)?,
                        duree_minutes: m.duree_minutes.map(duree).transpose()?,
                        code: m.code,
                        libelle: m.libelle,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            durees: p
                .durees
                .into_iter()
                .map(|d| {
                    Ok(DureeConsultation {
                        specialite: specialite(&d.specialite)?,
                        type_consultation: d.type_consultation.into(),
                        duree_minutes: duree(d.duree_minutes)?,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            moyens_paiement: p.moyens_paiement.into_iter().map(Into::into).collect(),
            nouveaux_patients: p.nouveaux_patients,
            horaires: Horaires::new(regles).map_err(|e| illisible("horaires", e))?,
            reglages: Reglages::new(ReglagesBruts {
                patients_connus_uniquement: r.patients_connus_uniquement,
                delai_annulation_heures: r.delai_annulation_heures,
                annulation_tardive: r.annulation_tardive.into(),
                preavis_minutes: r.preavis_minutes,
                horizon_jours: r.horizon_jours,
                rappel_heures: r.rappel_heures,
            })
            .map_err(|e| illisible("reglages", e))?,
        })
    }
}

/// Personnel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonnelV1 {
    /// Id.
    pub id: u128,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// Email.
    pub email: String,
    /// Structure id.
    pub structure: u128,
    /// Praticien ids.
    pub praticiens: Vec<u128>,
}

impl Enregistrement for PersonnelV1 {
    const NOM: &'static str = "toubeelib::PersonnelV1";
}

impl From<&Personnel> for PersonnelV1 {
    fn from(p: &Personnel) -> Self {
        PersonnelV1 {
            id: p.id.0.as_u128(),
            nom: p.nom.clone(),
            prenom: p.prenom.clone(),
            email: p.email.as_str().to_owned(),
            structure: p.structure_id.0.as_u128(),
            praticiens: p.praticiens.iter().map(|p| p.0.as_u128()).collect(),
        }
    }
}

impl TryFrom<PersonnelV1> for Personnel {
    type Error = StoreError;

    fn try_from(p: PersonnelV1) -> Result<Self, StoreError> {
        Ok(Personnel {
            id: PersonnelId(Uuid::from_u128(p.id)),
            nom: p.nom,
            prenom: p.prenom,
            email: email(&p.email)?,
            structure_id: StructureId(Uuid::from_u128(p.structure)),
            praticiens: p
                .praticiens
                .into_iter()
                .map(|id| PraticienId(Uuid::from_u128(id)))
                .collect(),
        })
    }
}

/// A patient's partie administrative, version 1 (médecin traitant as free text only): read only by the
/// migration to [`PatientV2`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientV1 {
    /// Id.
    pub id: u128,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// Date of birth (days from the Common Era).
    pub date_naissance: i32,
    /// Email.
    pub email: String,
    /// Phones, E.164.
    pub telephones: Vec<String>,
    /// NIR, 15 characters.
    pub nir: Option<String>,
    /// Postal address.
    pub adresse: Option<String>,
    /// Médecin traitant.
    pub medecin_traitant: Option<String>,
    /// Preferred channel.
    pub canal_prefere: CanalV1,
}

impl Enregistrement for PatientV1 {
    const NOM: &'static str = "toubeelib::PatientV1";
}

impl From<PatientV1> for PatientV2 {
    /// Version 1 → 2 (schema 3 → 4): the médecin traitant, free text in version 1, stays text.
    fn from(p: PatientV1) -> Self {
        PatientV2 {
            id: p.id,
            nom: p.nom,
            prenom: p.prenom,
            date_naissance: p.date_naissance,
            email: p.email,
            telephones: p.telephones,
            nir: p.nir,
            adresse: p.adresse,
            medecin_traitant: p.medecin_traitant.map(MedecinTraitantV1::Texte),
            canal_prefere: p.canal_prefere,
        }
    }
}

/// [`MedecinTraitant`] on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MedecinTraitantV1 {
    /// A praticien of the directory (its id).
    Praticien(u128),
    /// Free text.
    Texte(String),
}

/// A patient's partie administrative, version 2: the médecin traitant is a praticien of the directory
/// or free text (version 1 held text only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientV2 {
    /// Id.
    pub id: u128,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// Date of birth (days from the Common Era).
    pub date_naissance: i32,
    /// Email.
    pub email: String,
    /// Phones, E.164.
    pub telephones: Vec<String>,
    /// NIR, 15 characters.
    pub nir: Option<String>,
    /// Postal address.
    pub adresse: Option<String>,
    /// Médecin traitant.
    pub medecin_traitant: Option<MedecinTraitantV1>,
    /// Preferred channel.
    pub canal_prefere: CanalV1,
}

impl Enregistrement for PatientV2 {
    const NOM: &'static str = "toubeelib::PatientV2";
}

impl From<&Patient> for PatientV2 {
    fn from(p: &Patient) -> Self {
        PatientV2 {
            id: p.id.0.as_u128(),
            nom: p.nom.clone(),
            prenom: p.prenom.clone(),
            date_naissance: jour_ce(p.date_naissance),
            email: p.email.as_str().to_owned(),
            telephones: p.telephones.iter().map(|t| t.as_str().to_owned()).collect(),
            nir: p.nir.as_ref().map(|n| n.as_str().to_owned()),
            adresse: p.adresse.clone(),
            medecin_traitant: p.medecin_traitant.as_ref().map(|m| match m {
                MedecinTraitant::Praticien(id) => MedecinTraitantV1::Praticien(id.0.as_u128()),
                MedecinTraitant::Texte(texte) => MedecinTraitantV1::Texte(texte.clone()),
            }),
            canal_prefere: p.canal_prefere.into(),
        }
    }
}

impl TryFrom<PatientV2> for Patient {
    type Error = StoreError;

    fn try_from(p: PatientV2) -> Result<Self, StoreError> {
        Ok(Patient {
            id: PatientId(Uuid::from_u128(p.id)),
            nom: p.nom,
            prenom: p.prenom,
            date_naissance: date(p.date_naissance)?,
            email: email(&p.email)?,
            telephones: p
                .telephones
                .iter()
                .map(|t| telephone(t))
                .collect::<Result<_, _>>()?,
            // The refusal's detail may quote the number's characters: only the rule's code is kept.
            nir: p
                .nir
                .as_deref()
                .map(|n| Nir::parse(n).map_err(|e| illisible("nir", e.code())))
                .transpose()?,
            adresse: p.adresse,
            medecin_traitant: p.medecin_traitant.map(|m| match m {
                MedecinTraitantV1::Praticien(id) => {
                    MedecinTraitant::Praticien(PraticienId(Uuid::from_u128(id)))
                }
                MedecinTraitantV1::Texte(texte) => MedecinTraitant::Texte(texte),
            }),
            canal_prefere: p.canal_prefere.into(),
        })
    }
}

/// A period off of a praticien.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndisponibiliteV1 {
    /// Praticien id.
    pub praticien: u128,
    /// Start (ms).
    pub debut: i64,
    /// End (ms), exclusive.
    pub fin: i64,
    /// Why, if said.
    pub motif: Option<String>,
}

impl Enregistrement for IndisponibiliteV1 {
    const NOM: &'static str = "toubeelib::IndisponibiliteV1";
}

impl IndisponibiliteV1 {
    /// The entity, under its id (the table's key).
    pub fn en_modele(self, id: u128) -> Result<Indisponibilite, StoreError> {
        Ok(Indisponibilite {
            id: Uuid::from_u128(id),
            praticien_id: PraticienId(Uuid::from_u128(self.praticien)),
            creneau: creneau(self.debut, self.fin)?,
            motif: self.motif,
        })
    }
}

// --- rdvs

/// One step of a rdv's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvenementV1 {
    /// Statut reached.
    pub statut: StatutV1,
    /// What happened.
    pub action: String,
    /// Account id.
    pub par: u128,
    /// When (ms).
    pub le: i64,
}

/// A payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaiementV1 {
    /// Euro cents.
    pub montant_centimes: u32,
    /// Mode.
    pub mode: ModePaiementV1,
    /// When (ms).
    pub le: i64,
}

/// A transmission to the organismes sociaux.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransmissionV1 {
    /// When (ms).
    pub le: i64,
    /// To whom.
    pub organisme: Option<String>,
}

/// A rendez-vous.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RdvV1 {
    /// Id.
    pub id: u128,
    /// Praticien id.
    pub praticien: u128,
    /// Patient id.
    pub patient: u128,
    /// Spécialité code.
    pub specialite: String,
    /// Type.
    pub type_consultation: TypeConsultationV1,
    /// Motif code.
    pub motif: Option<String>,
    /// Start (ms).
    pub debut: i64,
    /// End (ms), exclusive.
    pub fin: i64,
    /// Structure id.
    pub structure: u128,
    /// Statut.
    pub statut: StatutV1,
    /// Origine.
    pub origine: OrigineV1,
    /// History, oldest first.
    pub historique: Vec<EvenementV1>,
    /// Payment.
    pub paiement: Option<PaiementV1>,
    /// Transmission.
    pub transmission: Option<TransmissionV1>,
}

impl Enregistrement for RdvV1 {
    const NOM: &'static str = "toubeelib::RdvV1";
}

impl RdvV1 {
    /// Its créneau.
    pub fn creneau(&self) -> Result<Creneau, StoreError> {
        creneau(self.debut, self.fin)
    }
}

impl From<&Evenement> for EvenementV1 {
    fn from(e: &Evenement) -> Self {
        EvenementV1 {
            statut: e.statut.into(),
            action: e.action.clone(),
            par: e.par.0.as_u128(),
            le: millis(e.le),
        }
    }
}

impl From<&Paiement> for PaiementV1 {
    fn from(p: &Paiement) -> Self {
        PaiementV1 {
            montant_centimes: p.montant_centimes,
            mode: p.mode.into(),
            le: millis(p.le),
        }
    }
}

impl From<&Transmission> for TransmissionV1 {
    fn from(t: &Transmission) -> Self {
        TransmissionV1 {
            le: millis(t.le),
            organisme: t.organisme.clone(),
        }
    }
}

impl From<&Rdv> for RdvV1 {
    fn from(r: &Rdv) -> Self {
        RdvV1 {
            id: r.id.0.as_u128(),
            praticien: r.praticien_id.0.as_u128(),
            patient: r.patient_id.0.as_u128(),
            specialite: r.specialite.code().to_owned(),
            type_consultation: r.type_consultation.into(),
            motif: r.motif.clone(),
            debut: millis(r.creneau.debut()),
            fin: millis(r.creneau.fin()),
            structure: r.structure_id.0.as_u128(),
            statut: r.statut.into(),
            origine: r.origine.into(),
            historique: r.historique.iter().map(Into::into).collect(),
            paiement: r.paiement.as_ref().map(Into::into),
            transmission: r.transmission.as_ref().map(Into::into),
        }
    }
}

impl TryFrom<RdvV1> for Rdv {
    type Error = StoreError;

    fn try_from(r: RdvV1) -> Result<Self, StoreError> {
        Ok(Rdv {
            id: RdvId(Uuid::from_u128(r.id)),
            praticien_id: PraticienId(Uuid::from_u128(r.praticien)),
            patient_id: PatientId(Uuid::from_u128(r.patient)),
            specialite: specialite(&r.specialite)?,
            type_consultation: r.type_consultation.into(),
            motif: r.motif,
            creneau: creneau(r.debut, r.fin)?,
            structure_id: StructureId(Uuid::from_u128(r.structure)),
            statut: r.statut.into(),
            origine: r.origine.into(),
            historique: r
                .historique
                .into_iter()
                .map(|e| {
                    Ok(Evenement {
                        statut: e.statut.into(),
                        action: e.action,
                        par: CompteId(Uuid::from_u128(e.par)),
                        le: instant(e.le)?,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            paiement: r
                .paiement
                .map(|p| {
                    Ok::<_, StoreError>(Paiement {
                        montant_centimes: p.montant_centimes,
                        mode: p.mode.into(),
                        le: instant(p.le)?,
                    })
                })
                .transpose()?,
            transmission: r
                .transmission
                .map(|t| {
                    Ok::<_, StoreError>(Transmission {
                        le: instant(t.le)?,
                        organisme: t.organisme,
                    })
                })
                .transpose()?,
        })
    }
}

// --- auth and idempotency

/// A refresh token (keyed by its SHA-256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JetonV1 {
    /// Account id.
    pub compte: u128,
    /// Family id.
    pub famille: u128,
    /// Expires at (ms).
    pub expire_le: i64,
    /// Already rotated.
    pub utilise: bool,
}

impl Enregistrement for JetonV1 {
    const NOM: &'static str = "toubeelib::JetonV1";
}

/// A refresh-token family (one sign-in and its rotations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilleV1 {
    /// Account id.
    pub compte: u128,
    /// Revoked: none of its tokens is accepted any more.
    pub revoquee: bool,
}

impl Enregistrement for FamilleV1 {
    const NOM: &'static str = "toubeelib::FamilleV1";
}

/// A booking made under an Idempotency-Key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotenceRdvV1 {
    /// SHA-256 of the request.
    pub empreinte: [u8; 32],
    /// The rdv booked.
    pub rdv: u128,
    /// When (ms).
    pub le: i64,
}

impl Enregistrement for IdempotenceRdvV1 {
    const NOM: &'static str = "toubeelib::IdempotenceRdvV1";
}

/// A response remembered under an Idempotency-Key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReponseV1 {
    /// SHA-256 of the request.
    pub empreinte: [u8; 32],
    /// HTTP status.
    pub statut: u16,
    /// JSON body.
    pub corps: String,
    /// When (ms).
    pub le: i64,
}

impl Enregistrement for ReponseV1 {
    const NOM: &'static str = "toubeelib::ReponseV1";
}

// --- bank data

/// A praticien's bank data, keyed by the praticien's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DonneesBancairesV1 {
    /// IBAN, upper case, without spaces.
    pub iban: String,
    /// BIC, 8 or 11 characters.
    pub bic: String,
    /// Account holder.
    pub titulaire: String,
    /// Last changed at (ms).
    pub modifie_le: i64,
    /// Last changed by (account id).
    pub modifie_par: u128,
}

impl Enregistrement for DonneesBancairesV1 {
    const NOM: &'static str = "toubeelib::DonneesBancairesV1";
}

impl From<&crate::modele::DonneesBancaires> for DonneesBancairesV1 {
    fn from(d: &crate::modele::DonneesBancaires) -> Self {
        DonneesBancairesV1 {
            iban: d.iban.as_str().to_owned(),
            bic: d.bic.as_str().to_owned(),
            titulaire: d.titulaire.clone(),
            modifie_le: millis(d.modifie_le),
            modifie_par: d.modifie_par.0.as_u128(),
        }
    }
}

impl TryFrom<DonneesBancairesV1> for crate::modele::DonneesBancaires {
    type Error = StoreError;

    fn try_from(d: DonneesBancairesV1) -> Result<Self, StoreError> {
        use domain::identifiants::{Bic, Iban};
        // The error names the rule, never the stored number.
        Ok(crate::modele::DonneesBancaires {
            iban: Iban::parse(&d.iban).map_err(|e| illisible("iban", e))?,
            bic: Bic::parse(&d.bic).map_err(|e| illisible("bic", e))?,
            titulaire: d.titulaire,
            modifie_le: instant(d.modifie_le)?,
            modifie_par: CompteId(Uuid::from_u128(d.modifie_par)),
        })
    }
}

// --- second factor

/// An account's TOTP second factor, keyed by the account's id: pending until confirmed with a code,
/// then active. `Debug` redacts the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpV1 {
    /// The shared secret (160 bits, RFC 4226).
    pub secret: [u8; 20],
    /// Confirmed with a code: sign-in asks for one.
    pub actif: bool,
    /// The last time step (Unix seconds / 30) a code was accepted for; that step and earlier ones are
    /// refused.
    pub dernier_pas: u64,
    /// Made at (ms).
    pub cree_le: i64,
}

impl fmt::Debug for TotpV1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpV1")
            .field("secret", &"***")
            .field("actif", &self.actif)
            .field("dernier_pas", &self.dernier_pas)
            .field("cree_le", &self.cree_le)
            .finish()
    }
}

impl Enregistrement for TotpV1 {
    const NOM: &'static str = "toubeelib::TotpV1";
}

impl From<&super::SecondFacteur> for TotpV1 {
    fn from(f: &super::SecondFacteur) -> Self {
        TotpV1 {
            secret: f.secret,
            actif: f.actif,
            dernier_pas: f.dernier_pas,
            cree_le: millis(f.cree_le),
        }
    }
}

impl TryFrom<TotpV1> for super::SecondFacteur {
    type Error = StoreError;

    fn try_from(f: TotpV1) -> Result<Self, StoreError> {
        Ok(super::SecondFacteur {
            secret: f.secret,
            actif: f.actif,
            dernier_pas: f.dernier_pas,
            cree_le: instant(f.cree_le)?,
        })
    }
}

/// A structure's sign-in policy, keyed by the structure's id. Only a policy stricter than the default
/// is stored: no record, no rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecuriteStructureV1 {
    /// Its praticiens and personnel must have an active second factor before using the API.
    pub totp_obligatoire: bool,
    /// Last changed at (ms).
    pub modifie_le: i64,
    /// Last changed by (account id).
    pub modifie_par: u128,
}

impl Enregistrement for SecuriteStructureV1 {
    const NOM: &'static str = "toubeelib::SecuriteStructureV1";
}

// --- partie médicale: documents, access log, notifications

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeDocumentV1 {
    /// Compte rendu.
    CompteRendu,
    /// Lettre.
    Lettre,
    /// Ordonnance.
    Ordonnance,
    /// Résultat.
    Resultat,
    /// Anything else.
    Autre,
}

/// A document's format, recognised from its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormatV1 {
    /// PDF.
    Pdf,
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
}

/// A document's metadata (its bytes are the file `DATA_DIR/documents/<id>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentV1 {
    /// Id, also the file's name.
    pub id: u128,
    /// Whose dossier.
    pub patient: u128,
    /// What it is.
    pub type_document: TypeDocumentV1,
    /// Title.
    pub titre: String,
    /// Size in bytes.
    pub taille: u64,
    /// SHA-256 of the bytes.
    pub sha256: [u8; 32],
    /// Format.
    pub format: FormatV1,
    /// Uploaded by (account id).
    pub depose_par: u128,
    /// Uploaded at (ms).
    pub le: i64,
}

impl Enregistrement for DocumentV1 {
    const NOM: &'static str = "toubeelib::DocumentV1";
}

impl From<&crate::documents::Document> for DocumentV1 {
    fn from(d: &crate::documents::Document) -> Self {
        use crate::documents::{Format, TypeDocument};
        DocumentV1 {
            id: d.id.0.as_u128(),
            patient: d.patient.0.as_u128(),
            type_document: match d.type_document {
                TypeDocument::CompteRendu => TypeDocumentV1::CompteRendu,
                TypeDocument::Lettre => TypeDocumentV1::Lettre,
                TypeDocument::Ordonnance => TypeDocumentV1::Ordonnance,
                TypeDocument::Resultat => TypeDocumentV1::Resultat,
                TypeDocument::Autre => TypeDocumentV1::Autre,
            },
            titre: d.titre.clone(),
            taille: d.taille,
            sha256: d.sha256,
            format: match d.format {
                Format::Pdf => FormatV1::Pdf,
                Format::Png => FormatV1::Png,
                Format::Jpeg => FormatV1::Jpeg,
            },
            depose_par: d.depose_par.0.as_u128(),
            le: millis(d.le),
        }
    }
}

impl TryFrom<DocumentV1> for crate::documents::Document {
    type Error = StoreError;

    fn try_from(d: DocumentV1) -> Result<Self, StoreError> {
        use crate::documents::{DocumentId, Format, TypeDocument};
        Ok(crate::documents::Document {
            id: DocumentId(Uuid::from_u128(d.id)),
            patient: PatientId(Uuid::from_u128(d.patient)),
            type_document: match d.type_document {
                TypeDocumentV1::CompteRendu => TypeDocument::CompteRendu,
                TypeDocumentV1::Lettre => TypeDocument::Lettre,
                TypeDocumentV1::Ordonnance => TypeDocument::Ordonnance,
                TypeDocumentV1::Resultat => TypeDocument::Resultat,
                TypeDocumentV1::Autre => TypeDocument::Autre,
            },
            titre: d.titre,
            taille: d.taille,
            sha256: d.sha256,
            format: match d.format {
                FormatV1::Pdf => Format::Pdf,
                FormatV1::Png => Format::Png,
                FormatV1::Jpeg => Format::Jpeg,
            },
            depose_par: CompteId(Uuid::from_u128(d.depose_par)),
            le: instant(d.le)?,
        })
    }
}

/// What a read of the partie médicale read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LectureV1 {
    /// The dossier médical.
    DossierMedical,
    /// One document (its id).
    Document(u128),
    /// The RGPD export.
    Export,
}

/// One entry of a patient's access log, keyed by (patient, le, id); never changed once written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccesV1 {
    /// Id.
    pub id: u128,
    /// Whose partie médicale.
    pub patient: u128,
    /// The account that read.
    pub qui: u128,
    /// Its role then (`patient`, `praticien`).
    pub role: String,
    /// What it read.
    pub quoi: LectureV1,
    /// When (ms).
    pub le: i64,
    /// The request's id.
    pub request_id: String,
}

impl Enregistrement for AccesV1 {
    const NOM: &'static str = "toubeelib::AccesV1";
}

impl From<&crate::documents::Acces> for AccesV1 {
    fn from(a: &crate::documents::Acces) -> Self {
        use crate::documents::Lecture;
        AccesV1 {
            id: a.id.as_u128(),
            patient: a.patient.0.as_u128(),
            qui: a.qui.0.as_u128(),
            role: a.role.clone(),
            quoi: match a.quoi {
                Lecture::DossierMedical => LectureV1::DossierMedical,
                Lecture::Document(d) => LectureV1::Document(d.0.as_u128()),
                Lecture::Export => LectureV1::Export,
            },
            le: millis(a.le),
            request_id: a.request_id.clone(),
        }
    }
}

impl TryFrom<AccesV1> for crate::documents::Acces {
    type Error = StoreError;

    fn try_from(a: AccesV1) -> Result<Self, StoreError> {
        use crate::documents::{DocumentId, Lecture};
        Ok(crate::documents::Acces {
            id: Uuid::from_u128(a.id),
            patient: PatientId(Uuid::from_u128(a.patient)),
            qui: CompteId(Uuid::from_u128(a.qui)),
            role: a.role,
            quoi: match a.quoi {
                LectureV1::DossierMedical => Lecture::DossierMedical,
                LectureV1::Document(d) => Lecture::Document(DocumentId(Uuid::from_u128(d))),
                LectureV1::Export => Lecture::Export,
            },
            le: instant(a.le)?,
            request_id: a.request_id,
        })
    }
}

/// What a notification tells the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SujetNotificationV1 {
    /// A document was added to the partie médicale (its id).
    DocumentDisponible(u128),
}

/// A notification waiting for the outbox (to come: mail, SMS), recorded in the transaction of the
/// event it tells about, so that none is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationV1 {
    /// Id (UUID v7: the table is in creation order).
    pub id: u128,
    /// For whom.
    pub patient: u128,
    /// What it says.
    pub sujet: SujetNotificationV1,
    /// Created at (ms).
    pub cree_le: i64,
}

impl Enregistrement for NotificationV1 {
    const NOM: &'static str = "toubeelib::NotificationV1";
}

/// Which change of a rdv a notification tells about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EvenementRdvV1 {
    /// Booked.
    Reserve,
    /// Moved (the snapshot holds the new créneau).
    Deplace,
    /// Cancelled, by anyone.
    Annule,
    /// The reminder before `debut`; not sent if the rdv was cancelled or moved meanwhile.
    Rappel,
}

/// A rdv as it was when the notification was written: what the text and the invitation say, even if
/// the rdv changes before the worker sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstantaneRdvV1 {
    /// The rdv (its id is the invitation's UID).
    pub rdv: u128,
    /// Its praticien.
    pub praticien: u128,
    /// Its structure.
    pub structure: u128,
    /// Start (ms).
    pub debut: i64,
    /// End (ms).
    pub fin: i64,
    /// Présentiel or téléconsultation.
    pub type_consultation: TypeConsultationV1,
    /// The invitation's `SEQUENCE`: the rdv's history length minus one.
    pub sequence: u32,
}

/// What an outbox notification tells the patient. Variants are only appended (postcard).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SujetNotificationV2 {
    /// A document was added to the partie médicale (its id).
    DocumentDisponible(u128),
    /// A rdv was booked, moved or cancelled, or is near (reminder).
    Rdv {
        /// Which change.
        evenement: EvenementRdvV1,
        /// The rdv then.
        instantane: InstantaneRdvV1,
    },
    /// A créneau of the waiting list is held for the patient until `expire_le` (ms).
    OffreAttente {
        /// The créneau offered (`rdv` is the offer's id).
        instantane: InstantaneRdvV1,
        /// End of the hold (ms).
        expire_le: i64,
    },
    /// A message awaits `destinataire` in the conversation (never its text). The row's `patient` is
    /// the conversation's patient, whoever receives it; written only for a first unread message.
    NouveauMessage {
        /// The conversation.
        conversation: u128,
        /// Who is told.
        destinataire: PartieV1,
    },
}

/// Where an outbox notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EtatNotificationV1 {
    /// To send at `du_le` (first try or retry).
    EnAttente,
    /// Accepted by the channel at this instant (ms); never sent again.
    Envoyee(i64),
    /// Given up after the last attempt, at this instant (ms).
    Echouee(i64),
    /// Not to send any more (a reminder of a cancelled or moved rdv, demo data), at this instant (ms).
    Caduque(i64),
}

/// A notification of the outbox, written in the transaction of the change it tells about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationV2 {
    /// Id (UUID v7); the mail's Message-ID is made from it, so a resend can be deduplicated.
    pub id: u128,
    /// For whom.
    pub patient: u128,
    /// What it says.
    pub sujet: SujetNotificationV2,
    /// Created at (ms).
    pub cree_le: i64,
    /// Due at (ms): creation, a reminder's instant, or the next retry.
    pub du_le: i64,
    /// Attempts made so far.
    pub tentatives: u32,
    /// Where it stands.
    pub etat: EtatNotificationV1,
    /// The last delivery error, if any (never a secret: the channel's answer or the I/O error).
    pub derniere_erreur: Option<String>,
}

impl Enregistrement for NotificationV2 {
    const NOM: &'static str = "toubeelib::NotificationV2";
}

impl From<NotificationV1> for NotificationV2 {
    fn from(n: NotificationV1) -> Self {
        let sujet = match n.sujet {
            SujetNotificationV1::DocumentDisponible(d) => SujetNotificationV2::DocumentDisponible(d),
        };
        NotificationV2 {
            id: n.id,
            patient: n.patient,
            sujet,
            cree_le: n.cree_le,
            du_le: n.cree_le,
            tentatives: 0,
            etat: EtatNotificationV1::EnAttente,
            derniere_erreur: None,
        }
    }
}

/// A conversation between a patient and a praticien (messagerie).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationV1 {
    /// Id.
    pub id: u128,
    /// Its patient.
    pub patient: u128,
    /// Its praticien.
    pub praticien: u128,
    /// Opened at (ms).
    pub cree_le: i64,
    /// Its last message, or its opening (ms): the key of the per-party listings.
    pub derniere_activite: i64,
}

impl Enregistrement for ConversationV1 {
    const NOM: &'static str = "toubeelib::ConversationV1";
}

/// Which side of a conversation wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartieV1 {
    /// The patient.
    Patient,
    /// The praticien.
    Praticien,
}

/// A message of a conversation (its text may be medical: `Debug` redacts it).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageV1 {
    /// Id (UUID v7).
    pub id: u128,
    /// Its conversation.
    pub conversation: u128,
    /// Who wrote it.
    pub auteur: PartieV1,
    /// Plain text.
    pub texte: String,
    /// Sent at (ms).
    pub le: i64,
}

impl fmt::Debug for MessageV1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageV1")
            .field("id", &self.id)
            .field("conversation", &self.conversation)
            .field("auteur", &self.auteur)
            .field("le", &self.le)
            .finish_non_exhaustive()
    }
}

impl Enregistrement for MessageV1 {
    const NOM: &'static str = "toubeelib::MessageV1";
}

/// An entry of the waiting list (liste d'attente).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttenteV1 {
    /// Id (UUID v7).
    pub id: u128,
    /// Who waits.
    pub patient: u128,
    /// With whom.
    pub praticien: u128,
    /// Spécialité code.
    pub specialite: String,
    /// Type.
    pub type_consultation: TypeConsultationV1,
    /// Latest acceptable date (inclusive), days since 0001-01-01 (CE day 1).
    pub avant_jour_ce: i32,
    /// Registered at (ms): the queue's order.
    pub cree_le: i64,
    /// Where it stands.
    pub etat: EtatAttenteV1,
}

impl Enregistrement for AttenteV1 {
    const NOM: &'static str = "toubeelib::AttenteV1";
}

/// Where a waiting-list entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EtatAttenteV1 {
    /// Waiting.
    EnAttente,
    /// A créneau offered (ms), held until `expire_le` (ms); past it, the entry waits again.
    Offre {
        /// Start.
        debut: i64,
        /// End.
        fin: i64,
        /// Structure.
        structure: u128,
        /// End of the hold.
        expire_le: i64,
    },
    /// The offer was taken: this rdv.
    Acceptee(u128),
    /// The patient left the list.
    Retiree,
}

/// A créneau held for a waiting patient, by (praticien, start).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffreAttenteV1 {
    /// The entry offered.
    pub attente: u128,
    /// Its patient.
    pub patient: u128,
    /// End of the créneau (ms).
    pub fin: i64,
    /// End of the hold (ms).
    pub expire_le: i64,
    /// The entries this créneau was already offered to (not offered again when the hold lapses).
    pub deja: Vec<u128>,
}

impl Enregistrement for OffreAttenteV1 {
    const NOM: &'static str = "toubeelib::OffreAttenteV1";
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use domain::horaires::Jour;

    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// Through the record type and its bytes, and back.
    #[track_caller]
    fn aller_retour<M, R>(modele: &M) -> M
    where
        R: Enregistrement + for<'a> From<&'a M>,
        M: TryFrom<R, Error = StoreError>,
    {
        let octets = Record::encoder(&R::from(modele)).unwrap();
        let relu = <Record<R> as Value>::from_bytes(<Record<R> as Value>::as_bytes(&octets));
        M::try_from(relu.decoder().unwrap()).unwrap()
    }

    #[test]
    fn a_full_praticien_survives_the_disk() {
        let structure = StructureId(Uuid::from_u128(3));
        let cardio = Specialite::parse("cardiologie").unwrap();
        let praticien = Praticien {
            id: PraticienId(Uuid::from_u128(1)),
            rpps: Rpps::parse("10003829768").unwrap(),
            nom: "Lefèvre".to_owned(),
            prenom: "Anaïs".to_owned(),
            titre: Some("Dr".to_owned()),
            email: Email::parse("anais@exemple.fr").unwrap(),
            specialites: vec![Specialite::MEDECINE_GENERALE, cardio],
            structures: vec![structure, StructureId(Uuid::from_u128(4))],
            honoraires: vec![Honoraire {
                specialite: cardio,
                type_consultation: TypeConsultation::Teleconsultation,
                montant_centimes: 5000,
                secteur: Secteur::Secteur2,
            }],
            motifs: vec![Motif {
                code: "ecg".to_owned(),
                libelle: "Électrocardiogramme".to_owned(),
                specialite: cardio,
                duree_minutes: Some(DureeMinutes::new(45).unwrap()),
            }],
            durees: vec![DureeConsultation {
                specialite: Specialite::MEDECINE_GENERALE,
                type_consultation: TypeConsultation::Presentiel,
                duree_minutes: DureeMinutes::new(20).unwrap(),
            }],
            moyens_paiement: vec![MoyenPaiement::CarteVitale, MoyenPaiement::Especes],
            nouveaux_patients: false,
            horaires: Horaires::new(vec![RegleHoraire {
                jour: Jour::Samedi,
                debut: Heure::hm(8, 30).unwrap(),
                fin: Heure::hm(12, 45).unwrap(),
                structure_id: structure,
                types: vec![TypeConsultation::Presentiel, TypeConsultation::Teleconsultation],
                specialites: Some(vec![cardio]),
                valable_du: NaiveDate::from_ymd_opt(2026, 1, 1),
                valable_au: NaiveDate::from_ymd_opt(2026, 6, 30),
            }])
            .unwrap(),
            reglages: Reglages::new(ReglagesBruts {
                patients_connus_uniquement: true,
                delai_annulation_heures: 48,
                annulation_tardive: PolitiqueAnnulationTardive::Refusee,
                preavis_minutes: 120,
                horizon_jours: 30,
                rappel_heures: 12,
            })
            .unwrap(),
        };
        assert_eq!(aller_retour::<_, PraticienV1>(&praticien), praticien);
    }

    #[test]
    fn patients_accounts_structures_personnel_and_rdvs_survive_the_disk() {
        // A NIR with its key: 97 − (13 digits mod 97).
        let corps = 1_800_575_123_456u64;
        let nir = Nir::parse(&format!("{corps}{:02}", 97 - corps % 97)).unwrap();
        let patient = Patient {
            id: PatientId(Uuid::from_u128(9)),
            nom: "Nguyen".to_owned(),
            prenom: "Lou".to_owned(),
            date_naissance: NaiveDate::from_ymd_opt(1980, 5, 17).unwrap(),
            email: Email::parse("lou@exemple.fr").unwrap(),
            telephones: vec![Telephone::parse("06 12 34 56 78").unwrap()],
            nir: Some(nir),
            adresse: Some("1 rue Haute".to_owned()),
            medecin_traitant: Some(MedecinTraitant::Texte("Dr Martin".to_owned())),
            canal_prefere: Canal::Sms,
        };
        assert_eq!(aller_retour::<_, PatientV2>(&patient), patient);
        let suivi = Patient {
            medecin_traitant: Some(MedecinTraitant::Praticien(PraticienId(Uuid::from_u128(4)))),
            nir: None,
            ..patient.clone()
        };
        assert_eq!(aller_retour::<_, PatientV2>(&suivi), suivi);

        let compte = Compte {
            id: CompteId(Uuid::from_u128(10)),
            email: Email::parse("lou@exemple.fr").unwrap(),
            mot_de_passe_hash: "$argon2id$x".to_owned(),
            role: Role::Patient(patient.id),
            cree_le: t("2026-12-01T08:00:00.123Z"),
        };
        assert_eq!(aller_retour::<_, CompteV1>(&compte), compte);

        let structure = Structure {
            id: StructureId(Uuid::from_u128(3)),
            nom: "Centre".to_owned(),
            type_structure: TypeStructure::CentreDeSante,
            adresse: "2 rue Basse".to_owned(),
            code_postal: "97400".to_owned(),
            ville: "Saint-Denis".to_owned(),
            telephone: Telephone::parse("+262 262 00 00 00").unwrap(),
            fuseau: Fuseau::parse("Indian/Reunion").unwrap(),
        };
        assert_eq!(aller_retour::<_, StructureV1>(&structure), structure);

        let personnel = Personnel {
            id: PersonnelId(Uuid::from_u128(11)),
            nom: "Blanc".to_owned(),
            prenom: "Léa".to_owned(),
            email: Email::parse("lea@exemple.fr").unwrap(),
            structure_id: structure.id,
            praticiens: vec![PraticienId(Uuid::from_u128(1))],
        };
        assert_eq!(aller_retour::<_, PersonnelV1>(&personnel), personnel);

        let debut = t("2026-12-07T08:00:00Z");
        let rdv = Rdv {
            id: RdvId(Uuid::from_u128(12)),
            praticien_id: PraticienId(Uuid::from_u128(1)),
            patient_id: patient.id,
            specialite: Specialite::MEDECINE_GENERALE,
            type_consultation: TypeConsultation::Teleconsultation,
            motif: Some("suivi".to_owned()),
            creneau: Creneau::new(debut, debut + Duration::minutes(30)).unwrap(),
            structure_id: structure.id,
            statut: Statut::Transmis,
            origine: Origine::HorsPlateforme,
            historique: vec![Evenement {
                statut: Statut::Prevu,
                action: "reserve".to_owned(),
                par: compte.id,
                le: t("2026-12-01T08:00:00Z"),
            }],
            paiement: Some(Paiement {
                montant_centimes: 2650,
                mode: ModePaiement::TiersPayant,
                le: debut,
            }),
            transmission: Some(Transmission {
                le: debut + Duration::days(1),
                organisme: None,
            }),
        };
        assert_eq!(aller_retour::<_, RdvV1>(&rdv), rdv);
    }

    #[test]
    fn a_stored_value_the_domain_refuses_is_an_internal_error() {
        let mut record = StructureV1::from(&Structure {
            id: StructureId(Uuid::from_u128(3)),
            nom: "Centre".to_owned(),
            type_structure: TypeStructure::Cabinet,
            adresse: String::new(),
            code_postal: String::new(),
            ville: String::new(),
            telephone: Telephone::parse("01 23 45 67 89").unwrap(),
            fuseau: Fuseau::PARIS,
        });
        record.fuseau = "Mars/Olympus".to_owned();
        assert!(matches!(Structure::try_from(record), Err(StoreError::Interne(_))));
        assert!(matches!(instant(i64::MAX), Err(StoreError::Interne(_))));
    }
}
