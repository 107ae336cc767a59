//! A model-based test of booking (issue 10, part 7): random sequences of bookings, moves,
//! cancellations, periods off added and removed, horaires changed and time passing, run on a real
//! [`RedbStore`] through [`Stockage`] and on [`Modele`], a deliberately plain reading of DOMAIN.md's
//! rules (lists scanned from end to end, no index, nothing from `domain::disponibilite`,
//! `domain::reservation` or `domain::annulation`). After every operation: the same verdict (accepted, or
//! refused with a code the model allows), the same rdvs (statut, créneau, type, history), the same
//! periods off, and the same free créneaux over the window, as the store's read path
//! ([`Stockage::agenda`] then `creneaux_libres`) computes them and as the model lists them.
//!
//! Where several rules fail at once, DOMAIN.md gives no precedence: the model answers the set of codes
//! of every failed rule, and the store's code must be one of them.
//!
//! The generator is narrowed to what a plain model can mirror:
//! - one structure in `UTC`: wall-clock times are instants, no DST (DST has its own tests in `domain`);
//! - one spécialité, no motif; the slot length is per type only (présentiel 30 min, téléconsultation
//!   20 min, set in the praticien's `durees`);
//! - no waiting list (no entry, so no hold), and no statut change but the cancellations;
//! - réglages fixed for a sequence (drawn per praticien); patient 0 alone is in praticien 0's
//!   patientèle, so "known" is "in the patientèle" (the store also counts any earlier rdv with the
//!   praticien, which a fixed policy cannot tell apart).
//!
//! Two rules come from the domain's own docs rather than DOMAIN.md, and the model states them: a patient
//! cannot cancel or move a rdv that has started (`rdv_commence`), and a hors-plateforme booking may
//! take any créneau from the start of today (UTC here), whatever the préavis.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use domain::annulation::Auteur;
use domain::consultation::{Origine, TypeConsultation};
use domain::disponibilite::{DureeConsultation, Recherche, creneaux_libres};
use domain::horaires::{Heure, Horaires, Jour, RegleHoraire};
use domain::ids::{PatientId, PraticienId, RdvId};
use domain::reglages::{PolitiqueAnnulationTardive, Reglages, ReglagesBruts};
use domain::reservation::Reservation;
use domain::specialite::Specialite;
use domain::statut::Statut;
use domain::temps::{Creneau, DureeMinutes, Fuseau};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use tempfile::TempDir;
use uuid::Uuid;

use super::fixtures::{code, compte, patient, praticien, structure};
use crate::modele::{CompteId, Role};
use crate::store::redb::RedbStore;
use crate::store::{NouvelleReservation, Reserve, Stockage, StoreError};

/// Operations in one sequence.
const OPERATIONS: std::ops::Range<usize> = 20..41;
/// Praticiens and patients of the world.
const PRATICIENS: usize = 2;
const PATIENTS: usize = 2;
/// Days of the grid, from [`premier_jour`]: a Sunday to the next Sunday.
const JOURS: i64 = 8;

/// Sunday 6 December 2026, far from any DST change (UTC has none anyway).
fn premier_jour() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
}

/// "Now" at the start of a sequence: Monday 7 December 2026, 10:00 UTC.
fn now_initial() -> DateTime<Utc> {
    premier_jour()
        .succ_opt()
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_utc()
}

/// The latest "now" a sequence reaches: time passing beyond it would leave nothing to book.
fn now_max() -> DateTime<Utc> {
    now_initial() + Duration::days(3)
}

/// The window every comparison covers: the whole grid.
fn fenetre() -> Creneau {
    let debut = premier_jour().and_time(NaiveTime::MIN).and_utc();
    Creneau::new(debut, debut + Duration::days(JOURS)).unwrap()
}

fn instant(jour: i64, minute: i64) -> DateTime<Utc> {
    fenetre().debut() + Duration::days(jour) + Duration::minutes(minute)
}

// ------------------------------------------------------------------------------------------------
// The model: DOMAIN.md, read plainly.

/// A slot's length: per type (the praticiens' `durees` say so), no motif.
fn duree(type_consultation: TypeConsultation) -> Duration {
    match type_consultation {
        TypeConsultation::Presentiel => Duration::minutes(30),
        TypeConsultation::Teleconsultation => Duration::minutes(20),
    }
}

/// A weekly rule, in UTC wall-clock time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Regle {
    jour: Weekday,
    debut: NaiveTime,
    fin: NaiveTime,
    types: Vec<TypeConsultation>,
    du: Option<NaiveDate>,
    au: Option<NaiveDate>,
}

impl Regle {
    fn en_vigueur(&self, date: NaiveDate) -> bool {
        date.weekday() == self.jour
            && self.du.is_none_or(|du| du <= date)
            && self.au.is_none_or(|au| date <= au)
    }

