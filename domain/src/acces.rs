//! Access rules: who may do what to which data (DOMAIN.md "Who may see and do what", API.md "who").
//!
//! [`autoriser`] is the single gate every handler calls first, before it reads or writes anything but
//! what describes the resource (its owner's ids and, for a patient's data, the [`Liens`]). It is pure —
//! no I/O, no clock, no session — so the verdict depends only on what it is shown: the server and the
//! wasm package agree, the tests walk the whole table, and changing a rule is a diff to one function.
//!
//! Conventions the handlers rely on:
//! - Only reading public data ([`Ressource::ProfilPublic`]) is open to everyone. Anything else refuses
//!   an anonymous actor with [`Refus::NonAuthentifie`] (401) and a signed-in one with any other
//!   [`Refus`] (403).
//! - Deny by default: an action a rule does not name is refused. An rdv is cancelled, never deleted.
//! - Checks go from the general to the particular: role, then action, then the tie to the data (own,
//!   associated, linked). When the role or the action alone forbids, the reason does not depend on
//!   whose data it is.
//! - Lists: gate the list's owner, then filter each item through its own resource. For example
//!   `GET /patients/{id}/rdvs` is gated by reading [`Ressource::DossierAdministratif`] (patient, linked
//!   praticien, personnel), then each item by reading [`Ressource::Rdv`].
//! - A change to a partie administrative is allowed field by field too: once [`autoriser`] let the
//!   actor modify the dossier, [`autoriser_champ`] says which fields it may write (the patient all of
//!   theirs but a NIR already set; a linked praticien or associated personnel the NIR alone).
//! - Outside this gate: sign-up and sign-in (there is no actor yet), token checks (a valid
//!   `planning.ics` jeton stands for its praticien, which then reads its [`Ressource::Planning`]), and
//!   writing each read of a partie médicale to the patient's access log.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;
use crate::ids::{PatientId, PersonnelId, PraticienId};

/// Who asks: the signed-in account's role and ids, as the server reads them from the access token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Acteur {
    /// No valid token.
    Anonyme,
    /// A patient account.
    Patient {
        /// The patient's own id.
        #[serde(rename = "patient_id")]
        id: PatientId,
    },
    /// A praticien account.
    Praticien {
        /// The praticien's own id.
        #[serde(rename = "praticien_id")]
        id: PraticienId,
    },
    /// Personnel, acting for the praticiens it is associated with.
    Personnel {
        /// The personnel's own id.
        #[serde(rename = "personnel_id")]
        id: PersonnelId,
        /// The praticiens it works for.
        praticiens: Vec<PraticienId>,
    },
    /// The platform's administrator.
    Admin,
}

impl Acteur {
    /// The role as spelled in `/me` and in the JSON tag: `anonyme`, `patient`, `praticien`, `personnel`,
    /// `admin`.
    pub fn role(&self) -> &'static str {
        match self {
            Acteur::Anonyme => "anonyme",
            Acteur::Patient { .. } => "patient",
            Acteur::Praticien { .. } => "praticien",
            Acteur::Personnel { .. } => "personnel",
            Acteur::Admin => "admin",
        }
    }
}

/// What the actor wants to do to the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read (GET).
    Lire,
    /// Create: book an rdv, upload a document, open a conversation or post in it, add to a list.
    Creer,
    /// Change: PATCH / PUT, move an rdv.
    Modifier,
    /// Remove (DELETE).
    Supprimer,
    /// Cancel an rdv.
    Annuler,
    /// Set an rdv's statut (honore, non_honore, paye, transmis).
    ChangerStatut,
}

impl Action {
    /// Every action, in a stable order, for instance to list the `links` a caller may follow.
    pub const TOUTES: [Action; 6] = [
        Action::Lire,
        Action::Creer,
        Action::Modifier,
        Action::Supprimer,
        Action::Annuler,
        Action::ChangerStatut,
    ];

    /// The French noun, for messages (`lecture`, `changement de statut`).
    pub fn nom(self) -> &'static str {
        match self {
            Action::Lire => "lecture",
            Action::Creer => "création",
            Action::Modifier => "modification",
            Action::Supprimer => "suppression",
            Action::Annuler => "annulation",
            Action::ChangerStatut => "changement de statut",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.nom())
    }
}

/// A patient's ties to praticiens: a praticien is linked to a patient who is in their patientele or
/// has or had a rdv with them (DOMAIN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Liens<'a> {
    /// Praticiens who have the patient in their patientele.
    pub patientele: &'a [PraticienId],
    /// Praticiens the patient has or had an rdv with, past or upcoming, whatever its statut.
    pub rdv: &'a [PraticienId],
}

impl Liens<'_> {
    /// Whether `praticien` is linked to the patient, through the patientele or an rdv.
    pub fn relie(&self, praticien: PraticienId) -> bool {
        self.patientele.contains(&praticien) || self.rdv.contains(&praticien)
    }
}

/// The data an action touches, with what the rules need to know about its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ressource<'a> {
    /// Public data: praticien profiles, search, disponibilités, calendrier, specialites, structures.
    ProfilPublic,
    /// The directory's administration: creating and changing structures, praticiens, personnels.
    Annuaire,
    /// A consistent snapshot of the whole store (`GET /admin/backup`).
    Sauvegarde,
    /// The caller's own account: `/me`, second factor, password, sign-out.
    Compte,
    /// A praticien's bank data, horaires and indisponibilités (DOMAIN.md's "horaires management").
    GestionPraticien(PraticienId),
    /// A praticien's réglages (booking policy, ICS link).
    Reglages(PraticienId),
    /// A praticien's patientele.
    Patientele(PraticienId),
    /// A praticien's planning, bilan and statistiques (DOMAIN.md: associated personnel reads all three).
    Planning(PraticienId),
    /// A dossier's partie administrative (`/patients/{id}`).
    DossierAdministratif {
        /// Whose dossier.
        patient: PatientId,
        /// That patient's ties to praticiens.
        liens: Liens<'a>,
    },
    /// A dossier's partie médicale: consultations and documents.
    DossierMedical {
        /// Whose dossier.
        patient: PatientId,
        /// That patient's ties to praticiens.
        liens: Liens<'a>,
    },
    /// One rdv, or the one being booked.
    Rdv {
        /// The patient it is for.
        patient: PatientId,
        /// The praticien it is with.
        praticien: PraticienId,
    },
    /// A conversation between a patient and a praticien, or the one being opened.
    Conversation {
        /// Its patient.
        patient: PatientId,
        /// Its praticien.
        praticien: PraticienId,
        /// The patient's ties to praticiens: opening or writing needs the praticien to be linked.
        liens: Liens<'a>,
    },
    /// A patient's places on waiting lists.
    ListeAttente(PatientId),
    /// A patient's views of themselves: praticiens consultés, access log, RGPD export.
    EspacePatient(PatientId),
}

