//! The group commit ([`super::super::groupe`]) on a real file behind a disk the test controls: a
//! commit can be held inside its sync, so that writers queue behind it and form the next batch, and
//! the disk can be made to fail from a given sync on.

use std::io;
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use redb::backends::FileBackend;
use redb::{BackendError, StorageBackend};

use super::fixtures::{Monde, compte, demande, lundi, now, patient, praticien, structure};
use super::*;
use crate::modele::{Patient, Role};

/// What the test tells the disk.
#[derive(Debug, Default)]
struct Controle {
    /// Syncs wait while this is set.
    retenir: Mutex<bool>,
    relache: Condvar,
    /// Syncs waiting (held) right now.
    retenus: AtomicU64,
    /// Syncs completed.
    syncs: AtomicU64,
    /// Writes and syncs fail once `syncs` reaches this.
    panne_apres: AtomicU64,
    /// Whether `panne_apres` applies.
    panne: AtomicBool,
}

impl Controle {
    fn en_panne(&self) -> bool {
        self.panne.load(Ordering::SeqCst)
            && self.syncs.load(Ordering::SeqCst) >= self.panne_apres.load(Ordering::SeqCst)
    }

    fn retenir(&self, oui: bool) {
        *self.retenir.lock().unwrap() = oui;
        self.relache.notify_all();
    }

    /// Waits until a sync is held.
    fn attendre_un_sync_retenu(&self) {
        attendre(
            || self.retenus.load(Ordering::SeqCst) >= 1,
            "un commit retenu dans son sync",
        );
    }

    /// Writes and syncs fail once the sync now held has completed.
    fn panne_apres_le_sync_retenu(&self) {
        self.panne_apres
            .store(self.syncs.load(Ordering::SeqCst) + 1, Ordering::SeqCst);
        self.panne.store(true, Ordering::SeqCst);
    }
}

/// The store's file, through a [`Controle`].
#[derive(Debug)]
struct Disque {
    fichier: FileBackend,
    controle: Arc<Controle>,
}

fn panne() -> io::Error {
    io::Error::other("disque en panne (test)")
}

