//! Group commit: every write of the store joins a batch, and a batch is made durable by one commit.
//!
//! redb runs one write transaction at a time, and a durable commit waits for the disk's sync: one
//! transaction per booking would cap bookings at the disk's sync rate. So the writes that arrive while
//! a commit is on the disk wait, then run one after another in the next transaction, and the last of
//! them commits it once, durably. A lone writer is not delayed: it finds no batch to wait for, runs
//! and commits at once.
//!
//! - **Exactly one winner.** A write is a closure run under the group's lock against the batch's open
//!   transaction: it reads and validates the state that holds every earlier write of the batch, so two
//!   bookings of one créneau in one batch still get one success and one `creneau_indisponible`.
//! - **Answered after the commit.** A writer returns only once its batch is durable. If the commit
//!   fails, every writer of the batch gets the error and redb has stored nothing of it.
//! - **A refusal inside a shared transaction.** redb cannot undo one closure's writes (no savepoint
//!   once a transaction has written), and a closure may refuse after writing (an account written, then
//!   its praticien's unknown structure refused). So the batch is aborted, its earlier writers run
//!   again in the next transaction, and the refused writer first runs once more alone, where an abort
//!   undoes exactly its own writes. No writer is ever answered from an aborted transaction.
//! - **Bounded.** At most [`ATTENTE_MAX`] writers wait to run; one more is refused at once with
//!   [`StoreError::Sature`] (503 + Retry-After) instead of an unbounded wait.
//!
//! The writers are the callers' own blocking threads (the API runs the store in `spawn_blocking`):
//! the closures borrow their caller's data, and no thread hop is added to a lone write. Whichever
//! writer closes a batch commits it; the batch's transaction belongs to the group, not to a thread.
//! Bookings, the one write that comes in bursts, have a writer thread of their own
//! ([`crate::guichet`]), which brings the bookings queued meanwhile as one closure: one member of
//! the batch, counted for the bookings it made.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use redb::{Database, WriteTransaction};

use crate::store::{StatistiquesEcritures, StoreError};

/// Writers that may wait to run at once; one more is answered [`StoreError::Sature`] at once. Each
/// holds a blocking thread while it waits (tokio's pool has 512), and a batch of this many runs in a
/// few tens of milliseconds.
pub const ATTENTE_MAX: usize = 256;

/// What became of a writer that ran in a batch.
#[derive(Debug)]
enum Issue {
    /// The batch is durable.
    Commis,
    /// The batch was aborted because a later writer refused: run again.
    Rejouer,
    /// The commit failed; the message is for the log.
    Echec(String),
}

/// The group's state, under its lock.
#[derive(Default)]
struct Etat {
    /// The open batch's transaction: `Some` exactly while `membres` is not empty or a writer runs.
    txn: Option<WriteTransaction>,
    /// Writers whose closure ran in `txn` and who wait for its commit, in order.
    membres: Vec<u64>,
    /// The writes those closures made (a closure may carry several: a batch of bookings).
    poids: u64,
    /// A writer took `txn` out and is committing it; newcomers wait for the next batch.
    en_commit: bool,
    /// Writers admitted that have not run yet (waiting, running, or sent back to run again).
    en_attente: usize,
    /// A refused writer that must run alone before anyone else.
    seul: Option<u64>,
    /// The outcome of each writer that ran, until it reads it.
    issues: HashMap<u64, Issue>,
    /// Next writer's ticket.
    prochain: u64,
    statistiques: StatistiquesEcritures,
}

/// The batches of one database's writes (one per [`super::RedbStore`]).
#[derive(Default)]
pub(super) struct Groupe {
    etat: Mutex<Etat>,
    /// Signalled whenever a batch commits or aborts, or a lone run ends.
    tour: Condvar,
}

impl std::fmt::Debug for Groupe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Groupe").finish_non_exhaustive()
    }
}

