//! Sign-in lockout: repeated failures for one email, or from one client address, are refused for a
//! while, so online guessing is slow (and the API answers 429 + Retry-After).
//!
//! Counting is per fixed window opened by the first failure: after [`ECHECS_MAX`] failures for one
//! email, or [`ECHECS_MAX_PAR_ADRESSE`] from one address, within [`FENETRE_ECHECS`], attempts are
//! refused until that window closes. The email counter guards one account against a distributed
//! guesser; the address counter guards every account against one guesser trying many emails. A
//! success clears the email's counter only: an attacker holding one valid account cannot reset the
//! counter of its address. IPv6 addresses count per /64, the block one subscriber usually holds.
//!
//! State is in memory (one process; a restart forgets it), behind a std `Mutex` held for map
//! operations only. Each map holds at most its capacity ([`ENTREES_MAX`] by default): when full,
//! closed windows are dropped first, then the oldest tenth. Emails are kept as SHA-256 digests, so
//! neither the addresses typed nor their length sit in memory.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest as _, Sha256};

/// Failures for one email before its sign-in is locked for the rest of the window.
pub const ECHECS_MAX: u32 = 5;

/// Failures from one client address (IPv4, or IPv6 /64) before it is locked for the rest of the window.
pub const ECHECS_MAX_PAR_ADRESSE: u32 = 20;

/// The window failures are counted in, opened by the first one.
pub const FENETRE_ECHECS: TimeDelta = TimeDelta::minutes(15);

/// Default capacity of each map (emails, addresses).
pub const ENTREES_MAX: usize = 100_000;

/// Leading bits of an IPv6 address that name one client.
const PREFIXE_IPV6_BITS: u32 = 64;

/// Failures in the current window of one key.
#[derive(Debug, Clone, Copy)]
struct Compteur {
    debut: DateTime<Utc>,
    echecs: u32,
}

impl Compteur {
    fn fin(&self) -> DateTime<Utc> {
        self.debut + FENETRE_ECHECS
    }

    fn ferme(&self, now: DateTime<Utc>) -> bool {
        now >= self.fin()
    }
}

/// One bounded map of counters.
struct Table<K> {
    entrees: HashMap<K, Compteur>,
    capacite: usize,
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn new(capacite: usize) -> Self {
        Self {
            entrees: HashMap::new(),
            capacite: capacite.max(1),
        }
    }

    /// How long `cle` must wait, if it reached `max` failures in an open window.
    fn attente(&self, cle: &K, max: u32, now: DateTime<Utc>) -> Option<Duration> {
        let compteur = self.entrees.get(cle)?;
        if compteur.ferme(now) || compteur.echecs < max {
            return None;
        }
        Some(secondes_entieres(compteur.fin() - now))
    }

    fn echec(&mut self, cle: K, now: DateTime<Utc>) {
        if let Some(compteur) = self.entrees.get_mut(&cle) {
            if compteur.ferme(now) {
                *compteur = Compteur {
                    debut: now,
                    echecs: 1,
                };
            } else {
                compteur.echecs = compteur.echecs.saturating_add(1);
            }
            return;
        }
        self.faire_place(now);
        self.entrees.insert(
            cle,
            Compteur {
                debut: now,
                echecs: 1,
            },
        );
    }

    /// Below capacity by at least one: closed windows go first, then the oldest tenth.
    fn faire_place(&mut self, now: DateTime<Utc>) {
        if self.entrees.len() < self.capacite {
            return;
        }
        self.entrees.retain(|_, compteur| !compteur.ferme(now));
        if self.entrees.len() < self.capacite {
            return;
        }
        let a_retirer = (self.capacite / 10).clamp(1, self.entrees.len());
        let mut par_age: Vec<(DateTime<Utc>, K)> = self
            .entrees
            .iter()
            .map(|(cle, compteur)| (compteur.debut, cle.clone()))
            .collect();
        par_age.select_nth_unstable_by_key(a_retirer - 1, |(debut, _)| *debut);
        for (_, cle) in par_age.into_iter().take(a_retirer) {
            self.entrees.remove(&cle);
        }
    }
}

/// `reste` rounded up to whole seconds, at least one and at most the window, as Retry-After wants it.
fn secondes_entieres(reste: TimeDelta) -> Duration {
    let millis = reste
        .num_milliseconds()
        .clamp(1, FENETRE_ECHECS.num_milliseconds());
    Duration::from_secs(millis.unsigned_abs().div_ceil(1000))
}

struct Etat {
    emails: Table<[u8; 32]>,
    adresses: Table<IpAddr>,
}

