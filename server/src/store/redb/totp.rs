//! The TOTP second factor of each account ([`TOTP`]) and the sign-in policy of structures
//! ([`SECURITE_STRUCTURES`]).
//!
//! The store keeps the secret and the last accepted time step; computing and comparing codes is the
//! caller's (`auth::totp`). What must be atomic is here: a step is accepted only if it is after the
//! last accepted one, and becomes it, in one write transaction, so one code cannot open two sign-ins.
//! [`SECURITE_STRUCTURES`] holds only structures that require a second factor, so the check every
//! session of a praticien or personnel makes usually stops at that table being empty.

use chrono::{DateTime, Utc};
use domain::ids::StructureId;
use redb::{ReadableTable as _, ReadableTableMetadata as _};

use super::RedbStore;
use super::lecture::lire;
use crate::modele::{CompteId, Role};
use crate::store::records::{Record, SecuriteStructureV1, TotpV1, millis};
use crate::store::tables::{PERSONNELS, PRATICIENS, SECURITE_STRUCTURES, STRUCTURES, TOTP};
use crate::store::{SecondFacteur, StoreError};

impl RedbStore {
    /// The account's factor, pending or active.
    pub(super) fn lire_second_facteur(&self, compte: CompteId) -> Result<Option<SecondFacteur>, StoreError> {
        self.lire(|txn| {
            lire(&txn.open_table(TOTP)?, compte.0.as_u128())?
                .map(SecondFacteur::try_from)
                .transpose()
        })
    }

    /// A pending factor with `secret`, replacing a pending one; refused over an active one.
    pub(super) fn ecrire_second_facteur_en_attente(
        &self,
        compte: CompteId,
        secret: [u8; 20],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = compte.0.as_u128();
        let record = Record::encoder(&TotpV1 {
            secret,
            actif: false,
            dernier_pas: 0,
            cree_le: millis(now),
        })?;
        self.ecrire(|txn| {
            let mut table = txn.open_table(TOTP)?;
            if lire(&table, id)?.is_some_and(|f| f.actif) {
                return Err(StoreError::Conflit("totp_deja_actif"));
            }
            table.insert(id, &record)?;
            Ok(())
        })
    }

    /// The pending factor holding `secret` becomes active, `pas` its last accepted step.
    pub(super) fn activer_totp(
        &self,
        compte: CompteId,
        secret: [u8; 20],
        pas: u64,
    ) -> Result<(), StoreError> {
        let id = compte.0.as_u128();
        self.ecrire(|txn| {
            let mut table = txn.open_table(TOTP)?;
            let mut facteur = lire(&table, id)?.ok_or(StoreError::Conflit("totp_non_demande"))?;
            if facteur.actif {
                return Err(StoreError::Conflit("totp_deja_actif"));
            }
            if facteur.secret != secret {
                return Err(StoreError::Conflit("totp_remplace"));
            }
            facteur.actif = true;
            facteur.dernier_pas = pas;
            table.insert(id, Record::encoder(&facteur)?)?;
            Ok(())
        })
    }

    /// Accepts `pas` once for the active factor; with `retirer`, removes the factor instead of
    /// recording the step.
    pub(super) fn consommer_pas_totp(
        &self,
        compte: CompteId,
        pas: u64,
        retirer: bool,
    ) -> Result<bool, StoreError> {
        let id = compte.0.as_u128();
        self.ecrire(|txn| {
            let mut table = txn.open_table(TOTP)?;
            let Some(mut facteur) = lire(&table, id)? else {
                return Ok(false);
            };
            if !facteur.actif || pas <= facteur.dernier_pas {
                return Ok(false);
            }
            if retirer {
                table.remove(id)?;
            } else {
                facteur.dernier_pas = pas;
                table.insert(id, Record::encoder(&facteur)?)?;
            }
            Ok(true)
        })
    }

    /// Records the structure's policy: a structure that no longer requires anything has no record.
    pub(super) fn ecrire_securite_structure(
        &self,
        structure: StructureId,
        totp_obligatoire: bool,
        par: CompteId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = structure.0.as_u128();
        let record = Record::encoder(&SecuriteStructureV1 {
            totp_obligatoire,
            modifie_le: millis(now),
            modifie_par: par.0.as_u128(),
        })?;
        self.ecrire(|txn| {
            if txn.open_table(STRUCTURES)?.get(id)?.is_none() {
                return Err(StoreError::Introuvable("structure"));
            }
            let mut table = txn.open_table(SECURITE_STRUCTURES)?;
            if totp_obligatoire {
                table.insert(id, &record)?;
            } else {
                table.remove(id)?;
            }
            Ok(())
        })
    }

