//! The scale dataset: a large, realistic store for benchmarks and tests (`toubeelib seed-scale`).
//!
//! From `N` praticiens and `M` rdvs it makes about `N / 5` structures in real villes (drawn by
//! population, overseas ones in their own time zones), `N` praticiens with French names, valid RPPS
//! numbers, spécialités weighted as in France and varied horaires, `M / 5` patients, and `M` rdvs
//! spread over two years: [`JOURS_PASSES`] days of history (honorés, payés, transmis, non honorés,
//! annulés…) and [`JOURS_A_VENIR`] days of rdvs to come (`prevu`). Lists of names and places are in
//! `donnees`.
//!
//! Rdvs are placed without any search: each praticien's days are taken in order, each day's créneaux
//! are the domain's own ([`creneaux_libres`] on the praticien's agenda, empty), and a day's rdvs take
//! distinct créneaux of it, so a praticien's rdvs never overlap and every rdv to come is one the
//! booking rules accept. A patient gets a rdv only when it overlaps none of theirs.
//!
//! Deterministic: the same parameters, seed and `now` give the same elements in the same order. Each
//! entity draws from its own stream of a small embedded generator (`Alea`, SplitMix64), whose output
//! no dependency update can change.
//!
//! Fast: [`charger`] generates on one thread while another writes through
//! [`RedbStore::importer_en_masse`] (large non-durable transactions, one durable commit at the end).

mod donnees;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::mpsc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use domain::consultation::{Origine, TypeConsultation};
use domain::disponibilite::{
    Agenda, CreneauLibre, DureeConsultation, Lieu, Motif, Recherche, creneaux_libres,
};
use domain::horaires::{Heure, Horaires, Jour, RegleHoraire};
use domain::identifiants::{Email, Nir, Rpps, Telephone};
use domain::ids::{PatientId, PraticienId, RdvId, StructureId};
use domain::reglages::{PolitiqueAnnulationTardive, Reglages, ReglagesBruts};
use domain::specialite::Specialite;
use domain::statut::Statut;
use domain::temps::{DureeMinutes, Fuseau};
use uuid::Uuid;

use self::donnees::{NOMS, NOMS_STRUCTURES, PRENOMS, RUES, SPECIALITES, VILLES};
use super::creneaux::{jour_ferie, journee};
use crate::modele::{
    Canal, Compte, CompteId, Evenement, Honoraire, ModePaiement, MoyenPaiement, Paiement, Patient, Praticien,
    Rdv, Role, Secteur, Structure, Transmission, TypeStructure,
};
use crate::store::StoreError;
use crate::store::redb::masse::{BilanImport, Element};
use crate::store::redb::{RedbStore, replier};

/// Most praticiens one run may ask for.
pub const PRATICIENS_MAX: usize = 1_000_000;
/// Most rdvs one run may ask for.
pub const RDVS_MAX: usize = 20_000_000;
/// Most rdvs per praticien on average: beyond it the busiest agendas would not hold their share.
pub const RDVS_PAR_PRATICIEN_MOYEN_MAX: usize = 1_000;
/// Praticiens per structure, on average.
pub const PRATICIENS_PAR_STRUCTURE: usize = 5;
/// Rdvs per patient, on average.
pub const RDVS_PAR_PATIENT: usize = 5;
/// Days of history before `now`.
pub const JOURS_PASSES: i64 = 640;
/// Days of rdvs to come after `now`; within every praticien's booking horizon (90 days at least).
pub const JOURS_A_VENIR: i64 = 90;
/// The seed when none is given.
pub const GRAINE_PAR_DEFAUT: u64 = 2026;

/// Patients tried for one créneau before it is left free.
const ESSAIS_PATIENT_MAX: usize = 8;
/// Patients a praticien's generator remembers, to see some of them again.
const PATIENTELE_SUIVIE_MAX: usize = 64;
/// Elements handed from the generating thread to the writing one at a time.
const ELEMENTS_PAR_ENVOI: usize = 4_096;
/// Hand-overs waiting for the writer (bounds the memory between the two threads).
const ENVOIS_EN_ATTENTE_MAX: usize = 8;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parametres {
    /// Praticiens, 1 to [`PRATICIENS_MAX`].
    pub praticiens: usize,
    /// Rdvs, up to [`RDVS_MAX`] and [`RDVS_PAR_PRATICIEN_MOYEN_MAX`] per praticien.
    pub rdvs: usize,
    /// Seed of every random draw.
    pub graine: u64,
}

/// What a run generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resume {
    /// Structures.
    pub structures: usize,
    /// Praticiens, each with its account.
    pub praticiens: usize,
    /// Patients, each with its account.
    pub patients: usize,
    /// Rdvs before `now`.
    pub rdvs_passes: usize,
    /// Rdvs to come (`prevu`).
    pub rdvs_a_venir: usize,
}

impl Resume {
    /// Every rdv.
    pub fn rdvs(&self) -> usize {
        self.rdvs_passes + self.rdvs_a_venir
    }
}

