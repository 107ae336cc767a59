//! From `data/demo.json` to the server's entities, through the domain's parsers.
//!
//! Everything that can be checked without a store is checked here: identifiers (RPPS, NIR, e-mail,
//! phone), spécialités, horaires, réglages, durations, references between entities, uniqueness of ids
//! and e-mails, and the plan of each rdv (its day, statut, motif, fee). So a unit test of [`lire`]
//! catches a bad dataset before any server starts with it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use domain::consultation::{Origine, TypeConsultation};
use domain::disponibilite::{DureeConsultation, Motif};
use domain::horaires::{Heure, Horaires, RegleHoraire};
use domain::identifiants::{Email, Nir, Rpps, Telephone};
use domain::ids::{PatientId, PersonnelId, PraticienId, RdvId, StructureId};
use domain::reglages::{Reglages, ReglagesBruts};
use domain::specialite::Specialite;
use domain::statut::Statut;
use domain::temps::{DureeMinutes, Fuseau};
use uuid::Uuid;

use super::SeedError;
use super::format::{self, Fichier, PraticienJson, RdvJson, ReglagesJson};
use crate::modele::{
    CompteId, Honoraire, MedecinTraitant, ModePaiement, Patient, Personnel, Praticien, Structure,
};

/// The first day from the load day a rdv to come may be on.
pub(super) const JOUR_FUTUR_MIN: i64 = 2;
/// The last day from the load day a rdv to come may be planned on: with the shift to a free day
/// ([`super::creneaux::JOURS_RECHERCHE_MAX`]) it stays inside the default 90-day horizon.
pub(super) const JOUR_FUTUR_MAX: i64 = 60;
/// The earliest day from the load day a past rdv may be planned on.
pub(super) const JOUR_PASSE_MIN: i64 = -365;

/// Most entities of one kind the dataset may hold.
const ENTITES_MAX: usize = 1_000;

/// The dataset, read and checked.
#[derive(Debug, Clone)]
pub(super) struct Demo {
    /// Places of practice.
    pub structures: Vec<Structure>,
    /// Praticiens.
    pub praticiens: Vec<Praticien>,
    /// Personnel.
    pub personnels: Vec<Personnel>,
    /// Patients.
    pub patients: Vec<Patient>,
    /// Administrators: account id and e-mail.
    pub admins: Vec<(CompteId, Email)>,
    /// Rendez-vous to create, in file order.
    pub rdvs: Vec<PlanRdv>,
}

/// A rdv as the dataset plans it: its créneau is found at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PlanRdv {
    /// Its id.
    pub id: RdvId,
    /// With whom.
    pub praticien: PraticienId,
    /// For whom.
    pub patient: PatientId,
    /// Spécialité, resolved.
    pub specialite: Specialite,
    /// Type.
    pub type_consultation: TypeConsultation,
    /// Motif de visite.
    pub motif: Option<String>,
    /// Target local date.
    pub jour: NaiveDate,
    /// Preferred local start.
    pub heure: Heure,
    /// Statut to reach (`prevu`: to come).
    pub statut: Statut,
    /// Origine.
    pub origine: Origine,
    /// Payment mode and amount (the praticien's fee), for `paye` and `transmis`.
    pub paiement: Option<(ModePaiement, u32)>,
    /// Organisme, for `transmis`.
    pub organisme: Option<String>,
}

impl PlanRdv {
    /// Whether it is a rdv to come (booked through the booking rules).
    pub fn a_venir(&self) -> bool {
        self.statut == Statut::Prevu
    }
}

/// The account id of an entity: its id with `01` before the kind in the second group
/// (`00000000-0002-…` praticien → `00000000-0102-…` its account), so both are fixed and distinct.
pub(super) fn compte_de(id: Uuid) -> CompteId {
    CompteId(Uuid::from_u128(id.as_u128() | (0x0100_u128 << 80)))
}

fn invalide(ou: impl Into<String>, raison: impl std::fmt::Display) -> SeedError {
    SeedError::Invalide {
        ou: ou.into(),
        raison: raison.to_string(),
    }
}