impl Ressource<'_> {
    /// Whether `action` on this resource is open to everyone, anonymous included.
    pub fn publique(&self, action: Action) -> bool {
        matches!((self, action), (Ressource::ProfilPublic, Action::Lire))
    }

    /// The French name used in refusal messages.
    pub fn libelle(&self) -> &'static str {
        match self {
            Ressource::ProfilPublic => "profil public",
            Ressource::Annuaire => "annuaire",
            Ressource::Sauvegarde => "sauvegarde",
            Ressource::Compte => "compte",
            Ressource::GestionPraticien(_) => "gestion du praticien",
            Ressource::Reglages(_) => "réglages",
            Ressource::Patientele(_) => "patientèle",
            Ressource::Planning(_) => "planning",
            Ressource::DossierAdministratif { .. } => "partie administrative du dossier",
            Ressource::DossierMedical { .. } => "partie médicale du dossier",
            Ressource::Rdv { .. } => "rendez-vous",
            Ressource::Conversation { .. } => "conversation",
            Ressource::ListeAttente(_) => "liste d'attente",
            Ressource::EspacePatient(_) => "espace patient",
        }
    }
}

/// Why access was refused: the rule that denied it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Refus {
    /// Not signed in, and the data is not public.
    #[error("authentification requise")]
    NonAuthentifie,
    /// This role has no access at all to this kind of data.
    #[error("accès refusé : le rôle {role} n'a pas accès à « {ressource} »")]
    RoleNonAutorise {
        /// The actor's role.
        role: &'static str,
        /// The resource's French name.
        ressource: &'static str,
    },
    /// This role may reach this kind of data, but not to do that.
    #[error("accès refusé : {action} impossible sur « {ressource} » pour le rôle {role}")]
    ActionNonPermise {
        /// The actor's role.
        role: &'static str,
        /// The action refused.
        action: Action,
        /// The resource's French name.
        ressource: &'static str,
    },
    /// A patient reaching another patient's data.
    #[error("accès refusé : ces données sont celles d'un autre patient")]
    AutrePatient,
    /// A praticien reaching another praticien's data.
    #[error("accès refusé : ces données sont celles d'un autre praticien")]
    AutrePraticien,
    /// Personnel reaching a praticien it is not associated with.
    #[error("accès refusé : le personnel n'est pas associé à ce praticien")]
    PraticienNonAssocie,
    /// A praticien reaching a patient neither in their patientele nor with an rdv with them.
    #[error("accès refusé : ce patient n'est ni dans la patientèle du praticien ni en rendez-vous avec lui")]
    PatientNonRelie,
    /// Personnel reaching a patient with no rdv with any of its praticiens.
    #[error("accès refusé : ce patient n'a aucun rendez-vous avec un praticien associé au personnel")]
    PatientSansRdvAssocie,
    /// Personnel or admin reaching a partie médicale: never.
    #[error("accès refusé : la partie médicale n'est accessible qu'au patient et à ses praticiens")]
    PartieMedicale,
    /// The patient changing a NIR already set: a linked praticien or associated personnel corrects it.
    #[error(
        "champ protégé : nir, une fois renseigné, n'est corrigé que par un praticien ou le personnel \
         qui suit le patient"
    )]
    NirRenseigne,
    /// A praticien or personnel changing a field of the dossier that only the patient writes.
    #[error("champ protégé : {champ} n'est modifiable que par le patient (le cabinet corrige le NIR seul)")]
    ChampDuPatient {
        /// The field's name on the wire.
        champ: &'static str,
    },
}

impl Code for Refus {
    fn code(&self) -> &'static str {
        match self {
            Refus::NonAuthentifie => "non_authentifie",
            Refus::NirRenseigne | Refus::ChampDuPatient { .. } => "champ_protege",
            _ => "acces_refuse",
        }
    }
}

/// A signed-in actor, once anonymity is settled.
#[derive(Debug, Clone, Copy)]
enum Qui<'a> {
    Patient(PatientId),
    Praticien(PraticienId),
    Personnel(&'a [PraticienId]),
    Admin,
}

/// Read, create, change, remove: the whole management of a resource.
const GERER: &[Action] = &[Action::Lire, Action::Creer, Action::Modifier, Action::Supprimer];
/// What the patient may do to their own rdv (move is Modifier).
const RDV_PATIENT: &[Action] = &[Action::Lire, Action::Creer, Action::Modifier, Action::Annuler];
/// What the praticien and its personnel may do to its rdvs.
const RDV_CABINET: &[Action] = &[
    Action::Lire,
    Action::Creer,
    Action::Modifier,
    Action::Annuler,
    Action::ChangerStatut,
];
/// What a party may do to a conversation: read it (marks read), open it or post in it.
const CONVERSER: &[Action] = &[Action::Lire, Action::Creer];