/// Why the scale dataset was not written.
#[derive(Debug, thiserror::Error)]
pub enum ErreurEchelle {
    /// Sizes out of their bounds.
    #[error("paramètres refusés : {0}")]
    Parametres(String),
    /// A generated value was refused by the domain's parsers (a bug of this module).
    #[error("donnée générée invalide ({ou}) : {raison}")]
    Invalide {
        /// The entity.
        ou: String,
        /// The parser's refusal.
        raison: String,
    },
    /// The store refused or failed.
    #[error("stockage : {0}")]
    Stockage(#[from] StoreError),
    /// The writer stopped before the generator.
    #[error("écriture interrompue")]
    Interrompue,
}

/// Generates the dataset for `now` and writes it into the empty `store`, generation and writing
/// running on two threads; every account gets `mot_de_passe_hash`.
pub fn charger(
    store: &RedbStore,
    parametres: &Parametres,
    mot_de_passe_hash: &str,
    now: DateTime<Utc>,
) -> Result<Resume, ErreurEchelle> {
    verifier(parametres)?;
    let (envoi, reception) = mpsc::sync_channel::<Vec<Element>>(ENVOIS_EN_ATTENTE_MAX);
    std::thread::scope(|s| {
        let generateur = s.spawn(move || -> Result<Resume, ErreurEchelle> {
            let mut paquet = Vec::with_capacity(ELEMENTS_PAR_ENVOI);
            let resume = generer(parametres, mot_de_passe_hash, now, &mut |element| {
                paquet.push(element);
                if paquet.len() >= ELEMENTS_PAR_ENVOI {
                    let plein = std::mem::replace(&mut paquet, Vec::with_capacity(ELEMENTS_PAR_ENVOI));
                    envoi.send(plein).map_err(|_| ErreurEchelle::Interrompue)?;
                }
                Ok(())
            })?;
            if !paquet.is_empty() {
                envoi.send(paquet).map_err(|_| ErreurEchelle::Interrompue)?;
            }
            Ok(resume)
        });
        // Dropping the receiver (when the writer fails) stops the generator at its next hand-over.
        let ecrit = store.importer_en_masse(reception.into_iter().flatten());
        let genere = generateur.join().map_err(|_| ErreurEchelle::Invalide {
            ou: "générateur".into(),
            raison: "le fil de génération a paniqué".into(),
        })?;
        let bilan = ecrit?;
        let resume = genere?;
        let attendu = BilanImport {
            structures: resume.structures,
            praticiens: resume.praticiens,
            patients: resume.patients,
            rdvs: resume.rdvs(),
            transactions: bilan.transactions,
        };
        if bilan != attendu {
            return Err(ErreurEchelle::Invalide {
                ou: "import".into(),
                raison: format!("écrit {bilan:?}, généré {resume:?}"),
            });
        }
        Ok(resume)
    })
}

/// Generates the dataset for `now`, handing each element to `emettre` in write order: structures,
/// patients, then each praticien followed by its rdvs.
pub fn generer(
    parametres: &Parametres,
    mot_de_passe_hash: &str,
    now: DateTime<Utc>,
    emettre: &mut dyn FnMut(Element) -> Result<(), ErreurEchelle>,
) -> Result<Resume, ErreurEchelle> {
    verifier(parametres)?;
    let mut g = Generateur::new(*parametres, mot_de_passe_hash, now)?;
    g.structures(emettre)?;
    let plans = g.plans_praticiens();
    g.patients(emettre)?;
    for (rang, plan) in plans.iter().enumerate() {
        g.praticien(rang, plan, emettre)?;
    }
    Ok(g.resume)
}

fn verifier(p: &Parametres) -> Result<(), ErreurEchelle> {
    if !(1..=PRATICIENS_MAX).contains(&p.praticiens) {
        return Err(ErreurEchelle::Parametres(format!(
            "{} praticiens : de 1 à {PRATICIENS_MAX}",
            p.praticiens
        )));
    }
    if p.rdvs > RDVS_MAX || p.rdvs > p.praticiens * RDVS_PAR_PRATICIEN_MOYEN_MAX {
        return Err(ErreurEchelle::Parametres(format!(
            "{} rdvs : au plus {RDVS_MAX}, et {RDVS_PAR_PRATICIEN_MOYEN_MAX} par praticien en moyenne",
            p.rdvs
        )));
    }
    Ok(())
}

/// SplitMix64: tiny, fast, and fixed forever (the dataset must not change with a dependency).
#[derive(Debug, Clone)]
struct Alea(u64);

/// SplitMix64's output function.
fn melanger(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Alea {
    /// The stream of entity `rang` of kind `flux` under `graine`: independent of every other one.
    fn flux(graine: u64, flux: Flux, rang: usize) -> Self {
        Alea(melanger(melanger(graine ^ flux as u64) ^ rang as u64))
    }

    fn suivant(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        melanger(self.0)
    }

    /// Uniform in `0..n` (`n > 0`; Lemire's multiply-shift, bias below 2^-40 for our sizes).
    fn sous(&mut self, n: usize) -> usize {
        ((u128::from(self.suivant()) * n as u128) >> 64) as usize
    }

    /// True with probability `pour_mille` / 1000.
    fn chance(&mut self, pour_mille: usize) -> bool {
        self.sous(1000) < pour_mille
    }

    fn choisir<'a, T>(&mut self, liste: &'a [T]) -> &'a T {
        &liste[self.sous(liste.len())]
    }

    /// An index drawn by weight, from cumulative weights (the last is the total, > 0).
    fn pondere(&mut self, cumul: &[u64]) -> usize {
        let total = cumul.last().copied().unwrap_or(0).max(1);
        let tirage = ((u128::from(self.suivant()) * u128::from(total)) >> 64) as u64;
        cumul
            .partition_point(|&c| c <= tirage)
            .min(cumul.len().saturating_sub(1))
    }

    /// A UUID v7 of the instant `ms`, its random part from this stream.
    fn uuid(&mut self, ms: i64) -> Uuid {
        let mut octets = [0u8; 10];
        octets[..8].copy_from_slice(&self.suivant().to_le_bytes());
        octets[8..].copy_from_slice(&self.suivant().to_le_bytes()[..2]);
        uuid::Builder::from_unix_timestamp_millis(u64::try_from(ms).unwrap_or(0), &octets).into_uuid()
    }
}

/// The kinds of random streams.
#[derive(Debug, Clone, Copy)]
enum Flux {
    Structure = 1,
    Plan = 2,
    Patient = 3,
    Praticien = 4,
    Rdvs = 5,
}