/// Parses and checks the dataset for a load on `aujourdhui` (relative days are resolved against it).
pub(super) fn lire(json: &str, aujourdhui: NaiveDate) -> Result<Demo, SeedError> {
    let fichier: Fichier = serde_json::from_str(json)?;
    if fichier.format != format::FORMAT {
        return Err(invalide(
            "format",
            format!("{:?} attendu, {:?} trouvé", format::FORMAT, fichier.format),
        ));
    }
    let tailles = [
        ("structures", fichier.structures.len()),
        ("praticiens", fichier.praticiens.len()),
        ("personnels", fichier.personnels.len()),
        ("patients", fichier.patients.len()),
        ("admins", fichier.admins.len()),
        ("rdvs", fichier.rdvs.len()),
    ];
    if let Some((quoi, n)) = tailles.iter().find(|(_, n)| *n > ENTITES_MAX) {
        return Err(invalide(*quoi, format!("{n} entrées, au plus {ENTITES_MAX}")));
    }
    let mut uniques = Uniques::default();
    let structures = fichier
        .structures
        .iter()
        .map(|s| structure(s, &mut uniques))
        .collect::<Result<Vec<_>, _>>()?;
    let fuseaux: BTreeMap<StructureId, Fuseau> = structures.iter().map(|s| (s.id, s.fuseau)).collect();
    let praticiens = fichier
        .praticiens
        .iter()
        .map(|p| praticien(p, &fichier, &fuseaux, aujourdhui, &mut uniques))
        .collect::<Result<Vec<_>, _>>()?;
    let personnels = fichier
        .personnels
        .iter()
        .map(|p| personnel(p, &praticiens, &fuseaux, &mut uniques))
        .collect::<Result<Vec<_>, _>>()?;
    let patients = fichier
        .patients
        .iter()
        .map(|p| patient(p, &mut uniques))
        .collect::<Result<Vec<_>, _>>()?;
    let admins = fichier
        .admins
        .iter()
        .map(|a| {
            let ou = format!("admin {}", a.id);
            uniques.id(&ou, a.id)?;
            let email = Email::parse(&a.email).map_err(|e| invalide(&ou, e))?;
            uniques.email(&ou, &email)?;
            Ok((compte_de(a.id), email))
        })
        .collect::<Result<Vec<_>, SeedError>>()?;
    let rdvs = fichier
        .rdvs
        .iter()
        .map(|r| plan_rdv(r, &praticiens, &patients, aujourdhui, &mut uniques))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Demo {
        structures,
        praticiens,
        personnels,
        patients,
        admins,
        rdvs,
    })
}

/// Ids (entities and their derived accounts), e-mails and RPPS numbers seen so far.
#[derive(Debug, Default)]
struct Uniques {
    ids: BTreeSet<Uuid>,
    emails: BTreeSet<String>,
    rpps: BTreeSet<String>,
}

impl Uniques {
    fn id(&mut self, ou: &str, id: Uuid) -> Result<(), SeedError> {
        let compte = compte_de(id).0;
        if compte == id || !self.ids.insert(id) || !self.ids.insert(compte) {
            return Err(invalide(
                ou,
                format!("id {id} en double (ou réservé aux comptes)"),
            ));
        }
        Ok(())
    }

    fn email(&mut self, ou: &str, email: &Email) -> Result<(), SeedError> {
        if !self.emails.insert(email.as_str().to_owned()) {
            return Err(invalide(ou, format!("e-mail {email} en double")));
        }
        Ok(())
    }
}

/// `jours` days after `aujourdhui`.
fn decaler(aujourdhui: NaiveDate, jours: i64, ou: &str) -> Result<NaiveDate, SeedError> {
    Duration::try_days(jours)
        .and_then(|d| aujourdhui.checked_add_signed(d))
        .ok_or_else(|| {
            invalide(
                ou,
                format!("{jours} jours après le {aujourdhui} : hors calendrier"),
            )
        })
}