/// The verdict: may `acteur` do `action` to `ressource`?
pub fn autoriser(acteur: &Acteur, action: Action, ressource: &Ressource<'_>) -> Result<(), Refus> {
    if ressource.publique(action) {
        return Ok(());
    }
    let qui = match acteur {
        Acteur::Anonyme => return Err(Refus::NonAuthentifie),
        Acteur::Patient { id } => Qui::Patient(*id),
        Acteur::Praticien { id } => Qui::Praticien(*id),
        Acteur::Personnel { praticiens, .. } => Qui::Personnel(praticiens),
        Acteur::Admin => Qui::Admin,
    };
    let role = acteur.role();
    let libelle = ressource.libelle();
    let aucun_acces = Err(Refus::RoleNonAutorise {
        role,
        ressource: libelle,
    });
    let parmi = |permises: &[Action]| {
        if permises.contains(&action) {
            Ok(())
        } else {
            Err(Refus::ActionNonPermise {
                role,
                action,
                ressource: libelle,
            })
        }
    };

    match *ressource {
        // Reading is public (settled above); writes go through Annuaire or GestionPraticien.
        Ressource::ProfilPublic => parmi(&[]),
        Ressource::Annuaire => match qui {
            Qui::Admin => parmi(GERER),
            _ => aucun_acces,
        },
        Ressource::Sauvegarde => match qui {
            Qui::Admin => parmi(&[Action::Lire]),
            _ => aucun_acces,
        },
        // Always the caller's own: being signed in is the whole rule.
        Ressource::Compte => parmi(&[Action::Lire, Action::Creer, Action::Modifier]),
        Ressource::GestionPraticien(p) => match qui {
            Qui::Praticien(id) => parmi(GERER).and(meme_praticien(id, p)),
            Qui::Personnel(siens) => parmi(GERER).and(associe(siens, p)),
            Qui::Admin => parmi(GERER),
            Qui::Patient(_) => aucun_acces,
        },
        Ressource::Reglages(p) => match qui {
            Qui::Praticien(id) => parmi(&[Action::Lire, Action::Modifier]).and(meme_praticien(id, p)),
            _ => aucun_acces,
        },
        Ressource::Patientele(p) => match qui {
            Qui::Praticien(id) => {
                parmi(&[Action::Lire, Action::Creer, Action::Supprimer]).and(meme_praticien(id, p))
            }
            _ => aucun_acces,
        },
        Ressource::Planning(p) => match qui {
            Qui::Praticien(id) => parmi(&[Action::Lire]).and(meme_praticien(id, p)),
            Qui::Personnel(siens) => parmi(&[Action::Lire]).and(associe(siens, p)),
            Qui::Patient(_) | Qui::Admin => aucun_acces,
        },
        Ressource::DossierAdministratif { patient, liens } => match qui {
            Qui::Patient(id) => parmi(&[Action::Lire, Action::Modifier]).and(meme_patient(id, patient)),
            Qui::Praticien(id) => parmi(&[Action::Lire, Action::Modifier]).and(relie(&liens, id)),
            // Field by field, personnel writes the NIR alone: see `autoriser_champ`.
            Qui::Personnel(siens) => parmi(&[Action::Lire, Action::Modifier]).and(rdv_associe(&liens, siens)),
            Qui::Admin => aucun_acces,
        },
        Ressource::DossierMedical { patient, liens } => match qui {
            Qui::Patient(id) => parmi(&[Action::Lire]).and(meme_patient(id, patient)),
            Qui::Praticien(id) => parmi(&[Action::Lire, Action::Creer]).and(relie(&liens, id)),
            Qui::Personnel(_) | Qui::Admin => Err(Refus::PartieMedicale),
        },
        Ressource::Rdv { patient, praticien } => match qui {
            Qui::Patient(id) => parmi(RDV_PATIENT).and(meme_patient(id, patient)),
            Qui::Praticien(id) => parmi(RDV_CABINET).and(meme_praticien(id, praticien)),
            Qui::Personnel(siens) => parmi(RDV_CABINET).and(associe(siens, praticien)),
            Qui::Admin => aucun_acces,
        },
        Ressource::Conversation {
            patient,
            praticien,
            liens,
        } => {
            let partie = match qui {
                Qui::Patient(id) => meme_patient(id, patient),
                Qui::Praticien(id) => meme_praticien(id, praticien),
                Qui::Personnel(_) | Qui::Admin => return aucun_acces,
            };
            parmi(CONVERSER)?;
            partie?;
            // A party keeps reading its history, but writes only while the link holds.
            if action == Action::Creer {
                relie(&liens, praticien)
            } else {
                Ok(())
            }
        }
        Ressource::ListeAttente(patient) => match qui {
            Qui::Patient(id) => parmi(GERER).and(meme_patient(id, patient)),
            _ => aucun_acces,
        },
        Ressource::EspacePatient(patient) => match qui {
            Qui::Patient(id) => parmi(&[Action::Lire]).and(meme_patient(id, patient)),
            _ => aucun_acces,
        },
    }
}

/// A field of a dossier's partie administrative, as the field-level rules of a change name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChampAdministratif {
    /// Social security number.
    Nir,
    /// Family name.
    Nom,
    /// Given name.
    Prenom,
    /// Date of birth.
    DateNaissance,
    /// Postal address.
    Adresse,
    /// Phone numbers.
    Telephones,
    /// Email (the patient's sign-in email too).
    Email,
    /// Médecin traitant.
    MedecinTraitant,
    /// Preferred notification channel.
    CanalPrefere,
}

impl ChampAdministratif {
    /// Every field, in the order of the API's dossier.
    pub const TOUS: [ChampAdministratif; 9] = [
        ChampAdministratif::Nir,
        ChampAdministratif::Nom,
        ChampAdministratif::Prenom,
        ChampAdministratif::DateNaissance,
        ChampAdministratif::Adresse,
        ChampAdministratif::Telephones,
        ChampAdministratif::Email,
        ChampAdministratif::MedecinTraitant,
        ChampAdministratif::CanalPrefere,
    ];