fn cumul(poids: impl Iterator<Item = u64>) -> Vec<u64> {
    poids
        .scan(0u64, |total, p| {
            *total += p;
            Some(*total)
        })
        .collect()
}

fn invalide(ou: impl Into<String>, raison: impl std::fmt::Display) -> ErreurEchelle {
    ErreurEchelle::Invalide {
        ou: ou.into(),
        raison: raison.to_string(),
    }
}

/// A structure, as later steps need it.
#[derive(Debug, Clone, Copy)]
struct StructureGeneree {
    id: StructureId,
    ville: usize,
    /// How many praticiens it draws, relative to a cabinet's 1.
    taille: u64,
}

/// A praticien before it is built: enough to share the rdvs out.
#[derive(Debug, Clone, Copy)]
struct Plan {
    specialite: usize,
    structure: usize,
    poids: u64,
    rdvs: usize,
}

/// A patient, as the rdvs need it.
#[derive(Debug, Clone)]
struct PatientGenere {
    id: PatientId,
    compte: CompteId,
    /// Its rdvs so far, `(debut, fin)` in Unix ms.
    pris: Vec<(i64, i64)>,
}

/// One day of the two years.
#[derive(Debug, Clone, Copy)]
struct Jour2Ans {
    date: NaiveDate,
    /// Monday = 0.
    semaine: usize,
    ferie: bool,
}

struct Generateur<'h> {
    parametres: Parametres,
    hash: &'h str,
    now: DateTime<Utc>,
    debut: DateTime<Utc>,
    fin: DateTime<Utc>,
    fuseaux: Vec<Fuseau>,
    cumul_villes: Vec<u64>,
    specialites: Vec<Specialite>,
    cumul_specialites: Vec<u64>,
    structures: Vec<StructureGeneree>,
    structures_par_ville: Vec<Vec<usize>>,
    patients: Vec<PatientGenere>,
    patients_par_ville: Vec<Vec<usize>>,
    jours: Vec<Jour2Ans>,
    resume: Resume,
}

impl<'h> Generateur<'h> {
    fn new(parametres: Parametres, hash: &'h str, now: DateTime<Utc>) -> Result<Self, ErreurEchelle> {
        let fuseaux = VILLES
            .iter()
            .map(|v| Fuseau::parse(v.fuseau).map_err(|e| invalide(v.nom, e)))
            .collect::<Result<Vec<_>, _>>()?;
        let specialites = SPECIALITES
            .iter()
            .map(|s| Specialite::parse(s.code).map_err(|e| invalide(s.code, e)))
            .collect::<Result<Vec<_>, _>>()?;
        let debut = now - Duration::days(JOURS_PASSES);
        let fin = now + Duration::days(JOURS_A_VENIR);
        // One day more on each side: a local day overseas may start on the previous UTC date.
        let premier = debut.date_naive().pred_opt().unwrap_or(NaiveDate::MIN);
        let dernier = fin.date_naive().succ_opt().unwrap_or(NaiveDate::MAX);
        let jours = premier
            .iter_days()
            .take_while(|d| *d <= dernier)
            .map(|date| Jour2Ans {
                date,
                semaine: date.weekday().num_days_from_monday() as usize,
                ferie: jour_ferie(date),
            })
            .collect();
        Ok(Generateur {
            parametres,
            hash,
            now,
            debut,
            fin,
            fuseaux,
            cumul_villes: cumul(VILLES.iter().map(|v| u64::from(v.population))),
            specialites,
            cumul_specialites: cumul(SPECIALITES.iter().map(|s| u64::from(s.part))),
            structures: Vec::new(),
            structures_par_ville: vec![Vec::new(); VILLES.len()],
            patients: Vec::new(),
            patients_par_ville: vec![Vec::new(); VILLES.len()],
            jours,
            resume: Resume::default(),
        })
    }

    fn alea(&self, flux: Flux, rang: usize) -> Alea {
        Alea::flux(self.parametres.graine, flux, rang)
    }

    /// When an entity of rank `rang` was created: spread over the weeks before the history starts.
    fn cree_le(&self, rang: usize) -> DateTime<Utc> {
        self.debut - Duration::days(30) + Duration::seconds(i64::try_from(rang).unwrap_or(0))
    }

    fn compte(&self, a: &mut Alea, email: Email, role: Role, cree_le: DateTime<Utc>) -> Compte {
        Compte {
            id: CompteId(a.uuid(cree_le.timestamp_millis())),
            email,
            mot_de_passe_hash: self.hash.to_owned(),
            role,
            cree_le,
        }
    }

    /// About one structure per [`PRATICIENS_PAR_STRUCTURE`] praticiens, in villes drawn by population.
    fn structures(
        &mut self,
        emettre: &mut dyn FnMut(Element) -> Result<(), ErreurEchelle>,
    ) -> Result<(), ErreurEchelle> {
        let nombre = self.parametres.praticiens.div_ceil(PRATICIENS_PAR_STRUCTURE);
        for rang in 0..nombre {
            let mut a = self.alea(Flux::Structure, rang);
            let ville = a.pondere(&self.cumul_villes);
            let v = &VILLES[ville];
            let (type_structure, genre, taille) = match a.sous(100) {
                0..60 => (TypeStructure::Cabinet, "Cabinet médical", 1),
                60..85 => (TypeStructure::MaisonMedicale, "Maison de santé", 3),
                _ => (TypeStructure::CentreDeSante, "Centre de santé", 4),
            };
            let code_postal = v.code_postal + a.sous(v.arrondissements as usize) as u32;
            let ou = format!("structure {rang}");
            let structure = Structure {
                id: StructureId(a.uuid(self.cree_le(rang).timestamp_millis())),
                nom: format!("{genre} {}", a.choisir(NOMS_STRUCTURES)),
                type_structure,
                adresse: format!("{} {}", 1 + a.sous(150), a.choisir(RUES)),
                code_postal: format!("{code_postal:05}"),
                ville: v.nom.to_owned(),
                telephone: telephone(&mut a, v.fixe).map_err(|e| invalide(&ou, e))?,
                fuseau: self.fuseaux[ville],
            };
            self.structures.push(StructureGeneree {
                id: structure.id,
                ville,
                taille,
            });
            self.structures_par_ville[ville].push(rang);
            emettre(Element::Structure(structure))?;
            self.resume.structures += 1;
        }
        Ok(())
    }