    /// The starts of its slots of that type on that date: from its start, one after the other, each
    /// ending by its end.
    fn debuts(&self, date: NaiveDate, type_consultation: TypeConsultation) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        if !self.en_vigueur(date) || !self.types.contains(&type_consultation) {
            return out;
        }
        let fin = date.and_time(self.fin).and_utc();
        let mut t = date.and_time(self.debut).and_utc();
        while t + duree(type_consultation) <= fin {
            out.push(t);
            t += duree(type_consultation);
        }
        out
    }

    /// Whether the praticien works at `t` under this rule (in any type).
    fn couvre(&self, t: DateTime<Utc>) -> bool {
        let date = t.date_naive();
        self.en_vigueur(date)
            && date.and_time(self.debut).and_utc() <= t
            && t < date.and_time(self.fin).and_utc()
    }

    fn en_domaine(&self, structure: domain::ids::StructureId) -> RegleHoraire {
        let hm = |t: NaiveTime| Heure::parse(&t.format("%H:%M").to_string()).unwrap();
        RegleHoraire {
            jour: Jour::from(self.jour),
            debut: hm(self.debut),
            fin: hm(self.fin),
            structure_id: structure,
            types: self.types.clone(),
            specialites: None,
            valable_du: self.du,
            valable_au: self.au,
        }
    }
}

