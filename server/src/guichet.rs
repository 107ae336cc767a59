//! The booking writer: `POST /rdvs` queues its booking here, and one thread runs the queued bookings
//! in batches, each batch one closure of the store's group commit ([`Stockage::reserver_lot`]).
//!
//! Why a thread of its own: when each booking runs on its own blocking thread, every booking costs
//! several thread switches (woken to run, waiting for its turn under the group's lock, woken after the
//! commit); with 32 clients on one core that was a sixth of the server's CPU. Here the thread drains
//! the queue, runs the whole batch back to back in one transaction and answers each booking through a
//! oneshot channel once the commit is durable: a few switches per batch.
//!
//! - **Exactly one winner** still: the batch's bookings run one after another in one transaction,
//!   each validated against the state that holds the ones before it.
//! - **A refusal** (a créneau taken, a patient already busy) writes nothing and is that booking's
//!   answer alone. A failure while writing aborts the batch's transaction: then each of its bookings
//!   runs again alone, so that only the one at fault gets the error.
//! - **Bounded:** at most [`FILE_MAX`] bookings wait; one more is answered [`StoreError::Sature`]
//!   (503 + Retry-After) at once.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;

use crate::store::{NouvelleReservation, ReponseReservation, Stockage, StoreError};

/// Bookings that may wait for the writer; one more is refused at once.
pub const FILE_MAX: usize = 256;
/// Most bookings one batch runs (a batch of this many takes a few milliseconds of CPU).
pub const LOT_MAX: usize = 64;

/// One queued booking and where its answer goes.
struct Demande {
    demande: NouvelleReservation,
    now: DateTime<Utc>,
    reponse: oneshot::Sender<ReponseReservation>,
}

/// The queue of the booking writer; the thread ends when the last `Guichet` is dropped.
pub struct Guichet {
    envoi: SyncSender<Demande>,
}

impl std::fmt::Debug for Guichet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guichet").finish_non_exhaustive()
    }
}

impl Guichet {
    /// Starts the writer thread over `store`.
    pub fn demarrer(store: Arc<dyn Stockage>) -> std::io::Result<Self> {
        let (envoi, recu) = sync_channel(FILE_MAX);
        std::thread::Builder::new()
            .name("guichet-rdv".to_owned())
            .spawn(move || boucle(store.as_ref(), &recu))?;
        Ok(Self { envoi })
    }

    /// Queues a booking; its answer comes once the batch it ran in is durable. `Sature` when
    /// [`FILE_MAX`] bookings already wait.
    pub fn reserver(
        &self,
        demande: NouvelleReservation,
        now: DateTime<Utc>,
    ) -> Result<oneshot::Receiver<ReponseReservation>, StoreError> {
        let (reponse, recu) = oneshot::channel();
        match self.envoi.try_send(Demande {
            demande,
            now,
            reponse,
        }) {
            Ok(()) => Ok(recu),
            Err(TrySendError::Full(_)) => Err(StoreError::Sature),
            Err(TrySendError::Disconnected(_)) => Err(StoreError::Interne(
                "le guichet des réservations est arrêté".to_owned(),
            )),
        }
    }
}

/// Takes what waits (at most [`LOT_MAX`]), runs it as one batch, answers; until the queue closes.
fn boucle(store: &dyn Stockage, recu: &Receiver<Demande>) {
    while let Ok(premiere) = recu.recv() {
        let mut lot = vec![premiere];
        while lot.len() < LOT_MAX {
            match recu.try_recv() {
                Ok(demande) => lot.push(demande),
                Err(_) => break,
            }
        }
        // A panic must not stop the writer: its batch's callers see their channel closed (a 500),
        // the next batch runs.
        let _ = catch_unwind(AssertUnwindSafe(|| traiter(store, lot)));
    }
}

/// Runs one batch and answers each of its bookings.
fn traiter(store: &dyn Stockage, lot: Vec<Demande>) {
    let (demandes, reponses): (Vec<_>, Vec<_>) =
        lot.into_iter().map(|d| ((d.demande, d.now), d.reponse)).unzip();
    let resultats = match store.reserver_lot(&demandes) {
        Ok(resultats) => resultats,
        Err(e) if demandes.len() == 1 => vec![Err(e)],
        Err(StoreError::Sature) => demandes.iter().map(|_| Err(StoreError::Sature)).collect(),
        // The transaction failed while writing: alone, each booking gets its own outcome.
        Err(_) => demandes
            .chunks(1)
            .map(|seule| {
                store.reserver_lot(seule).and_then(|mut r| {
                    r.pop()
                        .unwrap_or_else(|| Err(StoreError::Interne("réservation sans réponse".to_owned())))
                })
            })
            .collect(),
    };
    for (reponse, resultat) in reponses.into_iter().zip(resultats) {
        // A caller that went away (its connection closed) no longer waits: nothing to tell.
        let _ = reponse.send(resultat);
    }
}