    /// Each praticien's spécialité, structure and share of the rdvs (exactly `M` in all: largest
    /// remainders). Bigger structures draw more praticiens; busier spécialités more rdvs.
    fn plans_praticiens(&self) -> Vec<Plan> {
        let cumul_structures = cumul(self.structures.iter().map(|s| s.taille));
        let mut plans: Vec<Plan> = (0..self.parametres.praticiens)
            .map(|rang| {
                let mut a = self.alea(Flux::Plan, rang);
                let specialite = a.pondere(&self.cumul_specialites);
                let structure = a.pondere(&cumul_structures);
                let poids = u64::from(SPECIALITES[specialite].activite) * (30 + a.sous(141) as u64);
                Plan {
                    specialite,
                    structure,
                    poids,
                    rdvs: 0,
                }
            })
            .collect();
        let total: u128 = plans.iter().map(|p| u128::from(p.poids)).sum::<u128>().max(1);
        let m = self.parametres.rdvs as u128;
        let mut restes: Vec<(u128, usize)> = Vec::with_capacity(plans.len());
        let mut distribues = 0usize;
        for (rang, p) in plans.iter_mut().enumerate() {
            let part = m * u128::from(p.poids);
            p.rdvs = (part / total) as usize;
            distribues += p.rdvs;
            restes.push((part % total, rang));
        }
        restes.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, rang) in restes.iter().take(self.parametres.rdvs - distribues) {
            plans[rang].rdvs += 1;
        }
        plans
    }

    /// About one patient per [`RDVS_PAR_PATIENT`] rdvs, in villes drawn by population.
    fn patients(
        &mut self,
        emettre: &mut dyn FnMut(Element) -> Result<(), ErreurEchelle>,
    ) -> Result<(), ErreurEchelle> {
        let nombre = self.parametres.rdvs.div_ceil(RDVS_PAR_PATIENT);
        let aujourdhui = self.now.date_naive();
        self.patients.reserve(nombre);
        for rang in 0..nombre {
            let mut a = self.alea(Flux::Patient, rang);
            let ou = format!("patient {rang}");
            let ville = a.pondere(&self.cumul_villes);
            let v = &VILLES[ville];
            let (prenom, nom) = (*a.choisir(PRENOMS), *a.choisir(NOMS));
            let naissance = aujourdhui - Duration::days(a.sous(95 * 365) as i64);
            let email = Email::parse(&format!(
                "{}.{}.{}@patient.example",
                locale(prenom),
                locale(nom),
                rang + 1
            ))
            .map_err(|e| invalide(&ou, e))?;
            let mut telephones = vec![telephone(&mut a, v.mobile).map_err(|e| invalide(&ou, e))?];
            if a.chance(200) {
                telephones.push(telephone(&mut a, v.fixe).map_err(|e| invalide(&ou, e))?);
            }
            let nir = if a.chance(800) {
                Some(nir(&mut a, naissance, v.departement, v.code_postal).map_err(|e| invalide(&ou, e))?)
            } else {
                None
            };
            let code_postal = v.code_postal + a.sous(v.arrondissements as usize) as u32;
            let cree_le = self.cree_le(rang);
            let id = PatientId(a.uuid(cree_le.timestamp_millis()));
            let patient = Patient {
                id,
                nom: nom.to_owned(),
                prenom: prenom.to_owned(),
                date_naissance: naissance,
                email: email.clone(),
                telephones,
                nir,
                adresse: Some(format!(
                    "{} {}, {code_postal:05} {}",
                    1 + a.sous(150),
                    a.choisir(RUES),
                    v.nom
                )),
                medecin_traitant: None,
                canal_prefere: if a.chance(250) { Canal::Sms } else { Canal::Email },
            };
            let compte = self.compte(&mut a, email, Role::Patient(id), cree_le);
            self.patients.push(PatientGenere {
                id,
                compte: compte.id,
                pris: Vec::new(),
            });
            self.patients_par_ville[ville].push(rang);
            emettre(Element::Patient(Box::new((compte, patient))))?;
            self.resume.patients += 1;
        }
        Ok(())
    }

    /// Praticien `rang`, then its rdvs.
    fn praticien(
        &mut self,
        rang: usize,
        plan: &Plan,
        emettre: &mut dyn FnMut(Element) -> Result<(), ErreurEchelle>,
    ) -> Result<(), ErreurEchelle> {
        let mut a = self.alea(Flux::Praticien, rang);
        let ou = format!("praticien {rang}");
        let profil = &SPECIALITES[plan.specialite];
        let principale = self.specialites[plan.specialite];
        let mut specialites = vec![principale];
        if principale == Specialite::MEDECINE_GENERALE && a.chance(50) {
            specialites.push(Specialite::parse("medecine_du_sport").map_err(|e| invalide(&ou, e))?);
        }
        let structure = self.structures[plan.structure];
        let voisine = {
            let ville = &self.structures_par_ville[structure.ville];
            let autre = self.structures[*a.choisir(ville)].id;
            (autre != structure.id).then_some(autre)
        };
        let (horaires, structures, teleconsultation) =
            horaires(&mut a, structure.id, voisine).map_err(|e| invalide(&ou, e))?;
        let duree = match (principale == Specialite::MEDECINE_GENERALE, a.sous(10)) {
            (true, 0..3) => 15,
            (true, 3..8) => 20,
            (true, _) => 30,
            (false, _) => profil.duree_minutes,
        };
        let types: &[TypeConsultation] = if teleconsultation {
            &TypeConsultation::TOUS
        } else {
            &[TypeConsultation::Presentiel]
        };
        let mut durees = Vec::new();
        let mut motifs = Vec::new();
        let mut honoraires = Vec::new();
        for (i, &specialite) in specialites.iter().enumerate() {
            let p = SPECIALITES
                .iter()
                .find(|p| p.code == specialite.code())
                .unwrap_or(profil);
            let minutes = if i == 0 { duree } else { p.duree_minutes };
            let secteur = match (p.docteur, p.code) {
                (false, "psychologie" | "dietetique") => Secteur::NonConventionne,
                (true, "medecine_generale") if a.chance(100) => Secteur::Secteur2,
                (true, c) if c != "medecine_generale" && a.chance(350) => Secteur::Secteur2,
                _ => Secteur::Secteur1,
            };
            let montant_centimes = match secteur {
                Secteur::Secteur2 => p.honoraire_centimes + 500 * (1 + a.sous(6) as u32),
                _ => p.honoraire_centimes,
            };
            for &type_consultation in types {
                if minutes != 30 {
                    durees.push(DureeConsultation {
                        specialite,
                        type_consultation,
                        duree_minutes: DureeMinutes::new(minutes).map_err(|e| invalide(&ou, e))?,
                    });
                }
                honoraires.push(Honoraire {
                    specialite,
                    type_consultation,
                    montant_centimes,
                    secteur,
                });
            }
            for (code, libelle) in p.motifs {
                motifs.push(Motif {
                    code: (*code).to_owned(),
                    libelle: (*libelle).to_owned(),
                    specialite,
                    duree_minutes: None,
                });
            }
        }
        let mut moyens_paiement = vec![MoyenPaiement::CarteVitale];
        for (moyen, pour_mille) in [
            (MoyenPaiement::CarteBancaire, 850),
            (MoyenPaiement::Cheque, 600),
            (MoyenPaiement::Especes, 500),
            (MoyenPaiement::Virement, 100),
        ] {
            if a.chance(pour_mille) {
                moyens_paiement.push(moyen);
            }
        }
        let reglages = match a.sous(10) {
            0..8 => ReglagesBruts::default(),
            8 => ReglagesBruts {
                delai_annulation_heures: 48,
                annulation_tardive: PolitiqueAnnulationTardive::Refusee,
                ..ReglagesBruts::default()
            },
            _ => ReglagesBruts {
                preavis_minutes: 120,
                horizon_jours: 180,
                ..ReglagesBruts::default()
            },
        };
        let reglages = Reglages::new(reglages).map_err(|e| invalide(&ou, e))?;
        let (prenom, nom) = (*a.choisir(PRENOMS), *a.choisir(NOMS));
        let titre = match (profil.docteur, a.chance(20)) {
            (false, _) => None,
            (true, true) if principale != Specialite::MEDECINE_GENERALE => Some("Pr".to_owned()),
            (true, _) => Some("Dr".to_owned()),
        };
        let email = Email::parse(&format!(
            "{}.{}.{}@praticien.example",
            locale(prenom),
            locale(nom),
            rang + 1
        ))
        .map_err(|e| invalide(&ou, e))?;
        let cree_le = self.cree_le(rang);
        let id = PraticienId(a.uuid(cree_le.timestamp_millis()));
        let praticien = Praticien {
            id,
            rpps: rpps(self.parametres.graine, rang).map_err(|e| invalide(&ou, e))?,
            nom: nom.to_owned(),
            prenom: prenom.to_owned(),
            titre,
            email: email.clone(),
            specialites,
            structures,
            honoraires,
            motifs,
            durees,
            moyens_paiement,
            nouveaux_patients: a.chance(750),
            horaires,
            reglages,
        };
        let compte = self.compte(&mut a, email, Role::Praticien(id), cree_le);
        let fuseau = self.fuseaux[structure.ville];
        let agenda = Agenda {
            specialites: praticien.specialites.clone(),
            lieux: praticien
                .structures
                .iter()
                .map(|&structure_id| Lieu { structure_id, fuseau })
                .collect(),
            horaires: praticien.horaires.clone(),
            durees: praticien.durees.clone(),
            motifs: praticien.motifs.clone(),
            reglages: praticien.reglages,
            indisponibilites: Vec::new(),
            occupes: Default::default(),
        };
        let cabinet = Cabinet {
            id,
            compte: compte.id,
            ville: structure.ville,
            fuseau,
            teleconsultation,
            honoraires: praticien.honoraires.clone(),
            agenda,
        };
        emettre(Element::Praticien(Box::new((compte, praticien))))?;
        self.resume.praticiens += 1;
        self.rdvs(rang, &cabinet, plan.rdvs, emettre)
    }

    /// `quota` rdvs of one praticien: days drawn among its working days, then distinct créneaux of
    /// each day, in order. A day too full (or a créneau no patient can take) passes its rdvs on to the
    /// next working day.
    fn rdvs(
        &mut self,
        rang: usize,
        c: &Cabinet,
        quota: usize,
        emettre: &mut dyn FnMut(Element) -> Result<(), ErreurEchelle>,
    ) -> Result<(), ErreurEchelle> {
        if quota == 0 || self.patients.is_empty() {
            return Ok(());
        }
        let mut a = self.alea(Flux::Rdvs, rang);
        let premiere = c.agenda.lieux.first().map(|l| l.structure_id);
        let mut semaine = [false; 7];
        for r in c.agenda.horaires.effectives(premiere).regles() {
            semaine[indice_jour(r.jour)] = true;
        }
        let ouvres: Vec<NaiveDate> = self
            .jours
            .iter()
            .filter(|j| semaine[j.semaine] && !j.ferie)
            .map(|j| j.date)
            .collect();
        if ouvres.is_empty() {
            return Ok(());
        }
        let mut tirages: Vec<usize> = (0..quota).map(|_| a.sous(ouvres.len())).collect();
        tirages.sort_unstable();
        let mut suivi = Suivi {
            a,
            patientele: Vec::new(),
            places: BTreeMap::new(),
        };
        let mut report = 0usize;
        let mut suivant = 0usize;
        let mut jour = tirages[0];
        // Past the last working day, what is left goes round from the first one, once at most.
        let mut jours_en_plus = 0usize;
        loop {
            let mut a_placer = report;
            while suivant < tirages.len() && tirages[suivant] == jour {
                a_placer += 1;
                suivant += 1;
            }
            if a_placer > 0 {
                let places = self.journee(c, ouvres[jour], a_placer, &mut suivi, emettre)?;
                report = a_placer - places;
            }
            jour = match (report, tirages.get(suivant)) {
                (0, Some(&prochain)) => prochain,
                (0, None) => break,
                (_, Some(_)) => jour + 1,
                (_, None) if jours_en_plus < ouvres.len() => {
                    jours_en_plus += 1;
                    (jour + 1) % ouvres.len()
                }
                (_, None) => break,
            };
        }
        Ok(())
    }

    /// Up to `nombre` rdvs on `date`: how many were placed.
    fn journee(
        &mut self,
        c: &Cabinet,
        date: NaiveDate,
        nombre: usize,
        suivi: &mut Suivi,
        emettre: &mut dyn FnMut(Element) -> Result<(), ErreurEchelle>,
    ) -> Result<usize, ErreurEchelle> {
        let a = &mut suivi.a;
        let ou = || format!("rdvs de {} le {date}", c.id);
        let fenetre = journee(c.fuseau, date).map_err(|e| invalide(ou(), e))?;
        let principale = c.agenda.specialites[0];
        let specialite = match c.agenda.specialites.get(1) {
            Some(&autre) if a.chance(200) => autre,
            _ => principale,
        };
        let type_consultation = if c.teleconsultation && a.chance(150) {
            TypeConsultation::Teleconsultation
        } else {
            TypeConsultation::Presentiel
        };
        // Every créneau of the day, as the cabinet sees it that morning.
        let grille = |specialite, type_consultation| {
            let recherche = Recherche {
                specialite: Some(specialite),
                type_consultation,
                motif: None,
                origine: Origine::HorsPlateforme,
            };
            creneaux_libres(&c.agenda, fenetre, &recherche, fenetre.debut()).map_err(|e| invalide(ou(), e))
        };
        let mut libres = grille(specialite, type_consultation)?;
        if libres.is_empty() && (specialite, type_consultation) != (principale, TypeConsultation::Presentiel)
        {
            libres = grille(principale, TypeConsultation::Presentiel)?;
        }
        // Past and to come, never in progress, within the two years, and free (a day seen again).
        libres.retain(|l| {
            ((l.fin <= self.now && l.debut >= self.debut) || (l.debut >= self.now && l.debut < self.fin))
                && !chevauche(&suivi.places, l)
        });
        // `nombre` distinct créneaux of the day, in order (a partial Fisher-Yates shuffle).
        let mut indices: Vec<usize> = (0..libres.len()).collect();
        let pris = nombre.min(indices.len());
        for i in 0..pris {
            let j = i + a.sous(indices.len() - i);
            indices.swap(i, j);
        }
        indices.truncate(pris);
        indices.sort_unstable();
        let mut places = 0;
        for i in indices {
            let libre = libres[i];
            let Some(patient) = self.patient_libre(c, &libre, suivi) else {
                continue;
            };
            suivi
                .places
                .insert(libre.debut.timestamp_millis(), libre.fin.timestamp_millis());
            let rdv = self.rdv(c, &libre, patient, &mut suivi.a);
            if rdv.statut == Statut::Prevu {
                self.resume.rdvs_a_venir += 1;
            } else {
                self.resume.rdvs_passes += 1;
            }
            emettre(Element::Rdv(Box::new(rdv)))?;
            places += 1;
        }
        Ok(places)
    }

    /// A patient free during `libre`: half the time one the praticien has seen, else one of its ville.
    /// The créneau is then theirs.
    fn patient_libre(&mut self, c: &Cabinet, libre: &CreneauLibre, suivi: &mut Suivi) -> Option<usize> {
        let (a, patientele) = (&mut suivi.a, &mut suivi.patientele);
        let (debut, fin) = (libre.debut.timestamp_millis(), libre.fin.timestamp_millis());
        let voisins = &self.patients_par_ville[c.ville];
        for _ in 0..ESSAIS_PATIENT_MAX {
            let candidat = if !patientele.is_empty() && a.chance(500) {
                *a.choisir(patientele)
            } else if !voisins.is_empty() {
                *a.choisir(voisins)
            } else {
                a.sous(self.patients.len())
            };
            let pris = &mut self.patients[candidat].pris;
            if pris.iter().all(|&(d, f)| f <= debut || fin <= d) {
                pris.push((debut, fin));
                if !patientele.contains(&candidat) {
                    if patientele.len() < PATIENTELE_SUIVIE_MAX {
                        patientele.push(candidat);
                    } else {
                        let remplace = a.sous(patientele.len());
                        patientele[remplace] = candidat;
                    }
                }
                return Some(candidat);
            }
        }
        None
    }

    /// The rdv on `libre` with `patient`: to come (`prevu`, booked before now) or past, with the
    /// history that led to its statut.
    fn rdv(&self, c: &Cabinet, libre: &CreneauLibre, patient: usize, a: &mut Alea) -> Rdv {
        let p = &self.patients[patient];
        let (debut, fin) = (libre.debut, libre.fin);
        let a_venir = debut >= self.now;
        let mut origine = if a.chance(700) {
            Origine::Plateforme
        } else {
            Origine::HorsPlateforme
        };
        // Online bookings respect the préavis; a rdv to come inside it was given by the cabinet.
        if a_venir && debut < self.now + c.agenda.reglages.preavis() {
            origine = Origine::HorsPlateforme;
        }
        let avance = Duration::minutes(240 + a.sous(30 * 24 * 60) as i64);
        let reserve_le = (debut - avance).min(self.now - Duration::minutes(1));
        let reserve_par = match origine {
            Origine::Plateforme => p.compte,
            Origine::HorsPlateforme => c.compte,
        };
        let evenement = |statut, action: &str, par, le| Evenement {
            statut,
            action: action.to_owned(),
            par,
            le,
        };
        let mut historique = vec![evenement(Statut::Prevu, "reserve", reserve_par, reserve_le)];
        let statut = if a_venir {
            Statut::Prevu
        } else {
            match a.sous(1000) {
                0..560 => Statut::Transmis,
                560..710 => Statut::Paye,
                710..770 => Statut::Honore,
                770..820 => Statut::NonHonore,
                820..950 => Statut::Annule,
                _ => Statut::AnnuleTardivement,
            }
        };
        let ferme = |le: DateTime<Utc>| le.min(self.now);
        match statut {
            Statut::Prevu => {}
            Statut::Honore | Statut::Paye | Statut::Transmis => {
                historique.push(evenement(Statut::Honore, "honore", c.compte, ferme(fin)));
            }
            Statut::NonHonore => {
                historique.push(evenement(Statut::NonHonore, "non_honore", c.compte, ferme(fin)));
            }
            Statut::Annule => {
                let le = reserve_le + (debut - reserve_le) / 3;
                historique.push(evenement(Statut::Annule, "annule", p.compte, le));
            }
            Statut::AnnuleTardivement => {
                historique.push(evenement(
                    Statut::AnnuleTardivement,
                    "annule",
                    p.compte,
                    debut - Duration::hours(3),
                ));
            }
        }
        let paye_le = ferme(fin + Duration::minutes(5));
        let paiement = matches!(statut, Statut::Paye | Statut::Transmis).then(|| {
            let montant_centimes = c
                .honoraires
                .iter()
                .find(|h| h.specialite == libre.specialite && h.type_consultation == libre.type_consultation)
                .map_or(3_000, |h| h.montant_centimes);
            let mode = match a.sous(10) {
                0..6 => ModePaiement::TiersPayant,
                6..9 => ModePaiement::Carte,
                _ => ModePaiement::Cheque,
            };
            Paiement {
                montant_centimes,
                mode,
                le: paye_le,
            }
        });
        if paiement.is_some() {
            historique.push(evenement(Statut::Paye, "paye", c.compte, paye_le));
        }
        let transmission = (statut == Statut::Transmis).then(|| Transmission {
            le: ferme(fin + Duration::days(1)).max(paye_le),
            organisme: Some("CPAM".to_owned()),
        });
        if let Some(t) = &transmission {
            historique.push(evenement(Statut::Transmis, "transmis", c.compte, t.le));
        }
        let motifs: Vec<&Motif> = c
            .agenda
            .motifs
            .iter()
            .filter(|m| m.specialite == libre.specialite)
            .collect();
        let motif = (!motifs.is_empty() && a.chance(600)).then(|| a.choisir(&motifs).code.clone());
        Rdv {
            id: RdvId(a.uuid(reserve_le.timestamp_millis())),
            praticien_id: c.id,
            patient_id: p.id,
            specialite: libre.specialite,
            type_consultation: libre.type_consultation,
            motif,
            creneau: libre.creneau(),
            structure_id: libre.structure_id,
            statut,
            origine,
            historique,
            paiement,
            transmission,
        }
    }
}