impl StorageBackend for Disque {
    fn len(&self) -> Result<u64, io::Error> {
        self.fichier.len()
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), io::Error> {
        self.fichier.read(offset, out)
    }
    fn set_len(&self, len: u64) -> Result<(), io::Error> {
        self.fichier.set_len(len)
    }
    fn sync_data(&self) -> Result<(), io::Error> {
        let mut retenu = self.controle.retenir.lock().unwrap();
        if *retenu {
            self.controle.retenus.fetch_add(1, Ordering::SeqCst);
            while *retenu {
                retenu = self.controle.relache.wait(retenu).unwrap();
            }
            self.controle.retenus.fetch_sub(1, Ordering::SeqCst);
        }
        drop(retenu);
        if self.controle.en_panne() {
            return Err(panne());
        }
        self.fichier.sync_data()?;
        self.controle.syncs.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn write(&self, offset: u64, data: &[u8]) -> Result<(), io::Error> {
        if self.controle.en_panne() {
            return Err(panne());
        }
        self.fichier.write(offset, data)
    }
    fn close(&self) -> Result<(), io::Error> {
        self.fichier.close()
    }
    fn try_lock_range(&self, debut: Bound<u64>, fin: Bound<u64>) -> Result<bool, BackendError> {
        self.fichier.try_lock_range(debut, fin)
    }
    fn try_lock_shared_range(&self, debut: Bound<u64>, fin: Bound<u64>) -> Result<bool, BackendError> {
        self.fichier.try_lock_shared_range(debut, fin)
    }
    fn lock_range(&self, debut: Bound<u64>, fin: Bound<u64>) -> Result<(), BackendError> {
        self.fichier.lock_range(debut, fin)
    }
    fn lock_shared_range(&self, debut: Bound<u64>, fin: Bound<u64>) -> Result<(), BackendError> {
        self.fichier.lock_shared_range(debut, fin)
    }
    fn unlock_range(&self, debut: Bound<u64>, fin: Bound<u64>) -> Result<(), BackendError> {
        self.fichier.unlock_range(debut, fin)
    }
    fn query_lock_range(&self, debut: Bound<u64>, fin: Bound<u64>) -> Result<bool, BackendError> {
        self.fichier.query_lock_range(debut, fin)
    }
}

/// Polls `condition` for up to 10 s.
fn attendre(condition: impl Fn() -> bool, quoi: &str) {
    for _ in 0..10_000 {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("toujours pas : {quoi}");
}

/// The fixture's world on a controlled disk, with `n` more patients (index 2 on).
fn monde(n: usize) -> (Monde, Arc<Controle>) {
    let dossier = tempfile::tempdir().unwrap();
    let fichier = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dossier.path().join(FICHIER))
        .unwrap();
    let controle = Arc::new(Controle::default());
    let disque = Disque {
        fichier: FileBackend::new(fichier).unwrap(),
        controle: Arc::clone(&controle),
    };
    let db = redb::Builder::new().create_with_backend(disque).unwrap();
    let m = Monde::peupler(dossier, RedbStore::depuis(db).unwrap());
    for i in 0..n {
        let (p, c) = inscrit(&format!("Groupe{i}"));
        m.store.creer_patient(&c, &p).unwrap();
    }
    (m, controle)
}

fn inscrit(nom: &str) -> (Patient, crate::modele::Compte) {
    let p = patient(nom);
    let c = compte(p.email.as_str(), Role::Patient(p.id));
    (p, c)
}

/// A booking of the fixture's praticien by the extra patient `nom` of [`monde`], at `debut`.
fn demande_de(m: &Monde, nom: &str, debut: DateTime<Utc>) -> NouvelleReservation {
    let compte = m.store.compte_par_email(&patient(nom).email).unwrap().unwrap();
    let Role::Patient(id) = compte.role else {
        panic!("{nom} n'est pas un patient");
    };
    demande(m.praticien.id, id, compte.id, debut)
}

/// One writer's work, run on its own thread.
type Ecriture<'a, R> = Box<dyn FnOnce() -> R + Send + 'a>;

/// Holds a commit in its sync (a structure created by another thread), then runs `ecritures` on one
/// thread each, waits until all of them queue behind that commit, runs `pendant`, releases the
/// commit, and returns each writer's result: the writers formed one batch.
fn un_lot<R: Send>(
    m: &Monde,
    controle: &Controle,
    ecritures: Vec<Ecriture<'_, R>>,
    pendant: impl FnOnce(),
) -> Vec<R> {
    let n = ecritures.len();
    controle.retenir(true);
    std::thread::scope(|s| {
        let tenu = s.spawn(|| {
            m.store
                .creer_structure(&structure("Cabinet du lot", "Nancy"))
                .unwrap()
        });
        controle.attendre_un_sync_retenu();
        let fils: Vec<_> = ecritures.into_iter().map(|e| s.spawn(e)).collect();
        attendre(|| m.store.groupe.en_attente() == n, "les écrivains en file");
        pendant();
        controle.retenir(false);
        tenu.join().unwrap();
        fils.into_iter().map(|f| f.join().unwrap()).collect()
    })
}

fn quart_d_heure(i: usize) -> DateTime<Utc> {
    lundi() + chrono::Duration::minutes(30 * i as i64)
}

/// One booking for each of the first `n` extra patients of [`monde`], patient `i` at [`quart_d_heure`]`(i)`.
fn en_quarts_d_heure(m: &Monde, n: usize) -> Vec<NouvelleReservation> {
    (0..n)
        .map(|i| demande_de(m, &format!("Groupe{i}"), quart_d_heure(i)))
        .collect()
}

#[test]
fn writers_arriving_during_a_commit_share_the_next_one() {
    let (m, controle) = monde(8);
    let demandes = en_quarts_d_heure(&m, 8);
    let avant = m.store.statistiques_ecritures();
    let ecritures = demandes
        .iter()
        .map(|d| Box::new(|| m.store.reserver(d, now())) as Ecriture<'_, _>)
        .collect();
    let resultats = un_lot(&m, &controle, ecritures, || {});
    assert!(
        resultats.iter().all(|r| matches!(r, Ok(Reserve::Nouveau(_)))),
        "{resultats:?}"
    );
    let apres = m.store.statistiques_ecritures();
    // The held commit, then the eight bookings in one.
    assert_eq!(apres.lots - avant.lots, 2, "{apres:?}");
    assert_eq!(apres.ecritures - avant.ecritures, 9, "{apres:?}");
    assert_eq!(apres.lot_max, 8, "{apres:?}");
    assert_eq!(m.nb_rdvs(), 8);
}

#[test]
fn a_batch_whose_commit_fails_answers_every_writer_with_an_error_and_stores_nothing() {
    let (m, controle) = monde(8);
    let demandes = en_quarts_d_heure(&m, 8);
    let ecritures = demandes
        .iter()
        .map(|d| Box::new(|| m.store.reserver(d, now())) as Ecriture<'_, _>)
        .collect();
    // The disk fails once the held commit (the structure's) is on it: the next batch cannot commit.
    let resultats = un_lot(&m, &controle, ecritures, || controle.panne_apres_le_sync_retenu());
    for r in &resultats {
        assert!(matches!(r, Err(StoreError::Interne(_))), "{r:?}");
    }
    let stats = m.store.statistiques_ecritures();
    assert_eq!(stats.lots_echoues, 1, "the eight were one batch: {stats:?}");
    // Nothing of the batch is seen, by this process or after a restart.
    assert_eq!(m.nb_rdvs(), 0);
    let Monde { dossier, store, .. } = m;
    drop(store);
    let rouvert = RedbStore::open(dossier.path()).unwrap();
    let txn = rouvert.db.begin_read().unwrap();
    assert_eq!(txn.open_table(RDVS).unwrap().len().unwrap(), 0);
    let structures = rouvert.structures(Some("Nancy"), 10).unwrap();
    assert_eq!(structures.len(), 1, "the held commit itself is durable");
}

#[test]
fn a_refusal_inside_a_batch_keeps_nothing_of_it_and_everything_of_the_others() {
    // Writers run in the order they take the lock: three rounds make it all but certain that the
    // refusal meets earlier writers of its batch at least once (it is first one time in five).
    for tour in 0..3 {
        let (mut m, controle) = monde(4);
        let mut demandes = en_quarts_d_heure(&m, 4);
        // The fourth patient wants the first one's créneau: exactly one of them gets it.
        demandes[3].reservation.debut = quart_d_heure(0);
        // A praticien at an unknown structure: its account is written, then the structure refused.
        let inconnue = structure("Cabinet qui n'existe pas", "Nulle-part");
        let refuse = praticien("Refus", "Rémi", 900 + tour, inconnue.id);
        let compte_refuse = compte("remi.refus@exemple.fr", Role::Praticien(refuse.id));
        let mut ecritures: Vec<Ecriture<'_, Result<Option<Rdv>, StoreError>>> = demandes
            .iter()
            .map(|d| Box::new(|| m.store.reserver(d, now()).map(|r| Some(nouveau(Ok(r))))) as Ecriture<'_, _>)
            .collect();
        ecritures.push(Box::new(|| {
            m.store.creer_praticien(&compte_refuse, &refuse).map(|()| None)
        }));
        let resultats = un_lot(&m, &controle, ecritures, || {});

        assert!(
            matches!(resultats[4], Err(StoreError::Introuvable("structure"))),
            "{:?}",
            resultats[4]
        );
        assert_eq!(
            m.store.compte_par_email(&compte_refuse.email).unwrap(),
            None,
            "tour {tour}"
        );
        assert!(resultats[1].is_ok() && resultats[2].is_ok(), "{resultats:?}");
        let premier = [&resultats[0], &resultats[3]];
        assert_eq!(premier.iter().filter(|r| r.is_ok()).count(), 1, "{resultats:?}");
        for r in premier.iter().filter(|r| r.is_err()) {
            assert_eq!(code(r.as_ref().unwrap_err()), "creneau_indisponible");
        }
        // Every booking answered Ok is stored, once; nothing else is.
        let gagnes: Vec<Rdv> = resultats
            .iter()
            .filter_map(|r| r.as_ref().ok().cloned().flatten())
            .collect();
        assert_eq!(gagnes.len(), 3);
        for rdv in &gagnes {
            assert_eq!(m.store.rdv(rdv.id).unwrap().as_ref(), Some(rdv));
        }
        assert_eq!(m.nb_rdvs(), 3);
        drop(demandes);
        assert!(m.store.verifier().unwrap().saine(), "tour {tour}");
    }
}

#[test]
fn eight_writers_of_one_creneau_in_one_batch_make_one_rdv() {
    let (m, controle) = monde(8);
    let demandes: Vec<_> = (0..8)
        .map(|i| demande_de(&m, &format!("Groupe{i}"), lundi()))
        .collect();
    let ecritures = demandes
        .iter()
        .map(|d| Box::new(|| m.store.reserver(d, now())) as Ecriture<'_, _>)
        .collect();
    let resultats = un_lot(&m, &controle, ecritures, || {});
    let gagnants = resultats
        .iter()
        .filter(|r| matches!(r, Ok(Reserve::Nouveau(_))))
        .count();
    assert_eq!(gagnants, 1, "{resultats:?}");
    for r in resultats.iter().filter(|r| r.is_err()) {
        assert_eq!(code(r.as_ref().unwrap_err()), "creneau_indisponible");
    }
    assert_eq!(m.nb_rdvs(), 1);
}

#[test]
fn past_the_queue_bound_a_writer_is_refused_at_once_and_the_queue_still_commits() {
    let (m, controle) = monde(0);
    let structures: Vec<_> = (0..super::super::groupe::ATTENTE_MAX)
        .map(|i| structure(&format!("Cabinet {i}"), "Metz"))
        .collect();
    let ecritures = structures
        .iter()
        .map(|s| Box::new(|| m.store.creer_structure(s)) as Ecriture<'_, _>)
        .collect();
    let resultats = un_lot(&m, &controle, ecritures, || {
        // The queue is full and a commit is held: one more writer is answered without waiting for it.
        let refus = m.store.creer_structure(&structure("Cabinet de trop", "Metz"));
        assert!(matches!(refus, Err(StoreError::Sature)), "{refus:?}");
    });
    assert!(resultats.iter().all(Result::is_ok));
    let stats = m.store.statistiques_ecritures();
    assert_eq!(stats.saturees, 1, "{stats:?}");
    assert_eq!(
        stats.lot_max,
        super::super::groupe::ATTENTE_MAX as u64,
        "{stats:?}"
    );
    // The fixture's structure, the held commit's, and the queue's; not the refused one.
    let txn = m.store.db.begin_read().unwrap();
    let nb = txn
        .open_table(crate::store::tables::STRUCTURES)
        .unwrap()
        .len()
        .unwrap();
    assert_eq!(nb, super::super::groupe::ATTENTE_MAX as u64 + 2);
}

/// The booking writer ([`crate::guichet`]) over the store of `m`, which it takes; the store stays
/// reachable through the returned `Arc`.
fn guichet(m: Monde) -> (Arc<RedbStore>, crate::guichet::Guichet, tempfile::TempDir) {
    let Monde { dossier, store, .. } = m;
    let store = Arc::new(store);
    let stockage: Arc<dyn Stockage> = Arc::clone(&store) as Arc<dyn Stockage>;
    let guichet = crate::guichet::Guichet::demarrer(stockage).unwrap();
    (store, guichet, dossier)
}

fn rdvs(store: &RedbStore) -> u64 {
    let txn = store.db.begin_read().unwrap();
    txn.open_table(RDVS).unwrap().len().unwrap()
}

/// Holds a commit inside its sync (a structure created by another thread), so that the writer's next
/// batch waits behind it; join the thread once [`Controle::retenir`] lets it go.
fn tenir_un_commit(store: &Arc<RedbStore>, controle: &Controle) -> std::thread::JoinHandle<()> {
    controle.retenir(true);
    let tenu = {
        let store = Arc::clone(store);
        std::thread::spawn(move || {
            store
                .creer_structure(&structure("Cabinet tenu", "Nancy"))
                .unwrap();
        })
    };
    controle.attendre_un_sync_retenu();
    tenu
}

/// Waits until the booking writer has taken a batch and queues behind the held commit.
fn attendre_le_guichet(store: &RedbStore) {
    attendre(
        || store.groupe.en_attente() == 1,
        "le guichet en file derrière le commit",
    );
}

#[test]
fn the_booking_writer_books_what_queued_during_a_commit_with_one_winner_per_creneau() {
    let (m, controle) = monde(8);
    let un = demande_de(&m, "Groupe0", quart_d_heure(1));
    let memes: Vec<_> = (0..8)
        .map(|i| demande_de(&m, &format!("Groupe{i}"), lundi()))
        .collect();
    let (store, guichet, _dossier) = guichet(m);
    let avant = store.statistiques_ecritures();
    let tenu = tenir_un_commit(&store, &controle);
    let attentes: Vec<_> = std::iter::once(un)
        .chain(memes)
        .map(|d| guichet.reserver(d, now()).unwrap())
        .collect();
    attendre_le_guichet(&store);
    controle.retenir(false);
    tenu.join().unwrap();
    let reponses: Vec<_> = attentes.into_iter().map(|a| a.blocking_recv().unwrap()).collect();
    assert!(
        matches!(reponses[0], Ok((Reserve::Nouveau(_), _))),
        "{:?}",
        reponses[0]
    );
    let gagnants = reponses[1..]
        .iter()
        .filter(|r| matches!(r, Ok((Reserve::Nouveau(_), _))))
        .count();
    assert_eq!(gagnants, 1, "{reponses:?}");
    for r in &reponses[1..] {
        if let Err(e) = r {
            assert_eq!(code(e), "creneau_indisponible", "{reponses:?}");
        }
    }
    assert_eq!(rdvs(&store), 2);
    // The held commit, then the writer's two batches at most: what it took first, then the rest.
    let apres = store.statistiques_ecritures();
    assert!(apres.lots - avant.lots <= 3, "{avant:?} {apres:?}");
    // The held structure and the two bookings made: the refused ones wrote nothing.
    assert_eq!(apres.ecritures - avant.ecritures, 3, "{avant:?} {apres:?}");
}

#[test]
fn past_its_bound_the_booking_writer_refuses_at_once_and_answers_the_queue() {
    let (m, controle) = monde(0);
    let demandes: Vec<_> = (0..=crate::guichet::FILE_MAX + 1)
        .map(|_| m.demande(0, lundi()))
        .collect();
    let (store, guichet, _dossier) = guichet(m);
    let tenu = tenir_un_commit(&store, &controle);
    let mut demandes = demandes.into_iter();
    // The first is taken by the writer, which then waits behind the held commit.
    let premiere = guichet.reserver(demandes.next().unwrap(), now()).unwrap();
    attendre_le_guichet(&store);
    let file: Vec<_> = demandes
        .by_ref()
        .take(crate::guichet::FILE_MAX)
        .map(|d| guichet.reserver(d, now()).unwrap())
        .collect();
    let refus = guichet.reserver(demandes.next().unwrap(), now());
    assert!(matches!(refus, Err(StoreError::Sature)), "{refus:?}");
    controle.retenir(false);
    tenu.join().unwrap();
    assert!(matches!(
        premiere.blocking_recv().unwrap(),
        Ok((Reserve::Nouveau(_), _))
    ));
    for attente in file {
        let reponse = attente.blocking_recv().unwrap();
        assert!(
            matches!(&reponse, Err(e) if code(e) == "patient_deja_pris" || code(e) == "creneau_indisponible"),
            "{reponse:?}"
        );
    }
    assert_eq!(rdvs(&store), 1);
}

#[test]
fn a_failed_commit_of_the_booking_writer_answers_each_booking_with_an_error_and_stores_nothing() {
    let (m, controle) = monde(8);
    let demandes = en_quarts_d_heure(&m, 8);
    let (store, guichet, dossier) = guichet(m);
    let avant = store.statistiques_ecritures();
    let tenu = tenir_un_commit(&store, &controle);
    let attentes: Vec<_> = demandes
        .into_iter()
        .map(|d| guichet.reserver(d, now()).unwrap())
        .collect();
    attendre_le_guichet(&store);
    // The disk fails once the held commit is on it: neither the batch nor any booking run again
    // alone can commit.
    controle.panne_apres_le_sync_retenu();
    controle.retenir(false);
    tenu.join().unwrap();
    for attente in attentes {
        let reponse = attente.blocking_recv().unwrap();
        assert!(matches!(reponse, Err(StoreError::Interne(_))), "{reponse:?}");
    }
    // The first batch's commit failed; redb then refuses every write transaction until the file is
    // opened again, so the bookings after it fail before they write. Of all of them only the held
    // structure was written.
    let apres = store.statistiques_ecritures();
    assert!(apres.lots_echoues > avant.lots_echoues, "{avant:?} {apres:?}");
    assert_eq!(apres.ecritures - avant.ecritures, 1, "{avant:?} {apres:?}");
    assert_eq!(rdvs(&store), 0);
    // Nothing of it after a restart either; the held commit itself is durable.
    drop(guichet);
    attendre(|| Arc::strong_count(&store) == 1, "le guichet arrêté");
    drop(store);
    let rouvert = RedbStore::open(dossier.path()).unwrap();
    assert_eq!(rdvs(&rouvert), 0);
    assert_eq!(rouvert.structures(Some("Nancy"), 10).unwrap().len(), 1);
}