fn structure(s: &format::StructureJson, uniques: &mut Uniques) -> Result<Structure, SeedError> {
    let ou = format!("structure {}", s.id);
    uniques.id(&ou, s.id)?;
    Ok(Structure {
        id: StructureId(s.id),
        nom: s.nom.clone(),
        type_structure: s.type_structure.into(),
        adresse: s.adresse.clone(),
        code_postal: s.code_postal.clone(),
        ville: s.ville.clone(),
        telephone: Telephone::parse(&s.telephone).map_err(|e| invalide(&ou, e))?,
        fuseau: Fuseau::parse(&s.fuseau).map_err(|e| invalide(&ou, e))?,
    })
}

fn praticien(
    p: &PraticienJson,
    fichier: &Fichier,
    fuseaux: &BTreeMap<StructureId, Fuseau>,
    aujourdhui: NaiveDate,
    uniques: &mut Uniques,
) -> Result<Praticien, SeedError> {
    let ou = format!("praticien {}", p.id);
    uniques.id(&ou, p.id)?;
    let rpps = Rpps::parse(&p.rpps).map_err(|e| invalide(&ou, e))?;
    if !uniques.rpps.insert(rpps.as_str().to_owned()) {
        return Err(invalide(&ou, format!("RPPS {rpps} en double")));
    }
    let email = Email::parse(&p.email).map_err(|e| invalide(&ou, e))?;
    uniques.email(&ou, &email)?;
    if p.specialites.is_empty() || p.structures.is_empty() {
        return Err(invalide(&ou, "au moins une spécialité et une structure"));
    }
    let pratique = |s: Specialite| {
        if p.specialites.contains(&s) {
            Ok(s)
        } else {
            Err(invalide(&ou, format!("spécialité {s} non exercée")))
        }
    };
    let structures = p
        .structures
        .iter()
        .map(|&id| {
            let id = StructureId(id);
            fuseaux
                .contains_key(&id)
                .then_some(id)
                .ok_or_else(|| invalide(&ou, format!("structure {id} inconnue")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut honoraires = Vec::new();
    for h in &p.honoraires {
        let montants = [
            (TypeConsultation::Presentiel, h.presentiel),
            (TypeConsultation::Teleconsultation, h.teleconsultation),
        ];
        for (type_consultation, montant) in montants {
            if let Some(montant_centimes) = montant {
                honoraires.push(Honoraire {
                    specialite: pratique(h.specialite)?,
                    type_consultation,
                    montant_centimes,
                    secteur: h.secteur.into(),
                });
            }
        }
    }
    let mut motifs = Vec::new();
    for (&specialite, codes) in &p.motifs {
        pratique(specialite)?;
        for code in codes {
            let m = fichier
                .motifs
                .get(code)
                .ok_or_else(|| invalide(&ou, format!("motif {code:?} absent du catalogue")))?;
            if motifs.iter().any(|autre: &Motif| autre.code == *code) {
                return Err(invalide(&ou, format!("motif {code:?} en double")));
            }
            motifs.push(Motif {
                code: code.clone(),
                libelle: m.libelle.clone(),
                specialite,
                duree_minutes: m
                    .duree_minutes
                    .map(DureeMinutes::new)
                    .transpose()
                    .map_err(|e| invalide(&ou, e))?,
            });
        }
    }
    let durees = p
        .durees
        .iter()
        .map(|d| {
            Ok(DureeConsultation {
                specialite: pratique(d.specialite)?,
                type_consultation: d.type_consultation,
                duree_minutes: DureeMinutes::new(d.duree_minutes).map_err(|e| invalide(&ou, e))?,
            })
        })
        .collect::<Result<Vec<_>, SeedError>>()?;
    let mut regles = Vec::new();
    for r in &p.horaires {
        let structure_id = r.structure.map_or(structures[0], StructureId);
        if !structures.contains(&structure_id) {
            return Err(invalide(
                &ou,
                format!("horaires dans la structure {structure_id}, qui n'est pas la sienne"),
            ));
        }
        if let Some(specialites) = &r.specialites {
            for &s in specialites {
                pratique(s)?;
            }
        }
        for &jour in &r.jours {
            regles.push(RegleHoraire {
                jour,
                debut: r.debut,
                fin: r.fin,
                structure_id,
                types: r
                    .types
                    .clone()
                    .unwrap_or_else(|| vec![TypeConsultation::Presentiel]),
                specialites: r.specialites.clone(),
                valable_du: r
                    .valable_du_jour
                    .map(|j| decaler(aujourdhui, j, &ou))
                    .transpose()?,
                valable_au: r
                    .valable_au_jour
                    .map(|j| decaler(aujourdhui, j, &ou))
                    .transpose()?,
            });
        }
    }
    let horaires = Horaires::new(regles).map_err(|e| invalide(&ou, e))?;
    Ok(Praticien {
        id: PraticienId(p.id),
        rpps,
        nom: p.nom.clone(),
        prenom: p.prenom.clone(),
        titre: p.titre.clone(),
        email,
        specialites: p.specialites.clone(),
        structures,
        honoraires,
        motifs,
        durees,
        moyens_paiement: p.moyens_paiement.iter().map(|&m| m.into()).collect(),
        nouveaux_patients: p.nouveaux_patients,
        horaires,
        reglages: reglages(&p.reglages).map_err(|e| invalide(&ou, e))?,
    })
}

fn reglages(r: &ReglagesJson) -> Result<Reglages, domain::reglages::ReglageInvalide> {
    let d = ReglagesBruts::default();
    Reglages::new(ReglagesBruts {
        patients_connus_uniquement: r
            .patients_connus_uniquement
            .unwrap_or(d.patients_connus_uniquement),
        delai_annulation_heures: r.delai_annulation_heures.unwrap_or(d.delai_annulation_heures),
        annulation_tardive: r.annulation_tardive.unwrap_or(d.annulation_tardive),
        preavis_minutes: r.preavis_minutes.unwrap_or(d.preavis_minutes),
        horizon_jours: r.horizon_jours.unwrap_or(d.horizon_jours),
        rappel_heures: r.rappel_heures.unwrap_or(d.rappel_heures),
    })
}

fn personnel(
    p: &format::PersonnelJson,
    praticiens: &[Praticien],
    fuseaux: &BTreeMap<StructureId, Fuseau>,
    uniques: &mut Uniques,
) -> Result<Personnel, SeedError> {
    let ou = format!("personnel {}", p.id);
    uniques.id(&ou, p.id)?;
    let email = Email::parse(&p.email).map_err(|e| invalide(&ou, e))?;
    uniques.email(&ou, &email)?;
    let structure_id = StructureId(p.structure);
    if !fuseaux.contains_key(&structure_id) {
        return Err(invalide(&ou, format!("structure {structure_id} inconnue")));
    }
    let associes = p
        .praticiens
        .iter()
        .map(|&id| {
            praticiens
                .iter()
                .find(|pr| pr.id == PraticienId(id) && pr.structures.contains(&structure_id))
                .map(|pr| pr.id)
                .ok_or_else(|| invalide(&ou, format!("praticien {id} inconnu ou d'une autre structure")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Personnel {
        id: PersonnelId(p.id),
        nom: p.nom.clone(),
        prenom: p.prenom.clone(),
        email,
        structure_id,
        praticiens: associes,
    })
}

fn patient(p: &format::PatientJson, uniques: &mut Uniques) -> Result<Patient, SeedError> {
    let ou = format!("patient {}", p.id);
    uniques.id(&ou, p.id)?;
    let email = Email::parse(&p.email).map_err(|e| invalide(&ou, e))?;
    uniques.email(&ou, &email)?;
    if p.telephones.is_empty() {
        return Err(invalide(&ou, "au moins un téléphone"));
    }
    let telephones = p
        .telephones
        .iter()
        .map(|t| Telephone::parse(t).map_err(|e| invalide(&ou, e)))
        .collect::<Result<Vec<_>, _>>()?;
    let nir = p
        .nir
        .as_deref()
        .map(Nir::parse)
        .transpose()
        .map_err(|e| invalide(&ou, e))?;
    Ok(Patient {
        id: PatientId(p.id),
        nom: p.nom.clone(),
        prenom: p.prenom.clone(),
        date_naissance: p.date_naissance,
        email,
        telephones,
        nir,
        adresse: p.adresse.clone(),
        medecin_traitant: p.medecin_traitant.clone().map(MedecinTraitant::Texte),
        canal_prefere: p.canal_prefere.map(Into::into).unwrap_or_default(),
    })
}

fn plan_rdv(
    r: &RdvJson,
    praticiens: &[Praticien],
    patients: &[Patient],
    aujourdhui: NaiveDate,
    uniques: &mut Uniques,
) -> Result<PlanRdv, SeedError> {
    let ou = format!("rdv {}", r.id);
    uniques.id(&ou, r.id)?;
    let praticien = praticiens
        .iter()
        .find(|p| p.id == PraticienId(r.praticien))
        .ok_or_else(|| invalide(&ou, format!("praticien {} inconnu", r.praticien)))?;
    if !patients.iter().any(|p| p.id == PatientId(r.patient)) {
        return Err(invalide(&ou, format!("patient {} inconnu", r.patient)));
    }
    let motif = r
        .motif
        .as_deref()
        .map(|code| {
            praticien
                .motifs
                .iter()
                .find(|m| m.code == code && r.specialite.is_none_or(|s| s == m.specialite))
                .ok_or_else(|| invalide(&ou, format!("motif {code:?} inconnu du praticien")))
        })
        .transpose()?;
    let specialite = r
        .specialite
        .or(motif.map(|m| m.specialite))
        .unwrap_or(praticien.specialites[0]);
    if !praticien.specialites.contains(&specialite) {
        return Err(invalide(&ou, format!("spécialité {specialite} non exercée")));
    }
    let a_venir = r.statut == Statut::Prevu;
    let bornes = if a_venir {
        JOUR_FUTUR_MIN..=JOUR_FUTUR_MAX
    } else {
        JOUR_PASSE_MIN..=-1
    };
    if !bornes.contains(&r.jour) {
        return Err(invalide(
            &ou,
            format!(
                "jour {} hors de {bornes:?} pour le statut {}",
                r.jour,
                r.statut.as_str()
            ),
        ));
    }
    let origine = match (a_venir, r.origine) {
        (true, None | Some(Origine::HorsPlateforme)) => Origine::HorsPlateforme,
        (true, Some(Origine::Plateforme)) => {
            return Err(invalide(
                &ou,
                "les rdvs à venir sont pris hors plateforme par le praticien",
            ));
        }
        (false, origine) => origine.unwrap_or(Origine::Plateforme),
    };
    let payable = matches!(r.statut, Statut::Paye | Statut::Transmis);
    let paiement = match (payable, r.paiement) {
        (true, Some(mode)) => {
            let honoraire = praticien
                .honoraires
                .iter()
                .find(|h| h.specialite == specialite && h.type_consultation == r.type_consultation)
                .ok_or_else(|| invalide(&ou, "pas d'honoraires pour cette spécialité et ce type"))?;
            Some((mode.into(), honoraire.montant_centimes))
        }
        (false, None) => None,
        _ => {
            return Err(invalide(
                &ou,
                "un paiement pour les statuts paye et transmis, et eux seuls",
            ));
        }
    };
    if r.organisme.is_some() != (r.statut == Statut::Transmis) {
        return Err(invalide(&ou, "un organisme pour le statut transmis, et lui seul"));
    }
    Ok(PlanRdv {
        id: RdvId(r.id),
        praticien: praticien.id,
        patient: PatientId(r.patient),
        specialite,
        type_consultation: r.type_consultation,
        motif: motif.map(|m| m.code.clone()),
        jour: decaler(aujourdhui, r.jour, &ou)?,
        heure: r.heure,
        statut: r.statut,
        origine,
        paiement,
        organisme: r.organisme.clone(),
    })
}