/// What a praticien's generator keeps while it places its rdvs.
#[derive(Debug)]
struct Suivi {
    a: Alea,
    /// Patients seen lately, some of whom come back.
    patientele: Vec<usize>,
    /// Créneaux given, `debut → fin` in Unix ms.
    places: BTreeMap<i64, i64>,
}

/// Whether `libre` overlaps a créneau of `places` (which never overlap each other, so only the last
/// one starting before `libre` ends can).
fn chevauche(places: &BTreeMap<i64, i64>, libre: &CreneauLibre) -> bool {
    places
        .range(..libre.fin.timestamp_millis())
        .next_back()
        .is_some_and(|(_, &fin)| fin > libre.debut.timestamp_millis())
}

/// What the rdvs of one praticien need of it.
#[derive(Debug)]
struct Cabinet {
    id: PraticienId,
    compte: CompteId,
    ville: usize,
    fuseau: Fuseau,
    teleconsultation: bool,
    honoraires: Vec<Honoraire>,
    agenda: Agenda,
}

fn indice_jour(jour: Jour) -> usize {
    match jour {
        Jour::Lundi => 0,
        Jour::Mardi => 1,
        Jour::Mercredi => 2,
        Jour::Jeudi => 3,
        Jour::Vendredi => 4,
        Jour::Samedi => 5,
        Jour::Dimanche => 6,
    }
}