impl Groupe {
    /// Runs `ecriture` in the current batch of `db` and returns once that batch is durable. An `Err`
    /// from `ecriture` is returned as is, and nothing it wrote is kept; `ecriture` may be called more
    /// than once (when a batch it ran in is aborted), so it must not keep effects outside the
    /// transaction. `poids` says, from its result, how many writes it made, for the statistics (a
    /// batch of bookings is one closure of several, its refused ones writing nothing).
    pub(super) fn ecrire<R>(
        &self,
        db: &Database,
        poids: impl Fn(&R) -> u64,
        mut ecriture: impl FnMut(&WriteTransaction) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut etat = self.verrou();
        if etat.en_attente >= ATTENTE_MAX {
            etat.statistiques.saturees += 1;
            return Err(StoreError::Sature);
        }
        let ticket = etat.prochain;
        etat.prochain += 1;
        etat.en_attente += 1;
        loop {
            etat = self
                .tour
                .wait_while(etat, |e| e.en_commit || e.seul.is_some_and(|s| s != ticket))
                .unwrap_or_else(PoisonError::into_inner);
            let seul = etat.seul == Some(ticket);
            let txn = match etat.txn.take() {
                Some(txn) => txn,
                // No batch is open, so no writer waits for one: a failure here concerns this writer only.
                None => match db.begin_write() {
                    Ok(txn) => txn,
                    Err(e) => {
                        etat.en_attente -= 1;
                        if seul {
                            etat.seul = None;
                            self.tour.notify_all();
                        }
                        return Err(e.into());
                    }
                },
            };
            // A panic in a closure must not leave the batch's writers waiting forever: it aborts the
            // batch like a refusal (the panic itself was reported by the hook).
            let resultat = catch_unwind(AssertUnwindSafe(|| ecriture(&txn))).unwrap_or_else(|_| {
                Err(StoreError::Interne(
                    "écriture interrompue par une panique".to_owned(),
                ))
            });
            match resultat {
                Ok(valeur) => {
                    etat.txn = Some(txn);
                    etat.membres.push(ticket);
                    etat.poids += poids(&valeur);
                    etat.en_attente -= 1;
                    if seul {
                        // Its batch is itself: committed at once, then the others may run.
                        etat.seul = None;
                        etat = self.valider(etat);
                    } else if etat.en_attente == 0 {
                        etat = self.valider(etat);
                    }
                    etat = self
                        .tour
                        .wait_while(etat, |e| !e.issues.contains_key(&ticket))
                        .unwrap_or_else(PoisonError::into_inner);
                    match etat.issues.remove(&ticket) {
                        Some(Issue::Commis) => return Ok(valeur),
                        Some(Issue::Echec(cause)) => return Err(StoreError::Interne(cause)),
                        // Counted in `en_attente` again by the writer that aborted the batch.
                        Some(Issue::Rejouer) | None => {}
                    }
                }
                Err(refus) => {
                    // Dropping the transaction aborts it: this writer's writes and its batch's.
                    drop(txn);
                    if etat.membres.is_empty() {
                        // Alone in its transaction: the abort undid exactly its own writes.
                        etat.en_attente -= 1;
                        if seul {
                            etat.seul = None;
                        }
                        self.tour.notify_all();
                        return Err(refus);
                    }
                    let membres = std::mem::take(&mut etat.membres);
                    etat.poids = 0;
                    etat.en_attente += membres.len();
                    etat.statistiques.rejouees += membres.len() as u64;
                    for membre in membres {
                        etat.issues.insert(membre, Issue::Rejouer);
                    }
                    etat.seul = Some(ticket);
                    self.tour.notify_all();
                }
            }
        }
    }

    /// Commits the open batch outside the lock, then tells each of its writers the outcome.
    fn valider<'a>(&'a self, mut etat: MutexGuard<'a, Etat>) -> MutexGuard<'a, Etat> {
        let Some(txn) = etat.txn.take() else {
            return etat;
        };
        let membres = std::mem::take(&mut etat.membres);
        let poids = std::mem::take(&mut etat.poids);
        etat.en_commit = true;
        drop(etat);
        let commit = txn.commit();
        let mut etat = self.verrou();
        etat.en_commit = false;
        match commit {
            Ok(()) => {
                etat.statistiques.lots += 1;
                etat.statistiques.ecritures += poids;
                etat.statistiques.lot_max = etat.statistiques.lot_max.max(poids);
                for membre in membres {
                    etat.issues.insert(membre, Issue::Commis);
                }
            }
            Err(e) => {
                let cause = format!("redb : {e}");
                tracing::error!(ecrivains = membres.len(), cause = %cause, "commit d'un lot d'écritures échoué");
                etat.statistiques.lots_echoues += 1;
                for membre in membres {
                    etat.issues.insert(membre, Issue::Echec(cause.clone()));
                }
            }
        }
        self.tour.notify_all();
        etat
    }

    /// Counters since the store was opened.
    pub(super) fn statistiques(&self) -> StatistiquesEcritures {
        self.verrou().statistiques
    }

    /// Writers admitted that have not run yet (tests wait for a batch to form).
    #[cfg(test)]
    pub(super) fn en_attente(&self) -> usize {
        self.verrou().en_attente
    }

    fn verrou(&self) -> MutexGuard<'_, Etat> {
        // A panic never happens under the lock but in a closure, caught above: the state stays whole.
        self.etat.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