/// Counts sign-in failures and says when to refuse; share one per process.
pub struct Limiteur {
    etat: Mutex<Etat>,
    /// Failed sign-ins since start (`/metrics`).
    echecs: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for Limiteur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let etat = self.etat();
        f.debug_struct("Limiteur")
            .field("emails", &etat.emails.entrees.len())
            .field("adresses", &etat.adresses.entrees.len())
            .finish()
    }
}

impl Default for Limiteur {
    fn default() -> Self {
        Self::new()
    }
}

impl Limiteur {
    /// A lockout with [`ENTREES_MAX`] entries per map.
    pub fn new() -> Self {
        Self::avec_capacite(ENTREES_MAX)
    }

    /// A lockout keeping at most `capacite` emails and `capacite` addresses.
    pub fn avec_capacite(capacite: usize) -> Self {
        Self {
            etat: Mutex::new(Etat {
                emails: Table::new(capacite),
                adresses: Table::new(capacite),
            }),
            echecs: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Failed sign-ins since start.
    pub fn echecs_total(&self) -> u64 {
        self.echecs.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// `Ok` if this attempt may go on; else how long to wait (whole seconds ≥ 1, for Retry-After).
    pub fn verifier(&self, email: &str, ip: IpAddr, now: DateTime<Utc>) -> Result<(), Duration> {
        let etat = self.etat();
        let par_email = etat.emails.attente(&cle_email(email), ECHECS_MAX, now);
        let par_adresse = etat
            .adresses
            .attente(&cle_adresse(ip), ECHECS_MAX_PAR_ADRESSE, now);
        match par_email.max(par_adresse) {
            Some(attente) => Err(attente),
            None => Ok(()),
        }
    }

    /// Records a failed attempt (unknown email or wrong password alike).
    pub fn echec(&self, email: &str, ip: IpAddr, now: DateTime<Utc>) {
        self.echecs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut etat = self.etat();
        etat.emails.echec(cle_email(email), now);
        etat.adresses.echec(cle_adresse(ip), now);
    }

    /// Records a successful sign-in: clears the email's failures (not the address's).
    pub fn succes(&self, email: &str) {
        self.etat().emails.entrees.remove(&cle_email(email));
    }

    /// The state; a panic while holding the lock leaves counters that are still counters.
    fn etat(&self) -> MutexGuard<'_, Etat> {
        self.etat.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The email as typed, case and surrounding spaces aside, hashed.
fn cle_email(email: &str) -> [u8; 32] {
    Sha256::digest(email.trim().to_lowercase().as_bytes()).into()
}

/// The client: an IPv4 address (also when IPv4-mapped), or an IPv6 /64.
fn cle_adresse(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let masque = u128::MAX << (128 - PREFIXE_IPV6_BITS);
            IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & masque))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const T0: i64 = 1_750_000_000;

    fn a(secondes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(T0 + secondes, 0).unwrap()
    }

    fn ip(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(203, 0, 113, n))
    }

    const EMAIL: &str = "camille.martin@example.fr";

    #[test]
    fn five_failures_lock_the_email_for_the_rest_of_the_window() {
        let limiteur = Limiteur::new();
        for i in 0..ECHECS_MAX {
            assert_eq!(limiteur.verifier(EMAIL, ip(1), a(i.into())), Ok(()));
            limiteur.echec(EMAIL, ip(1), a(i.into()));
        }
        // From another address too, and whatever the case of the email.
        let attente = limiteur
            .verifier(" Camille.Martin@Example.fr", ip(2), a(60))
            .unwrap_err();
        assert_eq!(attente, Duration::from_secs(15 * 60 - 60));
        assert!(attente > Duration::ZERO);
        // Another email from the same address is not locked.
        assert_eq!(limiteur.verifier("autre@example.fr", ip(1), a(60)), Ok(()));
    }

    #[test]
    fn the_wait_is_rounded_up_to_a_whole_second() {
        let limiteur = Limiteur::new();
        for _ in 0..ECHECS_MAX {
            limiteur.echec(EMAIL, ip(1), a(0));
        }
        let presque = a(899) + TimeDelta::milliseconds(999);
        assert_eq!(
            limiteur.verifier(EMAIL, ip(1), presque),
            Err(Duration::from_secs(1))
        );
    }

    #[test]
    fn the_lock_ends_with_the_window() {
        let limiteur = Limiteur::new();
        for _ in 0..ECHECS_MAX {
            limiteur.echec(EMAIL, ip(1), a(0));
        }
        assert!(limiteur.verifier(EMAIL, ip(1), a(899)).is_err());
        assert_eq!(limiteur.verifier(EMAIL, ip(1), a(900)), Ok(()));
        // A failure after the window opens a new one, with one failure.
        limiteur.echec(EMAIL, ip(1), a(900));
        assert_eq!(limiteur.verifier(EMAIL, ip(1), a(901)), Ok(()));
    }

    #[test]
    fn failures_spread_over_more_than_a_window_do_not_lock() {
        let limiteur = Limiteur::new();
        for i in 0..10 {
            limiteur.echec(EMAIL, ip(1), a(i * 400));
            assert_eq!(limiteur.verifier(EMAIL, ip(1), a(i * 400 + 1)), Ok(()), "{i}");
        }
    }

    #[test]
    fn a_success_clears_the_email_count() {
        let limiteur = Limiteur::new();
        for _ in 0..ECHECS_MAX - 1 {
            limiteur.echec(EMAIL, ip(1), a(0));
        }
        limiteur.succes("CAMILLE.MARTIN@example.fr");
        limiteur.echec(EMAIL, ip(1), a(1));
        assert_eq!(limiteur.verifier(EMAIL, ip(1), a(2)), Ok(()));
        for _ in 0..ECHECS_MAX {
            limiteur.echec(EMAIL, ip(1), a(3));
        }
        assert!(limiteur.verifier(EMAIL, ip(1), a(4)).is_err());
        limiteur.succes(EMAIL);
        assert_eq!(limiteur.verifier(EMAIL, ip(1), a(4)), Ok(()));
    }

    #[test]
    fn twenty_failures_from_one_address_lock_it_for_every_email() {
        let limiteur = Limiteur::new();
        for i in 0..ECHECS_MAX_PAR_ADRESSE {
            let email = format!("essai{i}@example.fr");
            assert_eq!(limiteur.verifier(&email, ip(9), a(i.into())), Ok(()));
            limiteur.echec(&email, ip(9), a(i.into()));
        }
        let attente = limiteur
            .verifier("nouveau@example.fr", ip(9), a(100))
            .unwrap_err();
        assert_eq!(attente, Duration::from_secs(800));
        // A success for some email does not unlock the address.
        limiteur.succes("essai0@example.fr");
        assert!(limiteur.verifier("nouveau@example.fr", ip(9), a(100)).is_err());
        // Other addresses are untouched.
        assert_eq!(limiteur.verifier("nouveau@example.fr", ip(10), a(100)), Ok(()));
    }

    #[test]
    fn ipv6_addresses_count_per_64_block_and_mapped_ipv4_as_ipv4() {
        let limiteur = Limiteur::new();
        for i in 0..ECHECS_MAX_PAR_ADRESSE {
            let v6: IpAddr = format!("2001:db8:1:2::{:x}", i + 1).parse().unwrap();
            limiteur.echec(&format!("essai{i}@example.fr"), v6, a(0));
        }
        let voisin: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        let ailleurs: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limiteur.verifier("x@example.fr", voisin, a(1)).is_err());
        assert_eq!(limiteur.verifier("x@example.fr", ailleurs, a(1)), Ok(()));
        let mappee: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(cle_adresse(mappee), ip(7));
    }