/// A praticien's week: the default one for most, split days, part time, two structures or late hours
/// for the others. Returns the horaires, the structures (first: the main one) and whether
/// téléconsultation is offered.
fn horaires(
    a: &mut Alea,
    principale: StructureId,
    voisine: Option<StructureId>,
) -> Result<(Horaires, Vec<StructureId>, bool), domain::horaires::HorairesInvalides> {
    use Jour::{Jeudi, Lundi, Mardi, Mercredi, Samedi, Vendredi};
    use TypeConsultation::{Presentiel, Teleconsultation};
    let heure = |(h, m): (u32, u32)| {
        Heure::hm(h, m).ok_or_else(|| domain::horaires::HorairesInvalides::Heure(format!("{h:02}:{m:02}")))
    };
    let regle = |jour, debut, fin, structure_id, types: &[TypeConsultation]| {
        Ok::<_, domain::horaires::HorairesInvalides>(RegleHoraire {
            jour,
            debut: heure(debut)?,
            fin: heure(fin)?,
            structure_id,
            types: types.to_vec(),
            specialites: None,
            valable_du: None,
            valable_au: None,
        })
    };
    let s = principale;
    let (regles, structures, teleconsultation) = match (a.sous(100), voisine) {
        (0..60, _) => (Vec::new(), vec![s], false),
        (60..75, _) => {
            let mut r = Vec::new();
            for jour in [Lundi, Mardi, Mercredi, Jeudi, Vendredi] {
                r.push(regle(jour, (8, 30), (12, 30), s, &[Presentiel])?);
            }
            for jour in [Lundi, Mardi, Jeudi, Vendredi] {
                r.push(regle(jour, (14, 0), (19, 0), s, &[Presentiel])?);
            }
            r.push(regle(
                Mercredi,
                (14, 0),
                (18, 0),
                s,
                &[Presentiel, Teleconsultation],
            )?);
            r.push(regle(Samedi, (9, 0), (12, 0), s, &[Presentiel])?);
            (r, vec![s], true)
        }
        (75..85, _) => {
            let mut r = Vec::new();
            for jour in [Lundi, Mardi, Jeudi] {
                r.push(regle(jour, (9, 0), (17, 30), s, &[Presentiel])?);
            }
            r.push(regle(Vendredi, (9, 0), (12, 0), s, &[Teleconsultation])?);
            (r, vec![s], true)
        }
        (85..95, Some(v)) => {
            let mut r = Vec::new();
            for jour in [Lundi, Mercredi, Vendredi] {
                r.push(regle(jour, (8, 0), (13, 0), s, &[Presentiel])?);
            }
            for jour in [Mardi, Jeudi] {
                r.push(regle(jour, (13, 0), (19, 30), v, &[Presentiel])?);
            }
            r.push(regle(Samedi, (9, 0), (12, 0), s, &[Presentiel])?);
            (r, vec![s, v], false)
        }
        (85..95, None) => (Vec::new(), vec![s], false),
        _ => {
            let r = [Lundi, Mardi, Mercredi, Jeudi, Vendredi]
                .into_iter()
                .map(|jour| regle(jour, (11, 0), (20, 0), s, &[Presentiel]))
                .collect::<Result<_, _>>()?;
            (r, vec![s], false)
        }
    };
    Ok((Horaires::new(regles)?, structures, teleconsultation))
}