    /// Its name on the wire (`date_naissance`).
    pub fn nom(self) -> &'static str {
        match self {
            ChampAdministratif::Nir => "nir",
            ChampAdministratif::Nom => "nom",
            ChampAdministratif::Prenom => "prenom",
            ChampAdministratif::DateNaissance => "date_naissance",
            ChampAdministratif::Adresse => "adresse",
            ChampAdministratif::Telephones => "telephones",
            ChampAdministratif::Email => "email",
            ChampAdministratif::MedecinTraitant => "medecin_traitant",
            ChampAdministratif::CanalPrefere => "canal_prefere",
        }
    }
}

/// The field-level rule of a change to a partie administrative, asked for each field whose value
/// changes, once [`autoriser`] allowed [`Action::Modifier`] on the dossier (that check holds the tie to
/// the patient; this one does not repeat it). `nir_renseigne`: whether the stored dossier has a NIR.
///
/// The patient writes every field of their own, but a NIR already set: a mistyped number would file the
/// patient under someone else's at the assurance maladie, so once set it is corrected by a linked
/// praticien or associated personnel, from the carte Vitale. They write the NIR alone (set, correct or
/// clear it): identity, contact details, médecin traitant and channel are the patient's word.
pub fn autoriser_champ(acteur: &Acteur, champ: ChampAdministratif, nir_renseigne: bool) -> Result<(), Refus> {
    match acteur {
        Acteur::Anonyme => Err(Refus::NonAuthentifie),
        Acteur::Patient { .. } => match champ {
            ChampAdministratif::Nir if nir_renseigne => Err(Refus::NirRenseigne),
            _ => Ok(()),
        },
        Acteur::Praticien { .. } | Acteur::Personnel { .. } => match champ {
            ChampAdministratif::Nir => Ok(()),
            autre => Err(Refus::ChampDuPatient { champ: autre.nom() }),
        },
        Acteur::Admin => Err(Refus::RoleNonAutorise {
            role: acteur.role(),
            ressource: "partie administrative du dossier",
        }),
    }
}

/// A patient acting on their own data only.
fn meme_patient(acteur: PatientId, proprietaire: PatientId) -> Result<(), Refus> {
    if acteur == proprietaire {
        Ok(())
    } else {
        Err(Refus::AutrePatient)
    }
}

/// A praticien acting on their own data only.
fn meme_praticien(acteur: PraticienId, proprietaire: PraticienId) -> Result<(), Refus> {
    if acteur == proprietaire {
        Ok(())
    } else {
        Err(Refus::AutrePraticien)
    }
}

/// Personnel acting for one of its praticiens only.
fn associe(siens: &[PraticienId], praticien: PraticienId) -> Result<(), Refus> {
    if siens.contains(&praticien) {
        Ok(())
    } else {
        Err(Refus::PraticienNonAssocie)
    }
}

/// A praticien reaching a patient linked to them.
fn relie(liens: &Liens<'_>, praticien: PraticienId) -> Result<(), Refus> {
    if liens.relie(praticien) {
        Ok(())
    } else {
        Err(Refus::PatientNonRelie)
    }
}

