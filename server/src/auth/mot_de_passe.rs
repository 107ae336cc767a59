//! Password hashing: argon2id on a few dedicated threads of the lowest priority, behind a short queue.
//!
//! One argon2id hash at the OWASP parameters takes ~19 MiB and tens of milliseconds of one core. Run
//! on an async worker it would stall every request sharing that worker; run freely on the blocking
//! pool, a sign-in flood would take all of its threads, `threads × 19 MiB` of memory, and every core
//! from the rest of the API. So hashes run on [`Hacheur::avec`]'s own threads (one per core), which
//! lower themselves to `SCHED_IDLE`: the kernel runs any other thread of the server first, so a
//! sign-in flood takes only the CPU the API leaves idle, and `/health` or a booking keeps its latency.
//! A hash waits in a queue of [`FILE_PAR_FIL`] per thread: a full queue is [`ErreurAuth::Sature`]
//! (503 + Retry-After) at once, and so is a wait longer than [`ATTENTE_HACHAGE_MAX`].

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::politique::MotDePasse;
use super::{ErreurAuth, alea};

/// Longest a hash may wait and run before the request is answered 503.
pub const ATTENTE_HACHAGE_MAX: Duration = Duration::from_secs(5);

/// Hashes that may wait per hashing thread; one more is refused at once. 16 waits at most about
/// 16 hashes' time (well under a second), enough for a burst of sign-ins at opening time.
pub const FILE_PAR_FIL: usize = 16;

/// argon2 memory cost in KiB (OWASP: 19 MiB).
pub const ARGON2_MEMOIRE_KIB: u32 = 19_456;

/// argon2 passes (OWASP: 2).
pub const ARGON2_ITERATIONS: u32 = 2;

/// argon2 lanes (OWASP: 1).
pub const ARGON2_PARALLELISME: u32 = 1;

/// Salt length in bytes (the PHC recommendation).
const SEL_OCTETS: usize = 16;

/// Prefix of the hashing threads' names (`argon2-0`, `argon2-1`…), as `/proc` shows them.
pub const NOM_FIL: &str = "argon2-";

/// A hash to run, with its caller's answer inside.
type Travail = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords; cheap to share (`Arc` it or hold one per process). Its threads end
/// when it is dropped.
pub struct Hacheur {
    argon2: Argon2<'static>,
    file: SyncSender<Travail>,
    attente_max: Duration,
    /// The hash an unknown email is checked against, so that it costs what a wrong password costs.
    factice: Arc<str>,
    /// argon2id verifications run since start (`/metrics`; shows an unknown email costs one too).
    verifications: Arc<std::sync::atomic::AtomicU64>,
    /// Hashes refused because the queue was full or the wait too long (`/metrics`).
    saturees: Arc<std::sync::atomic::AtomicU64>,
    /// Hashes queued and not yet taken by a thread, and the queue's capacity: a sign-in checks them
    /// before any other work ([`Hacheur::refuser_si_plein`]).
    en_file: Arc<std::sync::atomic::AtomicUsize>,
    capacite: usize,
}

impl fmt::Debug for Hacheur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hacheur")
            .field("attente_max", &self.attente_max)
            .finish_non_exhaustive()
    }
}

impl Hacheur {
    /// A hasher with one thread per core, [`FILE_PAR_FIL`] waiting per thread and the
    /// [`ATTENTE_HACHAGE_MAX`] bound; hashes a dummy password once (blocking, tens of milliseconds:
    /// call it at start-up).
    pub fn new() -> Result<Self, ErreurAuth> {
        let coeurs = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        Self::avec(coeurs, coeurs * FILE_PAR_FIL, ATTENTE_HACHAGE_MAX)
    }

