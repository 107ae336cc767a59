//! Password hashing: argon2id, off the async runtime, behind a pool as wide as the machine.
//!
//! One argon2id hash at the OWASP parameters takes ~19 MiB and tens of milliseconds of one core. Run
//! on an async worker it would stall every request sharing that worker; run freely on the blocking
//! pool, a sign-in flood would take all of its threads (and `threads × 19 MiB` of memory). So each
//! hash waits for a permit of a semaphore sized to the cores, at most [`ATTENTE_HACHAGE_MAX`], and
//! then runs in `spawn_blocking` holding the permit: a client that disconnects does not free a permit
//! while its hash still runs. A wait that exceeds the bound is [`ErreurAuth::Sature`] (503).

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use super::politique::MotDePasse;
use super::{ErreurAuth, alea};

/// Longest a hash may wait for a free core before the request is answered 503.
pub const ATTENTE_HACHAGE_MAX: Duration = Duration::from_secs(5);

/// argon2 memory cost in KiB (OWASP: 19 MiB).
pub const ARGON2_MEMOIRE_KIB: u32 = 19_456;

/// argon2 passes (OWASP: 2).
pub const ARGON2_ITERATIONS: u32 = 2;

/// argon2 lanes (OWASP: 1).
pub const ARGON2_PARALLELISME: u32 = 1;

/// Salt length in bytes (the PHC recommendation).
const SEL_OCTETS: usize = 16;

/// Hashes and verifies passwords; cheap to share (`Arc` it or hold one per process).
pub struct Hacheur {
    argon2: Argon2<'static>,
    permis: Arc<Semaphore>,
    attente_max: Duration,
    /// The hash an unknown email is checked against, so that it costs what a wrong password costs.
    factice: Arc<str>,
    /// argon2id verifications run since start (`/metrics`; shows an unknown email costs one too).
    verifications: Arc<std::sync::atomic::AtomicU64>,
}

impl fmt::Debug for Hacheur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hacheur")
            .field("permis_libres", &self.permis.available_permits())
            .field("attente_max", &self.attente_max)
            .finish_non_exhaustive()
    }
}

impl Hacheur {
    /// A hasher with one permit per core and the [`ATTENTE_HACHAGE_MAX`] bound; hashes a dummy
    /// password once (blocking, tens of milliseconds: call it at start-up).
    pub fn new() -> Result<Self, ErreurAuth> {
        let coeurs = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        Self::avec(coeurs, ATTENTE_HACHAGE_MAX)
    }

    /// A hasher with `permis` concurrent hashes (at least one) and a wait bound of `attente_max`.
    pub fn avec(permis: usize, attente_max: Duration) -> Result<Self, ErreurAuth> {
        let params = Params::new(ARGON2_MEMOIRE_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISME, None)
            .map_err(|e| ErreurAuth::Hachage(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut aleatoire = [0u8; 32];
        alea(&mut aleatoire)?;
        let factice = hacher_avec(&argon2, &aleatoire)?;
        Ok(Self {
            argon2,
            permis: Arc::new(Semaphore::new(permis.max(1))),
            attente_max,
            factice: factice.into(),
            verifications: Arc::default(),
        })
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

    /// [`Hacheur::hacher`] on the calling thread, for seeding at start-up before serving.
    pub fn hacher_bloquant(&self, mdp: &MotDePasse) -> Result<String, ErreurAuth> {
        hacher_avec(&self.argon2, mdp.octets())
    }

    /// Runs `travail` on the blocking pool once a permit is free, within the span of the caller.
    async fn sur_le_pool<T: Send + 'static>(
        &self,
        travail: impl FnOnce() -> Result<T, ErreurAuth> + Send + 'static,
    ) -> Result<T, ErreurAuth> {
        let permis = tokio::time::timeout(self.attente_max, Arc::clone(&self.permis).acquire_owned())
            .await
            .map_err(|_| ErreurAuth::Sature)?
            .map_err(|_| ErreurAuth::Sature)?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _permis = permis;
            let _span = span.enter();
            travail()
        })
        .await
        .map_err(|e| ErreurAuth::Hachage(format!("tâche de hachage interrompue : {e}")))?
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
        let hacheur = Hacheur::avec(2, ATTENTE_HACHAGE_MAX).unwrap();
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
        let hacheur = Hacheur::avec(1, ATTENTE_HACHAGE_MAX).unwrap();
        let erreur = hacheur
            .verifier(&mdp("quelconque"), Some("pas-un-hash"))
            .await
            .unwrap_err();
        assert_eq!(erreur.code(), "hachage_echoue");
    }

    #[tokio::test]
    async fn a_full_pool_answers_sature_after_the_wait_bound() {
        let hacheur = Hacheur::avec(1, Duration::from_millis(20)).unwrap();
        let tenu = Arc::clone(&hacheur.permis).acquire_owned().await.unwrap();
        let erreur = hacheur.hacher(&mdp("la-tarte-aux-fraises")).await.unwrap_err();
        assert!(matches!(erreur, ErreurAuth::Sature), "{erreur:?}");
        assert_eq!(erreur.code(), "service_sature");
        let erreur = hacheur
            .verifier(&mdp("la-tarte-aux-fraises"), None)
            .await
            .unwrap_err();
        assert!(matches!(erreur, ErreurAuth::Sature), "{erreur:?}");
        drop(tenu);
        assert!(hacheur.hacher(&mdp("la-tarte-aux-fraises")).await.is_ok());
    }

    #[test]
    fn debug_shows_no_hash() {
        let hacheur = Hacheur::avec(1, ATTENTE_HACHAGE_MAX).unwrap();
        let debug = format!("{hacheur:?}");
        assert!(!debug.contains("argon2"), "{debug}");
    }
}