    #[test]
    fn memory_is_bounded_closed_windows_then_oldest_go_first() {
        let limiteur = Limiteur::avec_capacite(10);
        for i in 0..10 {
            limiteur.echec(&format!("vieux{i}@example.fr"), ip(1), a(0));
        }
        // All ten windows are closed at 900 s: they make room for the newcomers.
        for i in 0..10 {
            limiteur.echec(&format!("neuf{i}@example.fr"), ip(2), a(900 + i));
        }
        {
            let etat = limiteur.etat();
            assert_eq!(etat.emails.entrees.len(), 10);
            assert_eq!(etat.adresses.entrees.len(), 2);
        }
        // Full of open windows: the oldest (neuf0) goes.
        limiteur.echec("dernier@example.fr", ip(3), a(950));
        let etat = limiteur.etat();
        assert!(etat.emails.entrees.len() <= 10);
        assert!(!etat.emails.entrees.contains_key(&cle_email("neuf0@example.fr")));
        assert!(etat.emails.entrees.contains_key(&cle_email("neuf9@example.fr")));
        assert!(etat.emails.entrees.contains_key(&cle_email("dernier@example.fr")));
    }

    #[test]
    fn debug_shows_counts_not_emails_or_addresses() {
        let limiteur = Limiteur::new();
        limiteur.echec(EMAIL, ip(1), a(0));
        let debug = format!("{limiteur:?}");
        assert_eq!(debug, "Limiteur { emails: 1, adresses: 1 }");
    }
}