    /// Whether a praticien or personnel of a structure requiring a second factor has none active.
    pub(super) fn lire_totp_manquant(&self, compte: CompteId, role: Role) -> Result<bool, StoreError> {
        if matches!(role, Role::Patient(_) | Role::Admin) {
            return Ok(false);
        }
        self.lire(|txn| {
            let securite = txn.open_table(SECURITE_STRUCTURES)?;
            if securite.is_empty()? {
                return Ok(false);
            }
            if lire(&txn.open_table(TOTP)?, compte.0.as_u128())?.is_some_and(|f| f.actif) {
                return Ok(false);
            }
            let structures: Vec<u128> = match role {
                Role::Praticien(p) => lire(&txn.open_table(PRATICIENS)?, p.0.as_u128())?
                    .map(|p| p.structures)
                    .unwrap_or_default(),
                Role::Personnel(p) => lire(&txn.open_table(PERSONNELS)?, p.0.as_u128())?
                    .map(|p| vec![p.structure])
                    .unwrap_or_default(),
                Role::Patient(_) | Role::Admin => Vec::new(),
            };
            for s in structures {
                if lire(&securite, s)?.is_some_and(|r| r.totp_obligatoire) {
                    return Ok(true);
                }
            }
            Ok(false)
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use domain::horaires::Horaires;
    use domain::identifiants::{Email, Rpps, Telephone};
    use domain::ids::{PatientId, PersonnelId, PraticienId};
    use domain::reglages::Reglages;
    use domain::specialite::Specialite;
    use domain::temps::Fuseau;
    use uuid::Uuid;

    use super::*;
    use crate::modele::{Compte, Personnel, Praticien, Structure, TypeStructure};
    use crate::store::Stockage;

    fn structure(store: &RedbStore) -> StructureId {
        let s = Structure {
            id: StructureId(Uuid::now_v7()),
            nom: "Maison médicale Stanislas".to_owned(),
            type_structure: TypeStructure::MaisonMedicale,
            adresse: "1 rue de la Paix".to_owned(),
            code_postal: "54000".to_owned(),
            ville: "Nancy".to_owned(),
            telephone: Telephone::parse("03 83 00 00 00").unwrap(),
            fuseau: Fuseau::PARIS,
        };
        store.creer_structure(&s).unwrap();
        s.id
    }

    fn compte(email: &str, role: Role) -> Compte {
        Compte {
            id: CompteId(Uuid::now_v7()),
            email: Email::parse(email).unwrap(),
            mot_de_passe_hash: "$argon2id$v=19$factice".to_owned(),
            role,
            cree_le: Utc::now(),
        }
    }

    /// A praticien of `structures`, with its account.
    fn praticien(store: &RedbStore, structures: Vec<StructureId>) -> Compte {
        let n = Uuid::now_v7().as_u128() % 1_000_000;
        let rpps = (0..10)
            .find_map(|cle| Rpps::parse(&format!("100{n:07}{cle}")).ok())
            .unwrap();
        let email = format!("praticien{n}@exemple.fr");
        let p = Praticien {
            id: PraticienId(Uuid::now_v7()),
            rpps,
            nom: "Martin".to_owned(),
            prenom: "Claire".to_owned(),
            titre: None,
            email: Email::parse(&email).unwrap(),
            specialites: vec![Specialite::MEDECINE_GENERALE],
            structures,
            honoraires: Vec::new(),
            motifs: Vec::new(),
            durees: Vec::new(),
            moyens_paiement: Vec::new(),
            nouveaux_patients: true,
            horaires: Horaires::default(),
            reglages: Reglages::default(),
        };
        let c = compte(&email, Role::Praticien(p.id));
        store.creer_praticien(&c, &p).unwrap();
        c
    }

    fn store() -> (tempfile::TempDir, RedbStore) {
        let dossier = tempfile::tempdir().unwrap();
        let store = RedbStore::open(dossier.path()).unwrap();
        (dossier, store)
    }

    #[test]
    fn a_pending_totp_is_replaced_activated_with_its_own_secret_only_then_kept() {
        let (dossier, store) = store();
        let id = CompteId(Uuid::now_v7());
        let now = Utc::now();
        assert!(store.second_facteur(id).unwrap().is_none());
        assert!(matches!(
            store.activer_second_facteur(id, [1; 20], 10),
            Err(StoreError::Conflit("totp_non_demande"))
        ));
        store.preparer_second_facteur(id, [1; 20], now).unwrap();
        store.preparer_second_facteur(id, [2; 20], now).unwrap();
        // A code checked against the replaced secret does not activate the new one.
        assert!(matches!(
            store.activer_second_facteur(id, [1; 20], 10),
            Err(StoreError::Conflit("totp_remplace"))
        ));
        assert!(!store.second_facteur(id).unwrap().unwrap().actif);
        store.activer_second_facteur(id, [2; 20], 10).unwrap();
        assert!(matches!(
            store.preparer_second_facteur(id, [3; 20], now),
            Err(StoreError::Conflit("totp_deja_actif"))
        ));
        assert!(matches!(
            store.activer_second_facteur(id, [2; 20], 11),
            Err(StoreError::Conflit("totp_deja_actif"))
        ));
        drop(store);
        let store = RedbStore::open(dossier.path()).unwrap();
        let facteur = store.second_facteur(id).unwrap().unwrap();
        assert!(facteur.actif);
        assert_eq!(facteur.secret, [2; 20]);
        assert_eq!(facteur.dernier_pas, 10);
        assert!(!format!("{facteur:?}").contains("[2, 2"), "{facteur:?}");
    }

    #[test]
    fn a_totp_step_is_accepted_once_and_only_after_the_last_one() {
        let (_dossier, store) = store();
        let id = CompteId(Uuid::now_v7());
        // Nothing, or only pending: no step is accepted.
        assert!(!store.accepter_pas_totp(id, 5).unwrap());
        store.preparer_second_facteur(id, [1; 20], Utc::now()).unwrap();
        assert!(!store.accepter_pas_totp(id, 5).unwrap());
        store.activer_second_facteur(id, [1; 20], 10).unwrap();
        assert!(!store.accepter_pas_totp(id, 10).unwrap(), "the activation's step");
        assert!(!store.accepter_pas_totp(id, 9).unwrap());
        assert!(store.accepter_pas_totp(id, 11).unwrap());
        assert!(!store.accepter_pas_totp(id, 11).unwrap(), "replay");
        // Removal takes a fresh step too.
        assert!(!store.retirer_second_facteur(id, 11).unwrap());
        assert!(store.second_facteur(id).unwrap().is_some());
        assert!(store.retirer_second_facteur(id, 12).unwrap());
        assert!(store.second_facteur(id).unwrap().is_none());
    }

    #[test]
    fn totp_is_missing_only_for_staff_of_a_structure_requiring_it_without_an_active_factor() {
        let (_dossier, store) = store();
        let (exigeante, libre) = (structure(&store), structure(&store));
        let admin = CompteId(Uuid::now_v7());
        let p = praticien(&store, vec![libre, exigeante]);
        let ailleurs = praticien(&store, vec![libre]);
        let personnel = Personnel {
            id: PersonnelId(Uuid::now_v7()),
            nom: "Thiébaut".to_owned(),
            prenom: "Valérie".to_owned(),
            email: Email::parse("secretariat@exemple.fr").unwrap(),
            structure_id: exigeante,
            praticiens: Vec::new(),
        };
        let c_personnel = compte("secretariat@exemple.fr", Role::Personnel(personnel.id));
        store.creer_personnel(&c_personnel, &personnel).unwrap();
        let patient = Role::Patient(PatientId(Uuid::now_v7()));
        let manquant = |c: &Compte| store.totp_manquant(c.id, c.role).unwrap();

        assert!(!manquant(&p) && !manquant(&c_personnel));
        store
            .modifier_securite_structure(exigeante, true, admin, Utc::now())
            .unwrap();
        assert!(manquant(&p));
        assert!(manquant(&c_personnel));
        assert!(!manquant(&ailleurs));
        assert!(!store.totp_manquant(CompteId(Uuid::now_v7()), patient).unwrap());
        assert!(!store.totp_manquant(admin, Role::Admin).unwrap());

        // A pending factor is not enough; an active one is.
        store.preparer_second_facteur(p.id, [1; 20], Utc::now()).unwrap();
        assert!(manquant(&p));
        store.activer_second_facteur(p.id, [1; 20], 1).unwrap();
        assert!(!manquant(&p));

        // Turned off: the record goes, nobody is held.
        store
            .modifier_securite_structure(exigeante, false, admin, Utc::now())
            .unwrap();
        assert!(!manquant(&c_personnel));
        assert!(matches!(
            store.modifier_securite_structure(StructureId(Uuid::now_v7()), true, admin, Utc::now()),
            Err(StoreError::Introuvable("structure"))
        ));
    }
}