/// Personnel reaching a patient who has or had an rdv with one of its praticiens (the patientele alone
/// is not enough: DOMAIN.md says "patients of associated praticiens' rdvs").
fn rdv_associe(liens: &Liens<'_>, siens: &[PraticienId]) -> Result<(), Refus> {
    if liens.rdv.iter().any(|p| siens.contains(p)) {
        Ok(())
    } else {
        Err(Refus::PatientSansRdvAssocie)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    const PATIENT: PatientId = PatientId(Uuid::from_u128(1));
    const AUTRE_PATIENT: PatientId = PatientId(Uuid::from_u128(2));
    const PRATICIEN: PraticienId = PraticienId(Uuid::from_u128(10));
    const AUTRE_PRATICIEN: PraticienId = PraticienId(Uuid::from_u128(11));
    /// PATIENT had an rdv with PRATICIEN; AUTRE_PRATICIEN knows nothing of them.
    const LIENS: Liens<'static> = Liens {
        patientele: &[],
        rdv: &[PRATICIEN],
    };

    /// The verdict's kind, as the HTTP layer sees it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Attendu {
        Ok,
        /// 401.
        Na,
        /// 403.
        No,
    }
    use Attendu::{Na as NA, No as NO, Ok as OK};

    /// Nobody may, and the anonymous actor hears it as 401.
    const PERSONNE: [Attendu; 8] = [NA, NO, NO, NO, NO, NO, NO, NO];

    /// The table's columns, in order.
    fn acteurs() -> [Acteur; 8] {
        [
            Acteur::Anonyme,
            Acteur::Patient { id: PATIENT },
            Acteur::Patient { id: AUTRE_PATIENT },
            Acteur::Praticien { id: PRATICIEN },
            Acteur::Praticien { id: AUTRE_PRATICIEN },
            Acteur::Personnel {
                id: PersonnelId(Uuid::from_u128(20)),
                praticiens: vec![PRATICIEN],
            },
            Acteur::Personnel {
                id: PersonnelId(Uuid::from_u128(21)),
                praticiens: vec![AUTRE_PRATICIEN],
            },
            Acteur::Admin,
        ]
    }

    fn genre(verdict: Result<(), Refus>) -> Attendu {
        match verdict {
            Ok(()) => OK,
            Err(Refus::NonAuthentifie) => NA,
            Err(_) => NO,
        }
    }

    #[track_caller]
    fn check(acteur: &Acteur, action: Action, ressource: &Ressource<'_>, attendu: Attendu) {
        let verdict = autoriser(acteur, action, ressource);
        assert_eq!(
            genre(verdict),
            attendu,
            "{acteur:?} {action:?} {ressource:?}: {verdict:?}"
        );
    }

    #[track_caller]
    fn check_refus(acteur: &Acteur, action: Action, ressource: &Ressource<'_>, refus: Refus) {
        assert_eq!(
            autoriser(acteur, action, ressource),
            Err(refus),
            "{acteur:?} {action:?} {ressource:?}"
        );
    }

    /// One row of DOMAIN.md's table: the listed actions get their verdicts, every other action
    /// [`PERSONNE`].
    #[track_caller]
    fn ligne(ressource: Ressource<'_>, verdicts: &[(Action, [Attendu; 8])]) {
        for action in Action::TOUTES {
            let attendus = verdicts
                .iter()
                .find(|(a, _)| *a == action)
                .map_or(PERSONNE, |(_, v)| *v);
            for (acteur, attendu) in acteurs().iter().zip(attendus) {
                check(acteur, action, &ressource, attendu);
            }
        }
    }

    #[test]
    fn table_of_domain_and_api() {
        use Action::*;
        //                                anon patient autre  prat   autre  pers   autre  admin
        //                                     (soi)   pat.   (lié)  prat.  assoc. pers.
        let tous = [OK, OK, OK, OK, OK, OK, OK, OK];
        let admin = [NA, NO, NO, NO, NO, NO, NO, OK];
        let signes = [NA, OK, OK, OK, OK, OK, OK, OK];
        let gestion = [NA, NO, NO, OK, NO, OK, NO, OK];
        let praticien_seul = [NA, NO, NO, OK, NO, NO, NO, NO];
        let cabinet = [NA, NO, NO, OK, NO, OK, NO, NO];
        let patient_seul = [NA, OK, NO, NO, NO, NO, NO, NO];
        let parties = [NA, OK, NO, OK, NO, NO, NO, NO];
        let parties_et_cabinet = [NA, OK, NO, OK, NO, OK, NO, NO];

        ligne(Ressource::ProfilPublic, &[(Lire, tous)]);
        ligne(
            Ressource::Annuaire,
            &[
                (Lire, admin),
                (Creer, admin),
                (Modifier, admin),
                (Supprimer, admin),
            ],
        );
        ligne(Ressource::Sauvegarde, &[(Lire, admin)]);
        ligne(
            Ressource::Compte,
            &[(Lire, signes), (Creer, signes), (Modifier, signes)],
        );
        ligne(
            Ressource::GestionPraticien(PRATICIEN),
            &[
                (Lire, gestion),
                (Creer, gestion),
                (Modifier, gestion),
                (Supprimer, gestion),
            ],
        );
        ligne(
            Ressource::Reglages(PRATICIEN),
            &[(Lire, praticien_seul), (Modifier, praticien_seul)],
        );
        ligne(
            Ressource::Patientele(PRATICIEN),
            &[
                (Lire, praticien_seul),
                (Creer, praticien_seul),
                (Supprimer, praticien_seul),
            ],
        );
        ligne(Ressource::Planning(PRATICIEN), &[(Lire, cabinet)]);
        ligne(
            Ressource::DossierAdministratif {
                patient: PATIENT,
                liens: LIENS,
            },
            &[(Lire, parties_et_cabinet), (Modifier, parties_et_cabinet)],
        );
        ligne(
            Ressource::DossierMedical {
                patient: PATIENT,
                liens: LIENS,
            },
            &[(Lire, parties), (Creer, praticien_seul)],
        );
        ligne(
            Ressource::Rdv {
                patient: PATIENT,
                praticien: PRATICIEN,
            },
            &[
                (Lire, parties_et_cabinet),
                (Creer, parties_et_cabinet),
                (Modifier, parties_et_cabinet),
                (Annuler, parties_et_cabinet),
                (ChangerStatut, cabinet),
            ],
        );
        ligne(
            Ressource::Conversation {
                patient: PATIENT,
                praticien: PRATICIEN,
                liens: LIENS,
            },
            &[(Lire, parties), (Creer, parties)],
        );
        ligne(
            Ressource::ListeAttente(PATIENT),
            &[
                (Lire, patient_seul),
                (Creer, patient_seul),
                (Modifier, patient_seul),
                (Supprimer, patient_seul),
            ],
        );
        ligne(Ressource::EspacePatient(PATIENT), &[(Lire, patient_seul)]);
    }

    #[test]
    fn anonymous_gets_non_authentifie_not_interdit() {
        let anonyme = Acteur::Anonyme;
        check_refus(
            &anonyme,
            Action::Lire,
            &Ressource::Annuaire,
            Refus::NonAuthentifie,
        );
        check_refus(
            &anonyme,
            Action::Lire,
            &Ressource::DossierMedical {
                patient: PATIENT,
                liens: LIENS,
            },
            Refus::NonAuthentifie,
        );
        check_refus(
            &anonyme,
            Action::Modifier,
            &Ressource::ProfilPublic,
            Refus::NonAuthentifie,
        );
        assert_eq!(Refus::NonAuthentifie.code(), "non_authentifie");
    }

    #[test]
    fn anonymous_reads_public_profile() {
        assert_eq!(
            autoriser(&Acteur::Anonyme, Action::Lire, &Ressource::ProfilPublic),
            Ok(())
        );
    }

    #[test]
    fn public_profile_is_read_only_even_for_admin() {
        check_refus(
            &Acteur::Admin,
            Action::Modifier,
            &Ressource::ProfilPublic,
            Refus::ActionNonPermise {
                role: "admin",
                action: Action::Modifier,
                ressource: "profil public",
            },
        );
    }

    #[test]
    fn personnel_never_reads_partie_medicale() {
        // Even when the patient has an rdv with the personnel's praticien and is in its patientele.
        let personnel = Acteur::Personnel {
            id: PersonnelId(Uuid::from_u128(20)),
            praticiens: vec![PRATICIEN],
        };
        let liens = Liens {
            patientele: &[PRATICIEN],
            rdv: &[PRATICIEN],
        };
        for action in Action::TOUTES {
            check_refus(
                &personnel,
                action,
                &Ressource::DossierMedical {
                    patient: PATIENT,
                    liens,
                },
                Refus::PartieMedicale,
            );
        }
    }

    #[test]
    fn admin_never_reads_partie_medicale() {
        let dossier = Ressource::DossierMedical {
            patient: PATIENT,
            liens: LIENS,
        };
        check_refus(&Acteur::Admin, Action::Lire, &dossier, Refus::PartieMedicale);
    }

    #[test]
    fn patient_cannot_cancel_another_patients_rdv() {
        let rdv = Ressource::Rdv {
            patient: AUTRE_PATIENT,
            praticien: PRATICIEN,
        };
        check_refus(
            &Acteur::Patient { id: PATIENT },
            Action::Annuler,
            &rdv,
            Refus::AutrePatient,
        );
    }

    #[test]
    fn patient_cannot_read_another_patients_dossier() {
        let dossier = Ressource::DossierAdministratif {
            patient: AUTRE_PATIENT,
            liens: LIENS,
        };
        check_refus(
            &Acteur::Patient { id: PATIENT },
            Action::Lire,
            &dossier,
            Refus::AutrePatient,
        );
    }

    #[test]
    fn patient_never_changes_a_statut_even_on_own_rdv() {
        let rdv = Ressource::Rdv {
            patient: PATIENT,
            praticien: PRATICIEN,
        };
        check_refus(
            &Acteur::Patient { id: PATIENT },
            Action::ChangerStatut,
            &rdv,
            Refus::ActionNonPermise {
                role: "patient",
                action: Action::ChangerStatut,
                ressource: "rendez-vous",
            },
        );
    }

    #[test]
    fn patient_books_only_for_self() {
        let patient = Acteur::Patient { id: PATIENT };
        check(
            &patient,
            Action::Creer,
            &Ressource::Rdv {
                patient: PATIENT,
                praticien: AUTRE_PRATICIEN,
            },
            OK,
        );
        check_refus(
            &patient,
            Action::Creer,
            &Ressource::Rdv {
                patient: AUTRE_PATIENT,
                praticien: PRATICIEN,
            },
            Refus::AutrePatient,
        );
    }

    #[test]
    fn rdv_is_cancelled_never_deleted() {
        let rdv = Ressource::Rdv {
            patient: PATIENT,
            praticien: PRATICIEN,
        };
        for acteur in acteurs() {
            assert_ne!(autoriser(&acteur, Action::Supprimer, &rdv), Ok(()), "{acteur:?}");
        }
    }

    #[test]
    fn praticien_linked_through_patientele_alone_reads_both_parties() {
        let liens = Liens {
            patientele: &[AUTRE_PRATICIEN],
            rdv: &[],
        };
        let praticien = Acteur::Praticien { id: AUTRE_PRATICIEN };
        check(
            &praticien,
            Action::Lire,
            &Ressource::DossierAdministratif {
                patient: PATIENT,
                liens,
            },
            OK,
        );
        check(
            &praticien,
            Action::Lire,
            &Ressource::DossierMedical {
                patient: PATIENT,
                liens,
            },
            OK,
        );
        check(
            &praticien,
            Action::Creer,
            &Ressource::DossierMedical {
                patient: PATIENT,
                liens,
            },
            OK,
        );
    }

    #[test]
    fn praticien_without_link_cannot_read_dossier() {
        let praticien = Acteur::Praticien { id: AUTRE_PRATICIEN };
        for dossier in [
            Ressource::DossierAdministratif {
                patient: PATIENT,
                liens: LIENS,
            },
            Ressource::DossierMedical {
                patient: PATIENT,
                liens: LIENS,
            },
        ] {
            check_refus(&praticien, Action::Lire, &dossier, Refus::PatientNonRelie);
        }
    }

    #[test]
    fn praticien_cannot_touch_another_praticiens_rdv() {
        let rdv = Ressource::Rdv {
            patient: PATIENT,
            praticien: PRATICIEN,
        };
        check_refus(
            &Acteur::Praticien { id: AUTRE_PRATICIEN },
            Action::Lire,
            &rdv,
            Refus::AutrePraticien,
        );
    }

    #[test]
    fn personnel_modifies_a_dossier_administratif_of_its_praticiens_rdvs_only() {
        let personnel = Acteur::Personnel {
            id: PersonnelId(Uuid::from_u128(20)),
            praticiens: vec![PRATICIEN],
        };
        let dossier = Ressource::DossierAdministratif {
            patient: PATIENT,
            liens: LIENS,
        };
        check(&personnel, Action::Lire, &dossier, OK);
        check(&personnel, Action::Modifier, &dossier, OK);
        let ailleurs = Acteur::Personnel {
            id: PersonnelId(Uuid::from_u128(21)),
            praticiens: vec![AUTRE_PRATICIEN],
        };
        check_refus(
            &ailleurs,
            Action::Modifier,
            &dossier,
            Refus::PatientSansRdvAssocie,
        );
    }

    /// The field rule's verdict for each field, NIR first then every other field, as 'o' (allowed) or
    /// 'x' (refused); `nir_renseigne` says whether the stored dossier has a NIR.
    #[track_caller]
    fn check_champs(acteur: &Acteur, nir_renseigne: bool, attendu: &str) {
        let vu: String = ChampAdministratif::TOUS
            .iter()
            .map(|&champ| match autoriser_champ(acteur, champ, nir_renseigne) {
                Ok(()) => 'o',
                Err(_) => 'x',
            })
            .collect();
        assert_eq!(vu, attendu, "{acteur:?}, NIR renseigné : {nir_renseigne}");
    }

    #[test]
    fn field_rules_of_a_dossier_administratif_change() {
        let patient = Acteur::Patient { id: PATIENT };
        let praticien = Acteur::Praticien { id: PRATICIEN };
        let personnel = Acteur::Personnel {
            id: PersonnelId(Uuid::from_u128(20)),
            praticiens: vec![PRATICIEN],
        };
        //                              nir, then nom … canal_prefere
        check_champs(&patient, false, "ooooooooo");
        check_champs(&patient, true, "xoooooooo");
        for cabinet in [&praticien, &personnel] {
            check_champs(cabinet, false, "oxxxxxxxx");
            check_champs(cabinet, true, "oxxxxxxxx");
        }
        check_champs(&Acteur::Admin, false, "xxxxxxxxx");
        assert_eq!(
            autoriser_champ(&Acteur::Anonyme, ChampAdministratif::Nom, false),
            Err(Refus::NonAuthentifie)
        );
    }

    #[test]
    fn protected_fields_are_refused_with_champ_protege_naming_the_field() {
        let refus =
            autoriser_champ(&Acteur::Patient { id: PATIENT }, ChampAdministratif::Nir, true).unwrap_err();
        assert_eq!(refus, Refus::NirRenseigne);
        assert_eq!(refus.code(), "champ_protege");
        assert!(refus.to_string().contains("nir"), "{refus}");
        let refus = autoriser_champ(
            &Acteur::Praticien { id: PRATICIEN },
            ChampAdministratif::DateNaissance,
            false,
        )
        .unwrap_err();
        assert_eq!(
            refus,
            Refus::ChampDuPatient {
                champ: "date_naissance"
            }
        );
        assert_eq!(refus.code(), "champ_protege");
        assert!(refus.to_string().contains("date_naissance"), "{refus}");
    }

    #[test]
    fn personnel_sees_dossier_only_through_its_praticiens_rdvs() {
        let personnel = Acteur::Personnel {
            id: PersonnelId(Uuid::from_u128(20)),
            praticiens: vec![PRATICIEN],
        };
        // In the associated praticien's patientele, but no rdv with them: not enough.
        let liens = Liens {
            patientele: &[PRATICIEN],
            rdv: &[AUTRE_PRATICIEN],
        };
        check_refus(
            &personnel,
            Action::Lire,
            &Ressource::DossierAdministratif {
                patient: PATIENT,
                liens,
            },
            Refus::PatientSansRdvAssocie,
        );
    }

    #[test]
    fn personnel_manages_rdvs_of_associated_praticiens_only() {
        let personnel = Acteur::Personnel {
            id: PersonnelId(Uuid::from_u128(20)),
            praticiens: vec![AUTRE_PRATICIEN, PRATICIEN],
        };
        let sien = Ressource::Rdv {
            patient: PATIENT,
            praticien: PRATICIEN,
        };
        for action in [
            Action::Lire,
            Action::Creer,
            Action::Modifier,
            Action::Annuler,
            Action::ChangerStatut,
        ] {
            check(&personnel, action, &sien, OK);
        }
        let ailleurs = Ressource::Rdv {
            patient: PATIENT,
            praticien: PraticienId(Uuid::from_u128(12)),
        };
        check_refus(&personnel, Action::Annuler, &ailleurs, Refus::PraticienNonAssocie);
        let sans_praticien = Acteur::Personnel {
            id: PersonnelId(Uuid::from_u128(22)),
            praticiens: vec![],
        };
        check_refus(&sans_praticien, Action::Lire, &sien, Refus::PraticienNonAssocie);
    }

    #[test]
    fn admin_manages_directory_and_horaires_but_sees_no_rdv() {
        let admin = Acteur::Admin;
        check(&admin, Action::Creer, &Ressource::Annuaire, OK);
        check(
            &admin,
            Action::Modifier,
            &Ressource::GestionPraticien(AUTRE_PRATICIEN),
            OK,
        );
        check_refus(
            &admin,
            Action::Lire,
            &Ressource::Rdv {
                patient: PATIENT,
                praticien: PRATICIEN,
            },
            Refus::RoleNonAutorise {
                role: "admin",
                ressource: "rendez-vous",
            },
        );
        check_refus(
            &admin,
            Action::Lire,
            &Ressource::Planning(PRATICIEN),
            Refus::RoleNonAutorise {
                role: "admin",
                ressource: "planning",
            },
        );
    }

    #[test]
    fn only_admin_administers_the_directory() {
        check_refus(
            &Acteur::Praticien { id: PRATICIEN },
            Action::Creer,
            &Ressource::Annuaire,
            Refus::RoleNonAutorise {
                role: "praticien",
                ressource: "annuaire",
            },
        );
    }

    #[test]
    fn reglages_and_patientele_belong_to_their_praticien_alone() {
        let personnel = Acteur::Personnel {
            id: PersonnelId(Uuid::from_u128(20)),
            praticiens: vec![PRATICIEN],
        };
        check_refus(
            &personnel,
            Action::Lire,
            &Ressource::Reglages(PRATICIEN),
            Refus::RoleNonAutorise {
                role: "personnel",
                ressource: "réglages",
            },
        );
        check_refus(
            &Acteur::Praticien { id: AUTRE_PRATICIEN },
            Action::Lire,
            &Ressource::Patientele(PRATICIEN),
            Refus::AutrePraticien,
        );
    }

    #[test]
    fn opening_a_conversation_needs_a_link_reading_one_does_not() {
        let sans_lien = Ressource::Conversation {
            patient: PATIENT,
            praticien: PRATICIEN,
            liens: Liens::default(),
        };
        for partie in [
            Acteur::Patient { id: PATIENT },
            Acteur::Praticien { id: PRATICIEN },
        ] {
            check_refus(&partie, Action::Creer, &sans_lien, Refus::PatientNonRelie);
            check(&partie, Action::Lire, &sans_lien, OK);
        }
    }

    #[test]
    fn nobody_else_reads_a_conversation() {
        let conversation = Ressource::Conversation {
            patient: PATIENT,
            praticien: PRATICIEN,
            liens: LIENS,
        };
        check_refus(
            &Acteur::Patient { id: AUTRE_PATIENT },
            Action::Lire,
            &conversation,
            Refus::AutrePatient,
        );
        check_refus(
            &Acteur::Personnel {
                id: PersonnelId(Uuid::from_u128(20)),
                praticiens: vec![PRATICIEN],
            },
            Action::Lire,
            &conversation,
            Refus::RoleNonAutorise {
                role: "personnel",
                ressource: "conversation",
            },
        );
    }

    #[test]
    fn refusals_have_codes_and_french_messages() {
        assert_eq!(Refus::PartieMedicale.code(), "acces_refuse");
        assert_eq!(Refus::AutrePatient.code(), "acces_refuse");
        let refus = Refus::ActionNonPermise {
            role: "patient",
            action: Action::ChangerStatut,
            ressource: "rendez-vous",
        };
        assert_eq!(refus.code(), "acces_refuse");
        assert_eq!(
            refus.to_string(),
            "accès refusé : changement de statut impossible sur « rendez-vous » pour le rôle patient"
        );
    }

    #[test]
    fn acteur_json_matches_me_shape() {
        let patient = Acteur::Patient { id: PATIENT };
        assert_eq!(
            serde_json::to_value(&patient).unwrap(),
            serde_json::json!({ "role": "patient", "patient_id": PATIENT.0.to_string() })
        );
        let personnel = Acteur::Personnel {
            id: PersonnelId(Uuid::from_u128(20)),
            praticiens: vec![PRATICIEN],
        };
        let json = serde_json::to_string(&personnel).unwrap();
        assert_eq!(serde_json::from_str::<Acteur>(&json).unwrap(), personnel);
        assert_eq!(
            serde_json::to_value(Acteur::Admin).unwrap(),
            serde_json::json!({ "role": "admin" })
        );
        assert_eq!(
            serde_json::to_value(Action::ChangerStatut).unwrap(),
            "changer_statut"
        );
    }

    /// Every kind of resource, about `patient` and `praticien`; [`toutes_couvertes`] fails to compile
    /// when a kind is added and not listed here.
    fn toutes<'a>(patient: PatientId, praticien: PraticienId, liens: Liens<'a>) -> [Ressource<'a>; 14] {
        [
            Ressource::ProfilPublic,
            Ressource::Annuaire,
            Ressource::Sauvegarde,
            Ressource::Compte,
            Ressource::GestionPraticien(praticien),
            Ressource::Reglages(praticien),
            Ressource::Patientele(praticien),
            Ressource::Planning(praticien),
            Ressource::DossierAdministratif { patient, liens },
            Ressource::DossierMedical { patient, liens },
            Ressource::Rdv { patient, praticien },
            Ressource::Conversation {
                patient,
                praticien,
                liens,
            },
            Ressource::ListeAttente(patient),
            Ressource::EspacePatient(patient),
        ]
    }

    #[expect(dead_code, reason = "a compile-time guard, never called")]
    fn toutes_couvertes(ressource: &Ressource<'_>) {
        match ressource {
            Ressource::ProfilPublic
            | Ressource::Annuaire
            | Ressource::Sauvegarde
            | Ressource::Compte
            | Ressource::GestionPraticien(_)
            | Ressource::Reglages(_)
            | Ressource::Patientele(_)
            | Ressource::Planning(_)
            | Ressource::DossierAdministratif { .. }
            | Ressource::DossierMedical { .. }
            | Ressource::Rdv { .. }
            | Ressource::Conversation { .. }
            | Ressource::ListeAttente(_)
            | Ressource::EspacePatient(_) => {}
        }
    }

    // A small id space, so that actors and owners often coincide.
    fn uuid() -> impl Strategy<Value = Uuid> {
        (0u128..4).prop_map(Uuid::from_u128)
    }

    fn praticien_id() -> impl Strategy<Value = PraticienId> {
        uuid().prop_map(PraticienId)
    }

    fn acteur_signe() -> impl Strategy<Value = Acteur> {
        prop_oneof![
            uuid().prop_map(|u| Acteur::Patient { id: PatientId(u) }),
            praticien_id().prop_map(|id| Acteur::Praticien { id }),
            (uuid(), prop::collection::vec(praticien_id(), 0..3)).prop_map(|(u, praticiens)| {
                Acteur::Personnel {
                    id: PersonnelId(u),
                    praticiens,
                }
            }),
            Just(Acteur::Admin),
        ]
    }

    /// What a resource is built from: its kind's index in [`toutes`], its owners and the patient's ties.
    fn monde() -> impl Strategy<Value = (usize, PatientId, PraticienId, Vec<PraticienId>, Vec<PraticienId>)> {
        (
            0usize..14,
            uuid().prop_map(PatientId),
            praticien_id(),
            prop::collection::vec(praticien_id(), 0..3),
            prop::collection::vec(praticien_id(), 0..3),
        )
    }

    fn action() -> impl Strategy<Value = Action> {
        prop::sample::select(Action::TOUTES.to_vec())
    }

    proptest! {
        #[test]
        fn anonymous_is_non_authentifie_on_every_non_public_resource(
            (choix, patient, praticien, patientele, rdv) in monde(),
            action in action(),
        ) {
            let ressource = toutes(patient, praticien, Liens { patientele: &patientele, rdv: &rdv })[choix];
            let attendu = if ressource.publique(action) { Ok(()) } else { Err(Refus::NonAuthentifie) };
            prop_assert_eq!(autoriser(&Acteur::Anonyme, action, &ressource), attendu);
        }

        #[test]
        fn signed_in_actor_is_never_non_authentifie(
            acteur in acteur_signe(),
            (choix, patient, praticien, patientele, rdv) in monde(),
            action in action(),
        ) {
            let ressource = toutes(patient, praticien, Liens { patientele: &patientele, rdv: &rdv })[choix];
            prop_assert_ne!(autoriser(&acteur, action, &ressource), Err(Refus::NonAuthentifie));
        }

        #[test]
        fn personnel_and_admin_never_reach_partie_medicale(
            acteur in acteur_signe().prop_filter("personnel or admin", |a| {
                matches!(a, Acteur::Personnel { .. } | Acteur::Admin)
            }),
            (_, patient, _, patientele, rdv) in monde(),
            action in action(),
        ) {
            let dossier = Ressource::DossierMedical { patient, liens: Liens { patientele: &patientele, rdv: &rdv } };
            prop_assert_eq!(autoriser(&acteur, action, &dossier), Err(Refus::PartieMedicale));
        }
    }
}