/// A phone number with this national prefix (`01`…, `06`, `0262`…), ten digits in all. The digit
/// after a two-digit prefix is never 3, 6 or 9, so that no metropolitan number looks like an
/// overseas one (`0590…`, `0262…`, `0639…`).
fn telephone(
    a: &mut Alea,
    prefixe: &str,
) -> Result<Telephone, domain::identifiants::telephone::TelephoneInvalide> {
    let mut numero = prefixe.to_owned();
    if numero.len() == 2 {
        numero.push(*a.choisir(&['1', '2', '4', '5', '7', '8']));
    }
    while numero.len() < 10 {
        numero.push(char::from(b'0' + a.sous(10) as u8));
    }
    Telephone::parse(&numero)
}

/// A NIR of someone born on `naissance` in `departement` (overseas: `97` and the commune from the
/// code postal), with its key (Corsica counted as 19 and 18).
fn nir(
    a: &mut Alea,
    naissance: NaiveDate,
    departement: &str,
    code_postal: u32,
) -> Result<Nir, domain::identifiants::nir::NirInvalide> {
    let sexe = 1 + a.sous(2);
    let commune = if departement == "97" {
        format!("{}{:02}", code_postal / 100 % 10, 1 + a.sous(24))
    } else {
        format!("{:03}", 1 + a.sous(400))
    };
    let corps = format!(
        "{sexe}{:02}{:02}{departement}{commune}{:03}",
        naissance.year().rem_euclid(100),
        naissance.month(),
        1 + a.sous(999)
    );
    let chiffres = corps.replace("2A", "19").replace("2B", "18");
    let nombre: u64 = chiffres.parse().unwrap_or(0);
    Nir::parse(&format!("{corps}{:02}", 97 - nombre % 97))
}

/// The RPPS of praticien `rang`: `10`, eight digits unique per rank (an affine bijection of
/// `0..10⁸`, shifted by the seed), and the Luhn key.
fn rpps(graine: u64, rang: usize) -> Result<Rpps, domain::identifiants::rpps::RppsInvalide> {
    const MODULE: u64 = 100_000_000;
    let numero = (rang as u64 % MODULE * 48_271 + graine % MODULE) % MODULE;
    let prefixe = format!("10{numero:08}");
    let somme: u32 = prefixe
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (i % 2 == 0, d * 2) {
                (true, double) if double > 9 => double - 9,
                (true, double) => double,
                (false, _) => d,
            }
        })
        .sum();
    Rpps::parse(&format!("{prefixe}{}", (10 - somme % 10) % 10))
}

/// A name as the local part of an email: folded to ASCII lower case, other characters as `-`.
fn locale(nom: &str) -> String {
    replier(nom)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}