    /// A hasher with `fils` hashing threads (at least one), `file` hashes waiting at most, and a bound
    /// of `attente_max` on a hash's wait and run.
    pub fn avec(fils: usize, file: usize, attente_max: Duration) -> Result<Self, ErreurAuth> {
        let params = Params::new(ARGON2_MEMOIRE_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISME, None)
            .map_err(|e| ErreurAuth::Hachage(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut aleatoire = [0u8; 32];
        alea(&mut aleatoire)?;
        let factice = hacher_avec(&argon2, &aleatoire)?;
        let (envoi, reception) = mpsc::sync_channel::<Travail>(file);
        let reception = Arc::new(Mutex::new(reception));
        let en_file = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for i in 0..fils.max(1) {
            let reception = Arc::clone(&reception);
            let en_file = Arc::clone(&en_file);
            std::thread::Builder::new()
                .name(format!("{NOM_FIL}{i}"))
                .spawn(move || travailler(&reception, &en_file))
                .map_err(|e| ErreurAuth::Hachage(format!("fil de hachage : {e}")))?;
        }
        Ok(Self {
            argon2,
            file: envoi,
            attente_max,
            factice: factice.into(),
            verifications: Arc::default(),
            saturees: Arc::default(),
            en_file,
            capacite: file,
        })
    }

    /// [`ErreurAuth::Sature`] at once when the queue is full, before a sign-in reads anything: under a
    /// flood, the refusals then cost no store read and no thread hop. (Only a hint: the queue itself
    /// still refuses what overflows it.)
    pub fn refuser_si_plein(&self) -> Result<(), ErreurAuth> {
        if self.capacite > 0 && self.en_file.load(std::sync::atomic::Ordering::Relaxed) >= self.capacite {
            return Err(self.sature());
        }
        Ok(())
    }

    /// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) of `mdp` with a fresh salt.
    pub async fn hacher(&self, mdp: &MotDePasse) -> Result<String, ErreurAuth> {
        let argon2 = self.argon2.clone();
        let mdp = mdp.clone();
        self.sur_le_pool(move || hacher_avec(&argon2, mdp.octets())).await
    }

    /// Whether `mdp` matches `hash`; `None` (unknown account) checks against a dummy hash and answers
    /// `false`, in the same time as a wrong password.
    pub async fn verifier(&self, mdp: &MotDePasse, hash: Option<&str>) -> Result<bool, ErreurAuth> {
        let argon2 = self.argon2.clone();
        let mdp = mdp.clone();
        let connu = hash.is_some();
        let hash: Arc<str> = hash.map_or_else(|| Arc::clone(&self.factice), Arc::from);
        let compteur = Arc::clone(&self.verifications);
        let concorde = self
            .sur_le_pool(move || {
                compteur.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                verifier_avec(&argon2, mdp.octets(), &hash)
            })
            .await?;
        Ok(connu && concorde)
    }

    /// argon2id verifications run since start, the dummy ones of unknown emails included.
    pub fn verifications_total(&self) -> u64 {
        self.verifications.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Hashes refused since start (queue full or wait too long).
    pub fn saturees_total(&self) -> u64 {
        self.saturees.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// [`Hacheur::hacher`] on the calling thread, for seeding at start-up before serving.
    pub fn hacher_bloquant(&self, mdp: &MotDePasse) -> Result<String, ErreurAuth> {
        hacher_avec(&self.argon2, mdp.octets())
    }

    /// Queues `travail` for a hashing thread, within the span of the caller, and awaits its answer.
    async fn sur_le_pool<T: Send + 'static>(
        &self,
        travail: impl FnOnce() -> Result<T, ErreurAuth> + Send + 'static,
    ) -> Result<T, ErreurAuth> {
        let (reponse, attente) = tokio::sync::oneshot::channel();
        let depose = Instant::now();
        let attente_max = self.attente_max;
        let span = tracing::Span::current();
        let tache: Travail = Box::new(move || {
            // Its caller was answered 503 already, or is gone: no hash for nobody.
            if depose.elapsed() >= attente_max || reponse.is_closed() {
                return;
            }
            let _span = span.enter();
            let _ = reponse.send(travail());
        });
        // Counted before it is sent: a thread waiting for work may take it at once, and its decrement
        // must never come first (the count would then drift up, and refuse sign-ins on an idle hasher).
        self.en_file.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Err(e) = self.file.try_send(tache) {
            self.en_file.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            return Err(match e {
                TrySendError::Full(_) => self.sature(),
                TrySendError::Disconnected(_) => {
                    ErreurAuth::Hachage("les fils de hachage sont arrêtés".to_owned())
                }
            });
        }
        match tokio::time::timeout(attente_max, attente).await {
            Ok(Ok(resultat)) => resultat,
            Ok(Err(_)) => Err(ErreurAuth::Hachage("tâche de hachage interrompue".to_owned())),
            Err(_) => Err(self.sature()),
        }
    }

    fn sature(&self) -> ErreurAuth {
        self.saturees.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ErreurAuth::Sature
    }
}

/// A hashing thread: lowers itself to the idle class, then runs queued hashes until the hasher is
/// dropped.
fn travailler(reception: &Mutex<Receiver<Travail>>, en_file: &std::sync::atomic::AtomicUsize) {
    use thread_priority::{
        NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy, set_thread_priority_and_policy,
        thread_native_id,
    };
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    if let Err(e) = set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle) {
        // Still correct, only less polite to the rest of the API under a flood.
        tracing::warn!(erreur = ?e, "le fil de hachage garde sa priorité normale");
    }
    loop {
        // The lock is held only while waiting for the next hash, never while hashing.
        let suivant = reception.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match suivant {
            Ok(travail) => {
                // Every hash is counted before it is sent (`sur_le_pool`).
                en_file.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                travail();
            }
            Err(_) => return,
        }
    }
}

/// Hashes `mdp` with a fresh random salt.
fn hacher_avec(argon2: &Argon2<'_>, mdp: &[u8]) -> Result<String, ErreurAuth> {
    let mut sel = [0u8; SEL_OCTETS];
    alea(&mut sel)?;
    let sel = SaltString::encode_b64(&sel).map_err(|e| ErreurAuth::Hachage(e.to_string()))?;
    let hash = argon2
        .hash_password(mdp, &sel)
        .map_err(|e| ErreurAuth::Hachage(e.to_string()))?;
    Ok(hash.to_string())
}

/// Checks `mdp` against a PHC string, with the parameters written in it.
fn verifier_avec(argon2: &Argon2<'_>, mdp: &[u8], hash: &str) -> Result<bool, ErreurAuth> {
    let hash =
        PasswordHash::new(hash).map_err(|e| ErreurAuth::Hachage(format!("hash stocké illisible : {e}")))?;
    match argon2.verify_password(mdp, &hash) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(ErreurAuth::Hachage(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mdp(s: &str) -> MotDePasse {
        MotDePasse::existant(s).unwrap()
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hacheur = Hacheur::new().unwrap();
        let hash = hacheur.hacher(&mdp("cheval-pile-agrafe")).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(
            hacheur
                .verifier(&mdp("cheval-pile-agrafe"), Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !hacheur
                .verifier(&mdp("cheval-pile-agrafE"), Some(&hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hacheur = Hacheur::new().unwrap();
        assert!(!hacheur.verifier(&mdp("cheval-pile-agrafe"), None).await.unwrap());
    }

    #[tokio::test]
    async fn two_hashes_of_one_password_differ_by_their_salt() {
        let hacheur = Hacheur::avec(2, 2, ATTENTE_HACHAGE_MAX).unwrap();
        let a = hacheur.hacher(&mdp("la-tarte-aux-fraises")).await.unwrap();
        let b = hacheur.hacher_bloquant(&mdp("la-tarte-aux-fraises")).unwrap();
        assert_ne!(a, b);
        assert!(
            hacheur
                .verifier(&mdp("la-tarte-aux-fraises"), Some(&b))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_error_not_a_match() {
        let hacheur = Hacheur::avec(1, 1, ATTENTE_HACHAGE_MAX).unwrap();
        let erreur = hacheur
            .verifier(&mdp("quelconque"), Some("pas-un-hash"))
            .await
            .unwrap_err();
        assert_eq!(erreur.code(), "hachage_echoue");
    }

    /// Occupies the hasher's only thread until the returned sender is dropped (retried while the
    /// thread is not yet waiting for work: a queue of 0 places takes a hash only then).
    async fn occuper(hacheur: &Arc<Hacheur>) -> (std::sync::mpsc::Sender<()>, tokio::task::JoinHandle<()>) {
        for _ in 0..1000 {
            let (liberer, attendre) = std::sync::mpsc::channel::<()>();
            let (commence, a_commence) = tokio::sync::oneshot::channel();
            let h = Arc::clone(hacheur);
            let tache = tokio::spawn(async move {
                let _ = h
                    .sur_le_pool(move || {
                        let _ = commence.send(());
                        let _ = attendre.recv();
                        Ok(())
                    })
                    .await;
            });
            if a_commence.await.is_ok() {
                return (liberer, tache);
            }
            tache.await.unwrap();
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        panic!("the hashing thread never took work");
    }

    #[tokio::test]
    async fn a_full_queue_answers_sature_at_once() {
        // One thread and no waiting place (a rendezvous), with a wait bound far longer than the test:
        // while the thread is held, a hash is refused at once, not after the bound.
        let hacheur = Arc::new(Hacheur::avec(1, 0, Duration::from_secs(600)).unwrap());
        let (liberer, occupe) = occuper(&hacheur).await;
        let avant = hacheur.saturees_total();
        let erreur = hacheur.hacher(&mdp("la-tarte-aux-fraises")).await.unwrap_err();
        assert!(matches!(erreur, ErreurAuth::Sature), "{erreur:?}");
        assert_eq!(erreur.code(), "service_sature");
        let erreur = hacheur
            .verifier(&mdp("la-tarte-aux-fraises"), None)
            .await
            .unwrap_err();
        assert!(matches!(erreur, ErreurAuth::Sature), "{erreur:?}");
        assert_eq!(hacheur.saturees_total() - avant, 2);
        drop(liberer);
        occupe.await.unwrap();
        // Freed, the thread takes work again as soon as it waits for it.
        let mut libre = false;
        for _ in 0..1000 {
            if hacheur.hacher(&mdp("la-tarte-aux-fraises")).await.is_ok() {
                libre = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert!(libre, "the freed thread never hashed again");
    }

    #[tokio::test]
    async fn a_full_queue_is_told_before_any_work() {
        // One thread, held, and one place in the queue, taken: a sign-in learns it at once.
        let hacheur = Arc::new(Hacheur::avec(1, 1, Duration::from_secs(600)).unwrap());
        let (liberer, occupe) = occuper(&hacheur).await;
        assert!(hacheur.refuser_si_plein().is_ok());
        let en_file = {
            let h = Arc::clone(&hacheur);
            tokio::spawn(async move { h.hacher(&mdp("la-tarte-aux-fraises")).await })
        };
        let mut plein = false;
        for _ in 0..1000 {
            if hacheur.refuser_si_plein().is_err() {
                plein = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert!(plein, "the queued hash never showed");
        drop(liberer);
        occupe.await.unwrap();
        assert!(en_file.await.unwrap().is_ok());
        assert!(hacheur.refuser_si_plein().is_ok(), "the queue is empty again");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_idle_hasher_never_counts_a_queue() {
        // Every hash counted into the queue is counted out when a thread takes it, even when a thread
        // waiting for work takes it at once: after 2 000 of them the count is back to zero (a residue
        // would climb, in time, until it refused every sign-in).
        let hacheur = Arc::new(Hacheur::avec(2, 2, Duration::from_secs(600)).unwrap());
        for _ in 0..2000 {
            hacheur.sur_le_pool(|| Ok(())).await.unwrap();
            assert!(hacheur.refuser_si_plein().is_ok());
        }
        assert_eq!(hacheur.en_file.load(std::sync::atomic::Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn a_hash_waiting_past_the_bound_answers_sature() {
        let hacheur = Arc::new(Hacheur::avec(1, 4, Duration::from_millis(50)).unwrap());
        let (liberer, occupe) = occuper(&hacheur).await;
        let erreur = hacheur.hacher(&mdp("la-tarte-aux-fraises")).await.unwrap_err();
        assert!(matches!(erreur, ErreurAuth::Sature), "{erreur:?}");
        drop(liberer);
        occupe.await.unwrap();
    }

    /// The scheduling policy of each hashing thread, read from `/proc` (field 41 of `stat`).
    fn politiques_des_fils() -> Vec<u32> {
        let mut politiques = Vec::new();
        for tache in std::fs::read_dir("/proc/self/task").unwrap() {
            let dossier = tache.unwrap().path();
            let nom = std::fs::read_to_string(dossier.join("comm")).unwrap_or_default();
            if !nom.trim_end().starts_with(NOM_FIL) {
                continue;
            }
            let stat = std::fs::read_to_string(dossier.join("stat")).unwrap();
            // Fields after the command's closing parenthesis start at field 3.
            let apres = &stat[stat.rfind(')').unwrap() + 2..];
            politiques.push(apres.split(' ').nth(41 - 3).unwrap().parse().unwrap());
        }
        politiques
    }

    #[test]
    fn hashing_threads_run_in_the_idle_class() {
        const SCHED_IDLE: u32 = 5;
        let hacheur = Hacheur::avec(2, 2, ATTENTE_HACHAGE_MAX).unwrap();
        let mut politiques = Vec::new();
        // The threads lower themselves as they start.
        for _ in 0..500 {
            politiques = politiques_des_fils();
            if politiques.len() >= 2 && politiques.iter().all(|p| *p == SCHED_IDLE) {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        assert!(politiques.len() >= 2, "{politiques:?}");
        assert!(politiques.iter().all(|p| *p == SCHED_IDLE), "{politiques:?}");
        drop(hacheur);
    }

    #[test]
    fn debug_shows_no_hash() {
        let hacheur = Hacheur::avec(1, 1, ATTENTE_HACHAGE_MAX).unwrap();
        let debug = format!("{hacheur:?}");
        assert!(!debug.contains("argon2"), "{debug}");
    }
}