/// DOMAIN.md's default week: Monday to Friday, 08:00 to 19:00, présentiel.
fn semaine_par_defaut() -> Vec<Regle> {
    [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
    .into_iter()
    .map(|jour| Regle {
        jour,
        debut: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        fin: NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
        types: vec![TypeConsultation::Presentiel],
        du: None,
        au: None,
    })
    .collect()
}

/// A praticien's policy, as drawn for a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Politique {
    connus_uniquement: bool,
    delai_annulation_h: i64,
    tardive_refusee: bool,
    preavis_min: i64,
    horizon_jours: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RdvModele {
    praticien: usize,
    patient: usize,
    debut: DateTime<Utc>,
    type_consultation: TypeConsultation,
    origine: Origine,
    statut: Statut,
    historique: Vec<&'static str>,
}

impl RdvModele {
    fn fin(&self) -> DateTime<Utc> {
        self.debut + duree(self.type_consultation)
    }

    /// Every statut holds its créneau but the cancellations.
    fn vivant(&self) -> bool {
        !matches!(self.statut, Statut::Annule | Statut::AnnuleTardivement)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct IndispoModele {
    praticien: usize,
    debut: DateTime<Utc>,
    fin: DateTime<Utc>,
    retiree: bool,
}

fn chevauche(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// What a refusal may be: the code of every rule that failed.
type Refus = Vec<&'static str>;

#[derive(Debug, Clone)]
struct Modele {
    now: DateTime<Utc>,
    /// Per praticien; empty = the default week.
    horaires: Vec<Vec<Regle>>,
    politiques: Vec<Politique>,
    /// (praticien, patient) pairs of the patientèle.
    patientele: Vec<(usize, usize)>,
    rdvs: Vec<RdvModele>,
    indispos: Vec<IndispoModele>,
}

impl Modele {
    fn regles(&self, praticien: usize) -> Vec<Regle> {
        if self.horaires[praticien].is_empty() {
            semaine_par_defaut()
        } else {
            self.horaires[praticien].clone()
        }
    }

    /// Every slot of the rules over the grid, busy or not, in or out of the delays.
    fn slots(&self, praticien: usize, type_consultation: TypeConsultation) -> Vec<DateTime<Utc>> {
        let mut out: Vec<_> = (0..JOURS)
            .flat_map(|j| {
                let date = premier_jour() + Duration::days(j);
                self.regles(praticien)
                    .into_iter()
                    .flat_map(move |r| r.debuts(date, type_consultation))
            })
            .collect();
        out.sort();
        out
    }

    /// Why `debut` of this type cannot be booked (empty: it can), for the patient, ignoring the rdv
    /// `sauf` (the one being moved).
    fn refus_reservation(
        &self,
        praticien: usize,
        patient: usize,
        debut: DateTime<Utc>,
        type_consultation: TypeConsultation,
        origine: Origine,
        sauf: Option<usize>,
    ) -> Refus {
        let mut refus = Vec::new();
        let politique = self.politiques[praticien];
        let regles = self.regles(praticien);
        // 1. exactly a slot of the horaires, in that type; else say whether another type is offered then.
        if !regles
            .iter()
            .any(|r| r.debuts(debut.date_naive(), type_consultation).contains(&debut))
        {
            if regles
                .iter()
                .any(|r| r.couvre(debut) && !r.types.contains(&type_consultation))
            {
                refus.push("type_non_propose");
            } else {
                refus.push("creneau_indisponible");
            }
        }
        let creneau = (debut, debut + duree(type_consultation));
        // 1. free: no period off, no other rdv of the praticien holding it.
        if self
            .indispos
            .iter()
            .any(|i| !i.retiree && i.praticien == praticien && chevauche((i.debut, i.fin), creneau))
        {
            refus.push("creneau_indisponible");
        }
        let autres = || {
            self.rdvs
                .iter()
                .enumerate()
                .filter(move |(i, r)| Some(*i) != sauf && r.vivant())
                .map(|(_, r)| r)
        };
        if autres().any(|r| r.praticien == praticien && chevauche((r.debut, r.fin()), creneau)) {
            refus.push("creneau_indisponible");
        }
        // 3. the patient is free, with any praticien.
        if autres().any(|r| r.patient == patient && chevauche((r.debut, r.fin()), creneau)) {
            refus.push("patient_deja_pris");
        }
        // 4. the patientèle.
        if politique.connus_uniquement && !self.patientele.contains(&(praticien, patient)) {
            refus.push("patient_inconnu");
        }
        // 5. after now + préavis (hors plateforme: from the start of today), before the horizon.
        let au_plus_tot = match origine {
            Origine::Plateforme => self.now + Duration::minutes(politique.preavis_min),
            Origine::HorsPlateforme => self.now.date_naive().and_time(NaiveTime::MIN).and_utc(),
        };
        if debut < au_plus_tot || debut >= self.now + Duration::days(politique.horizon_jours) {
            refus.push("hors_delai");
        }
        refus
    }

    /// What cancelling rdv `i` by `auteur` leads to, or why it cannot be.
    fn annulation(&self, i: usize, auteur: Auteur) -> Result<Statut, Refus> {
        let rdv = &self.rdvs[i];
        let politique = self.politiques[rdv.praticien];
        let mut refus = Vec::new();
        if rdv.statut != Statut::Prevu {
            refus.push("transition_invalide");
        }
        let vers = match auteur {
            Auteur::Praticien | Auteur::Personnel => Statut::Annule,
            Auteur::Patient if self.now >= rdv.debut => {
                refus.push("rdv_commence");
                Statut::Annule
            }
            Auteur::Patient if rdv.debut - self.now >= Duration::hours(politique.delai_annulation_h) => {
                Statut::Annule
            }
            Auteur::Patient if politique.tardive_refusee => {
                refus.push("annulation_tardive_refusee");
                Statut::AnnuleTardivement
            }
            Auteur::Patient => Statut::AnnuleTardivement,
        };
        if refus.is_empty() { Ok(vers) } else { Err(refus) }
    }

    fn reserver(
        &mut self,
        praticien: usize,
        patient: usize,
        debut: DateTime<Utc>,
        type_consultation: TypeConsultation,
        origine: Origine,
    ) -> Result<usize, Refus> {
        let refus = self.refus_reservation(praticien, patient, debut, type_consultation, origine, None);
        if !refus.is_empty() {
            return Err(refus);
        }
        self.rdvs.push(RdvModele {
            praticien,
            patient,
            debut,
            type_consultation,
            origine,
            statut: Statut::Prevu,
            historique: vec!["reserve"],
        });
        Ok(self.rdvs.len() - 1)
    }

    fn deplacer(
        &mut self,
        i: usize,
        debut: DateTime<Utc>,
        type_consultation: TypeConsultation,
        origine: Origine,
        auteur: Auteur,
    ) -> Result<(), Refus> {
        let (praticien, patient) = (self.rdvs[i].praticien, self.rdvs[i].patient);
        let ancien = self.annulation(i, auteur);
        let mut refus = ancien.clone().err().unwrap_or_default();
        refus.extend(self.refus_reservation(praticien, patient, debut, type_consultation, origine, Some(i)));
        if !refus.is_empty() {
            return Err(refus);
        }
        let rdv = &mut self.rdvs[i];
        rdv.debut = debut;
        rdv.type_consultation = type_consultation;
        rdv.historique.push(if ancien == Ok(Statut::AnnuleTardivement) {
            "deplace_tardivement"
        } else {
            "deplace"
        });
        Ok(())
    }

    fn annuler(&mut self, i: usize, auteur: Auteur) -> Result<(), Refus> {
        let vers = self.annulation(i, auteur)?;
        self.rdvs[i].statut = vers;
        self.rdvs[i].historique.push(vers.as_str());
        Ok(())
    }

    /// Free = slots − periods off − live rdvs − before now + préavis − from now + horizon on.
    fn libres(
        &self,
        praticien: usize,
        type_consultation: TypeConsultation,
        origine: Origine,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        self.slots(praticien, type_consultation)
            .into_iter()
            .filter(|&debut| {
                // Any patient not in the way: only the praticien's side of the rules.
                let refus =
                    self.refus_reservation(praticien, usize::MAX, debut, type_consultation, origine, None);
                refus
                    .iter()
                    .all(|c| matches!(*c, "patient_deja_pris" | "patient_inconnu"))
            })
            .map(|d| (d, d + duree(type_consultation)))
            .collect()
    }
}

// ------------------------------------------------------------------------------------------------
// Operations and their generator.

/// Where a booking or move asks to start.
#[derive(Debug, Clone, Copy)]
enum Debut {
    /// The n-th slot (modulo their count) of the rules in the type asked, busy or not: mostly valid.
    Slot(usize),
    /// Any 10-minute step of the grid, 07:00 to 20:00: mostly not a créneau.
    Grille { jour: i64, minute: i64 },
}

#[derive(Debug, Clone)]
enum Op {
    Reserver {
        praticien: usize,
        patient: usize,
        debut: Debut,
        type_consultation: TypeConsultation,
        origine: Origine,
    },
    /// The n-th rdv (modulo their count; cancelled ones included), or an unknown one if none.
    Deplacer {
        rdv: usize,
        debut: Debut,
        type_consultation: TypeConsultation,
        origine: Origine,
        auteur: Auteur,
    },
    Annuler {
        rdv: usize,
        auteur: Auteur,
    },
    AjouterIndispo {
        praticien: usize,
        jour: i64,
        minute: i64,
        duree_min: i64,
    },
    /// The n-th period off ever added (modulo; removed or another praticien's ones included), or an
    /// unknown id if none.
    RetirerIndispo {
        praticien: usize,
        indispo: usize,
    },
    Horaires {
        praticien: usize,
        regles: Vec<Regle>,
    },
    Avancer {
        minutes: i64,
    },
}

fn un_type() -> impl Strategy<Value = TypeConsultation> {
    prop_oneof![
        3 => Just(TypeConsultation::Presentiel),
        1 => Just(TypeConsultation::Teleconsultation),
    ]
}

fn une_origine() -> impl Strategy<Value = Origine> {
    prop_oneof![4 => Just(Origine::Plateforme), 1 => Just(Origine::HorsPlateforme)]
}

fn un_auteur() -> impl Strategy<Value = Auteur> {
    prop_oneof![2 => Just(Auteur::Patient), 1 => Just(Auteur::Praticien)]
}

fn un_debut() -> impl Strategy<Value = Debut> {
    prop_oneof![
        3 => any::<usize>().prop_map(Debut::Slot),
        1 => (0..JOURS, 42..=120i64).prop_map(|(jour, pas)| Debut::Grille { jour, minute: pas * 10 }),
    ]
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// A set of rules that never overlap: per day, an optional morning and an optional afternoon, whose
/// lengths are not always a multiple of the slot; sometimes a validity period inside the grid.
fn des_regles() -> impl Strategy<Value = Vec<Regle>> {
    let types = prop_oneof![
        Just(vec![TypeConsultation::Presentiel]),
        Just(vec![TypeConsultation::Teleconsultation]),
        Just(vec![
            TypeConsultation::Presentiel,
            TypeConsultation::Teleconsultation
        ]),
    ];
    let periode = prop_oneof![
        3 => Just((None, None)),
        1 => (0..JOURS, 0..JOURS).prop_map(|(a, b)| {
            let (du, au) = (a.min(b), a.max(b));
            (Some(premier_jour() + Duration::days(du)), Some(premier_jour() + Duration::days(au)))
        }),
        1 => (0..JOURS).prop_map(|a| (Some(premier_jour() + Duration::days(a)), None)),
    ];
    let matin = (
        prop::sample::select(vec![hm(8, 0), hm(8, 30), hm(9, 15)]),
        prop::sample::select(vec![hm(10, 0), hm(11, 0), hm(12, 10)]),
        types.clone(),
        periode.clone(),
    );
    let apres_midi = (
        prop::sample::select(vec![hm(13, 0), hm(14, 20)]),
        prop::sample::select(vec![hm(15, 0), hm(17, 30)]),
        types,
        periode,
    );
    let jour = (
        prop::option::weighted(0.6, matin),
        prop::option::weighted(0.5, apres_midi),
    );
    proptest::collection::vec(jour, 7).prop_map(|jours| {
        let semaine = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ];
        let mut regles = Vec::new();
        for (jour, (matin, apres_midi)) in semaine.into_iter().zip(jours) {
            for (debut, fin, types, (du, au)) in [matin, apres_midi].into_iter().flatten() {
                regles.push(Regle {
                    jour,
                    debut,
                    fin,
                    types,
                    du,
                    au,
                });
            }
        }
        regles
    })
}

/// The horaires: the default week (empty) or drawn rules.
fn des_horaires() -> impl Strategy<Value = Vec<Regle>> {
    prop_oneof![1 => Just(Vec::new()), 3 => des_regles()]
}

fn une_politique() -> impl Strategy<Value = Politique> {
    (
        prop::bool::weighted(0.25),
        prop::sample::select(vec![0i64, 2, 24]),
        any::<bool>(),
        prop::sample::select(vec![0i64, 45, 60, 24 * 60]),
        prop::sample::select(vec![1i64, 3, 90]),
    )
        .prop_map(
            |(connus_uniquement, delai_annulation_h, tardive_refusee, preavis_min, horizon_jours)| {
                Politique {
                    connus_uniquement,
                    delai_annulation_h,
                    tardive_refusee,
                    preavis_min,
                    horizon_jours,
                }
            },
        )
}

fn une_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0..PRATICIENS, 0..PATIENTS, un_debut(), un_type(), une_origine()).prop_map(
            |(praticien, patient, debut, type_consultation, origine)| Op::Reserver {
                praticien,
                patient,
                debut,
                type_consultation,
                origine,
            }
        ),
        3 => (any::<usize>(), un_debut(), un_type(), une_origine(), un_auteur()).prop_map(
            |(rdv, debut, type_consultation, origine, auteur)| Op::Deplacer {
                rdv,
                debut,
                type_consultation,
                origine,
                auteur,
            }
        ),
        3 => (any::<usize>(), un_auteur()).prop_map(|(rdv, auteur)| Op::Annuler { rdv, auteur }),
        2 => (
            0..PRATICIENS,
            0..JOURS,
            14..=39i64,
            prop::sample::select(vec![30i64, 45, 120, 300, 24 * 60, 2 * 24 * 60]),
        )
            .prop_map(|(praticien, jour, pas, duree_min)| Op::AjouterIndispo {
                praticien,
                jour,
                minute: pas * 30,
                duree_min,
            }),
        1 => (0..PRATICIENS, any::<usize>())
            .prop_map(|(praticien, indispo)| Op::RetirerIndispo { praticien, indispo }),
        1 => (0..PRATICIENS, des_horaires()).prop_map(|(praticien, regles)| Op::Horaires { praticien, regles }),
        1 => prop::sample::select(vec![15i64, 30, 60, 180, 24 * 60]).prop_map(|minutes| Op::Avancer { minutes }),
    ]
}

#[derive(Debug, Clone)]
struct Scenario {
    horaires: Vec<Vec<Regle>>,
    politiques: Vec<Politique>,
    ops: Vec<Op>,
}

fn un_scenario() -> impl Strategy<Value = Scenario> {
    (
        proptest::collection::vec(des_horaires(), PRATICIENS),
        proptest::collection::vec(une_politique(), PRATICIENS),
        proptest::collection::vec(une_op(), OPERATIONS),
    )
        .prop_map(|(horaires, politiques, ops)| Scenario {
            horaires,
            politiques,
            ops,
        })
}

// ------------------------------------------------------------------------------------------------
// The real store, and both run side by side.

struct Monde {
    _dossier: TempDir,
    store: RedbStore,
    structure: domain::ids::StructureId,
    praticiens: Vec<PraticienId>,
    comptes_praticiens: Vec<CompteId>,
    patients: Vec<PatientId>,
    comptes_patients: Vec<CompteId>,
    /// The store's ids of the model's rdvs and periods off, by index.
    rdvs: Vec<RdvId>,
    indispos: Vec<Uuid>,
}

fn horaires_domaine(regles: &[Regle], structure: domain::ids::StructureId) -> Horaires {
    Horaires::new(regles.iter().map(|r| r.en_domaine(structure)).collect()).unwrap()
}

impl Monde {
    fn new(scenario: &Scenario) -> Monde {
        // A commit is an fsync: in memory where Linux offers it, the sequences run twice as fast.
        let dossier = tempfile::tempdir_in("/dev/shm")
            .or_else(|_| tempfile::tempdir())
            .unwrap();
        let store = RedbStore::open(dossier.path()).unwrap();
        let mut lieu = structure("Centre de santé du méridien", "Greenwich");
        lieu.fuseau = Fuseau::parse("UTC").unwrap();
        store.creer_structure(&lieu).unwrap();
        let mut praticiens = Vec::new();
        let mut comptes_praticiens = Vec::new();
        for (n, (regles, politique)) in scenario.horaires.iter().zip(&scenario.politiques).enumerate() {
            let mut p = praticien("Martin", "Claire", 100 + n as u64, lieu.id);
            p.horaires = horaires_domaine(regles, lieu.id);
            p.durees = vec![DureeConsultation {
                specialite: Specialite::MEDECINE_GENERALE,
                type_consultation: TypeConsultation::Teleconsultation,
                duree_minutes: DureeMinutes::new(20).unwrap(),
            }];
            p.reglages = Reglages::new(ReglagesBruts {
                patients_connus_uniquement: politique.connus_uniquement,
                delai_annulation_heures: politique.delai_annulation_h as u16,
                annulation_tardive: if politique.tardive_refusee {
                    PolitiqueAnnulationTardive::Refusee
                } else {
                    PolitiqueAnnulationTardive::Signalee
                },
                preavis_minutes: politique.preavis_min as u32,
                horizon_jours: politique.horizon_jours as u16,
                ..ReglagesBruts::default()
            })
            .unwrap();
            let c = compte(&format!("praticien{n}@modele.fr"), Role::Praticien(p.id));
            store.creer_praticien(&c, &p).unwrap();
            praticiens.push(p.id);
            comptes_praticiens.push(c.id);
        }
        let mut patients = Vec::new();
        let mut comptes_patients = Vec::new();
        for n in 0..PATIENTS {
            let p = patient(&format!("Patient{n}"));
            let c = compte(p.email.as_str(), Role::Patient(p.id));
            store.creer_patient(&c, &p).unwrap();
            patients.push(p.id);
            comptes_patients.push(c.id);
        }
        store
            .ajouter_a_la_patientele(praticiens[0], patients[0], now_initial())
            .unwrap();
        Monde {
            _dossier: dossier,
            store,
            structure: lieu.id,
            praticiens,
            comptes_praticiens,
            patients,
            comptes_patients,
            rdvs: Vec::new(),
            indispos: Vec::new(),
        }
    }

    fn par(&self, auteur: Auteur, praticien: usize, patient: usize) -> CompteId {
        match auteur {
            Auteur::Patient => self.comptes_patients[patient],
            Auteur::Praticien | Auteur::Personnel => self.comptes_praticiens[praticien],
        }
    }
}

fn demande(debut: DateTime<Utc>, type_consultation: TypeConsultation, origine: Origine) -> Reservation {
    Reservation {
        specialite: Specialite::MEDECINE_GENERALE,
        type_consultation,
        debut,
        motif: None,
        origine,
    }
}

/// The same verdict: both accept, or both refuse and the store's code is one the model allows.
fn meme_verdict<T, U: std::fmt::Debug>(
    op: &Op,
    store: &Result<T, StoreError>,
    modele: &Result<U, Refus>,
) -> Result<(), TestCaseError> {
    match (store, modele) {
        (Ok(_), Ok(_)) => Ok(()),
        (Err(e), Err(codes)) if codes.contains(&code(e).as_str()) => Ok(()),
        (Err(e), _) => Err(TestCaseError::fail(format!(
            "{op:?}: the store refused ({}, {e}), the model says {modele:?}",
            code(e)
        ))),
        (Ok(_), Err(codes)) => Err(TestCaseError::fail(format!(
            "{op:?}: the store accepted, the model refuses with {codes:?}"
        ))),
    }
}

fn resoudre(
    modele: &Modele,
    debut: Debut,
    praticien: usize,
    type_consultation: TypeConsultation,
) -> DateTime<Utc> {
    match debut {
        Debut::Slot(n) => {
            let slots = modele.slots(praticien, type_consultation);
            if slots.is_empty() {
                instant(n as i64 % JOURS, 9 * 60)
            } else {
                slots[n % slots.len()]
            }
        }
        Debut::Grille { jour, minute } => instant(jour, minute),
    }
}

/// Runs one operation on both sides and compares the verdicts.
fn appliquer(monde: &mut Monde, modele: &mut Modele, op: &Op) -> Result<(), TestCaseError> {
    let now = modele.now;
    match *op {
        Op::Reserver {
            praticien,
            patient,
            debut,
            type_consultation,
            origine,
        } => {
            let debut = resoudre(modele, debut, praticien, type_consultation);
            let id = RdvId(Uuid::now_v7());
            let store = monde.store.reserver(
                &NouvelleReservation {
                    rdv_id: id,
                    praticien_id: monde.praticiens[praticien],
                    patient_id: monde.patients[patient],
                    reservation: demande(debut, type_consultation, origine),
                    par: monde.comptes_patients[patient],
                    idempotence: None,
                },
                now,
            );
            let attendu = modele.reserver(praticien, patient, debut, type_consultation, origine);
            meme_verdict(op, &store, &attendu)?;
            match store {
                Ok(Reserve::Nouveau(_)) => monde.rdvs.push(id),
                Ok(Reserve::Rejoue(_)) => return Err(TestCaseError::fail(format!("{op:?}: replayed"))),
                Err(_) => {}
            }
        }
        Op::Deplacer {
            rdv,
            debut,
            type_consultation,
            origine,
            auteur,
        } => {
            if modele.rdvs.is_empty() {
                let store = monde.store.deplacer(
                    RdvId(Uuid::now_v7()),
                    &demande(instant(1, 9 * 60), type_consultation, origine),
                    auteur,
                    monde.comptes_patients[0],
                    now,
                );
                meme_verdict(op, &store, &Err::<(), _>(vec!["introuvable:rdv"]))?;
                return Ok(());
            }
            let i = rdv % modele.rdvs.len();
            let (praticien, patient) = (modele.rdvs[i].praticien, modele.rdvs[i].patient);
            let debut = resoudre(modele, debut, praticien, type_consultation);
            let store = monde.store.deplacer(
                monde.rdvs[i],
                &demande(debut, type_consultation, origine),
                auteur,
                monde.par(auteur, praticien, patient),
                now,
            );
            let attendu = modele.deplacer(i, debut, type_consultation, origine, auteur);
            meme_verdict(op, &store, &attendu)?;
        }
        Op::Annuler { rdv, auteur } => {
            if modele.rdvs.is_empty() {
                let store =
                    monde
                        .store
                        .annuler(RdvId(Uuid::now_v7()), auteur, monde.comptes_patients[0], now);
                meme_verdict(op, &store, &Err::<(), _>(vec!["introuvable:rdv"]))?;
                return Ok(());
            }
            let i = rdv % modele.rdvs.len();
            let (praticien, patient) = (modele.rdvs[i].praticien, modele.rdvs[i].patient);
            let store =
                monde
                    .store
                    .annuler(monde.rdvs[i], auteur, monde.par(auteur, praticien, patient), now);
            let attendu = modele.annuler(i, auteur);
            meme_verdict(op, &store, &attendu)?;
        }
        Op::AjouterIndispo {
            praticien,
            jour,
            minute,
            duree_min,
        } => {
            let debut = instant(jour, minute);
            let fin = debut + Duration::minutes(duree_min);
            let id = Uuid::now_v7();
            let store = monde.store.ajouter_indisponibilite(
                monde.praticiens[praticien],
                id,
                Creneau::new(debut, fin).unwrap(),
                Some("formation".to_owned()),
            );
            meme_verdict(op, &store, &Ok::<(), Refus>(()))?;
            monde.indispos.push(id);
            modele.indispos.push(IndispoModele {
                praticien,
                debut,
                fin,
                retiree: false,
            });
        }
        Op::RetirerIndispo { praticien, indispo } => {
            let (id, attendu) = if modele.indispos.is_empty() {
                (Uuid::now_v7(), Err(vec!["introuvable:indisponibilité"]))
            } else {
                let i = indispo % modele.indispos.len();
                let visee = &mut modele.indispos[i];
                let attendu = if visee.retiree || visee.praticien != praticien {
                    Err(vec!["introuvable:indisponibilité"])
                } else {
                    visee.retiree = true;
                    Ok(())
                };
                (monde.indispos[i], attendu)
            };
            let store = monde
                .store
                .supprimer_indisponibilite(monde.praticiens[praticien], id);
            meme_verdict(op, &store, &attendu)?;
        }
        Op::Horaires {
            praticien,
            ref regles,
        } => {
            let horaires = horaires_domaine(regles, monde.structure);
            let store = monde
                .store
                .modifier_praticien_avec(monde.praticiens[praticien], &mut |p| {
                    p.horaires = horaires.clone();
                    Ok(())
                });
            meme_verdict(op, &store, &Ok::<(), Refus>(()))?;
            modele.horaires[praticien] = regles.clone();
        }
        Op::Avancer { minutes } => {
            modele.now = (modele.now + Duration::minutes(minutes)).min(now_max());
        }
    }
    Ok(())
}

/// After each operation: the same rdvs, periods off and free créneaux on both sides.
fn memes_etats(monde: &Monde, modele: &Modele, op: &Op) -> Result<(), TestCaseError> {
    for (i, attendu) in modele.rdvs.iter().enumerate() {
        let Some(rdv) = monde.store.rdv(monde.rdvs[i]).unwrap() else {
            return Err(TestCaseError::fail(format!("after {op:?}: rdv {i} missing")));
        };
        let obtenu = RdvModele {
            praticien: monde
                .praticiens
                .iter()
                .position(|p| *p == rdv.praticien_id)
                .unwrap(),
            patient: monde.patients.iter().position(|p| *p == rdv.patient_id).unwrap(),
            debut: rdv.creneau.debut(),
            type_consultation: rdv.type_consultation,
            origine: rdv.origine,
            statut: rdv.statut,
            historique: attendu.historique.clone(),
        };
        prop_assert_eq!(&obtenu, attendu, "after {:?}: rdv {}", op, i);
        prop_assert_eq!(rdv.creneau.fin(), attendu.fin(), "after {:?}: rdv {}", op, i);
        let actions: Vec<&str> = rdv.historique.iter().map(|e| e.action.as_str()).collect();
        prop_assert_eq!(&actions, &attendu.historique, "after {:?}: rdv {}", op, i);
    }
    for (p, &id) in monde.praticiens.iter().enumerate() {
        // No rdv the model does not know of.
        let mut ids: Vec<RdvId> = monde
            .store
            .rdvs_du_praticien(id, fenetre())
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        ids.sort();
        let mut attendus: Vec<RdvId> = (0..modele.rdvs.len())
            .filter(|&i| modele.rdvs[i].praticien == p)
            .map(|i| monde.rdvs[i])
            .collect();
        attendus.sort();
        prop_assert_eq!(ids, attendus, "after {:?}: rdvs of praticien {}", op, p);

        // The store orders periods off by (start, id): compare them as sets.
        let mut indispos: Vec<_> = monde
            .store
            .indisponibilites(id, fenetre())
            .unwrap()
            .into_iter()
            .map(|i| (i.creneau.debut(), i.creneau.fin()))
            .collect();
        indispos.sort();
        let mut attendues: Vec<_> = modele
            .indispos
            .iter()
            .filter(|i| i.praticien == p && !i.retiree)
            .map(|i| (i.debut, i.fin))
            .collect();
        attendues.sort();
        prop_assert_eq!(
            indispos,
            attendues,
            "after {:?}: periods off of praticien {}",
            op,
            p
        );

        let (_, agenda) = monde.store.agenda(id, fenetre()).unwrap();
        for type_consultation in [TypeConsultation::Presentiel, TypeConsultation::Teleconsultation] {
            for origine in [Origine::Plateforme, Origine::HorsPlateforme] {
                let recherche = Recherche {
                    type_consultation,
                    origine,
                    ..Recherche::default()
                };
                let libres: Vec<_> = creneaux_libres(&agenda, fenetre(), &recherche, modele.now)
                    .unwrap()
                    .into_iter()
                    .map(|c| (c.debut, c.fin))
                    .collect();
                prop_assert_eq!(
                    libres,
                    modele.libres(p, type_consultation, origine),
                    "after {:?}: free créneaux of praticien {}, {:?}, {:?}, now {}",
                    op,
                    p,
                    type_consultation,
                    origine,
                    modele.now
                );
            }
        }
    }
    Ok(())
}

fn modele_initial(scenario: &Scenario) -> Modele {
    Modele {
        now: now_initial(),
        horaires: scenario.horaires.clone(),
        politiques: scenario.politiques.clone(),
        patientele: vec![(0, 0)],
        rdvs: Vec::new(),
        indispos: Vec::new(),
    }
}

proptest! {
    // 300 sequences of 20–40 operations: about 12 s in debug on a busy 2-core machine (a commit per
    // operation, then every rdv, period off and free créneau compared).
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_store_books_moves_and_cancels_as_the_model_of_the_rules_says(scenario in un_scenario()) {
        let mut monde = Monde::new(&scenario);
        let mut modele = modele_initial(&scenario);
        memes_etats(&monde, &modele, &Op::Avancer { minutes: 0 })?;
        for op in &scenario.ops {
            appliquer(&mut monde, &mut modele, op)?;
            memes_etats(&monde, &modele, op)?;
        }
    }
}

/// Guards the test above against a generator whose sequences do nothing worth comparing: over
/// sequences run on the model alone, bookings, moves and cancellations are both accepted and refused,
/// with every code the model knows.
#[test]
fn the_generator_reaches_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeMap;
    let mut runner = TestRunner::deterministic();
    let mut vus: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..200 {
        let scenario = un_scenario().new_tree(&mut runner).unwrap().current();
        let mut modele = modele_initial(&scenario);
        for op in &scenario.ops {
            let (quoi, verdict) = match *op {
                Op::Reserver {
                    praticien,
                    patient,
                    debut,
                    type_consultation,
                    origine,
                } => {
                    let debut = resoudre(&modele, debut, praticien, type_consultation);
                    (
                        "reserver",
                        modele
                            .reserver(praticien, patient, debut, type_consultation, origine)
                            .map(|_| ()),
                    )
                }
                Op::Deplacer {
                    rdv,
                    debut,
                    type_consultation,
                    origine,
                    auteur,
                } if !modele.rdvs.is_empty() => {
                    let i = rdv % modele.rdvs.len();
                    let debut = resoudre(&modele, debut, modele.rdvs[i].praticien, type_consultation);
                    (
                        "deplacer",
                        modele.deplacer(i, debut, type_consultation, origine, auteur),
                    )
                }
                Op::Annuler { rdv, auteur } if !modele.rdvs.is_empty() => {
                    let i = rdv % modele.rdvs.len();
                    ("annuler", modele.annuler(i, auteur))
                }
                Op::Avancer { minutes } => {
                    modele.now = (modele.now + Duration::minutes(minutes)).min(now_max());
                    continue;
                }
                _ => continue,
            };
            let issue = match verdict {
                Ok(()) => "ok".to_owned(),
                Err(codes) => codes.join("+"),
            };
            *vus.entry(format!("{quoi}:{issue}")).or_default() += 1;
        }
    }
    let codes = [
        "reserver:ok",
        "deplacer:ok",
        "annuler:ok",
        "creneau_indisponible",
        "type_non_propose",
        "patient_deja_pris",
        "patient_inconnu",
        "hors_delai",
        "rdv_commence",
        "annulation_tardive_refusee",
        "transition_invalide",
    ];
    for c in codes {
        let n: usize = vus.iter().filter(|(k, _)| k.contains(c)).map(|(_, n)| n).sum();
        assert!(n >= 5, "{c} reached {n} times: {vus:#?}");
    }
}
