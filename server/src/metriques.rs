//! Request metrics for `GET /metrics` (Prometheus text format): requests by route, method and status,
//! and their latency histograms.
//!
//! The route label is the OpenAPI path template a request matched (`/rdvs/{id}`), never the raw path:
//! ids would make one series per rdv, and a client sending random paths could grow the registry
//! without end. A path matching no template counts under [`ROUTE_AUTRE`], so the registry holds at
//! most templates × methods × statuses series. Recording takes one mutex for a map update.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

/// The route label of a path matching no operation.
pub const ROUTE_AUTRE: &str = "autre";

/// Upper bounds of the latency buckets, in seconds (Prometheus' `le`).
pub const SEUILS_S: [f64; 11] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// One series: a route, a method, a status.
type Cle = (&'static str, String, u16);

/// A series' counts.
#[derive(Debug, Default, Clone)]
struct Serie {
    /// Requests per bucket of [`SEUILS_S`], then above the last.
    seaux: [u64; SEUILS_S.len() + 1],
    /// Their summed duration, in seconds.
    somme_s: f64,
}

/// The route labels: each OpenAPI path template, named by itself.
#[derive(Debug, Default)]
pub struct Gabarits(crate::gabarits::Gabarits<&'static str>);

impl Gabarits {
    /// From the paths of the OpenAPI document (`/praticiens/{id}/calendrier`…).
    pub fn depuis(chemins: impl IntoIterator<Item = String>) -> Self {
        Self(crate::gabarits::Gabarits::depuis(chemins.into_iter().map(
            |chemin| {
                // Leaked once per template at start: labels are `&'static str` for the whole run.
                let nom: &'static str = Box::leak(chemin.clone().into_boxed_str());
                (chemin, nom)
            },
        )))
    }

    fn route(&self, chemin: &str) -> &'static str {
        self.0.trouver(chemin).copied().unwrap_or(ROUTE_AUTRE)
    }
}

/// The process's request metrics.
#[derive(Debug, Default)]
pub struct Metriques {
    gabarits: OnceLock<Gabarits>,
    series: Mutex<BTreeMap<Cle, Serie>>,
}

/// The one registry of the process (the middleware and the endpoint share it).
pub fn globales() -> &'static Metriques {
    static METRIQUES: OnceLock<Metriques> = OnceLock::new();
    METRIQUES.get_or_init(Metriques::default)
}

impl Metriques {
    /// Sets the route templates (once, at start; later calls keep the first).
    pub fn connaitre_routes(&self, gabarits: Gabarits) {
        let _premier = self.gabarits.set(gabarits);
    }

    /// Counts one answered request.
    pub fn enregistrer(&self, methode: &str, chemin: &str, status: u16, duree: Duration) {
        let route = self.gabarits.get().map_or(ROUTE_AUTRE, |g| g.route(chemin));
        let secondes = duree.as_secs_f64();
        let seau = SEUILS_S
            .iter()
            .position(|s| secondes <= *s)
            .unwrap_or(SEUILS_S.len());
        let mut series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        let serie = series.entry((route, methode.to_owned(), status)).or_default();
        serie.seaux[seau] += 1;
        serie.somme_s += secondes;
    }

    /// Answered requests of `route` and `methode` with `status` (the bookings are `POST /rdvs` 201).
    pub fn compte(&self, route: &str, methode: &str, status: u16) -> u64 {
        let series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        series
            .iter()
            .filter(|((r, m, s), _)| *r == route && m == methode && *s == status)
            .map(|(_, serie)| serie.seaux.iter().sum::<u64>())
            .sum()
    }

    /// The requests counter and the latency histogram, in the text exposition format.
    pub fn exposer(&self, sortie: &mut String) {
        let series = self.series.lock().unwrap_or_else(PoisonError::into_inner).clone();
        sortie.push_str(
            "# HELP toubeelib_requetes_total HTTP requests answered, by route template, method and status.\n",
        );
        sortie.push_str("# TYPE toubeelib_requetes_total counter\n");
        for ((route, methode, status), serie) in &series {
            let n: u64 = serie.seaux.iter().sum();
            let _ = writeln!(
                sortie,
                "toubeelib_requetes_total{{route=\"{route}\",method=\"{methode}\",status=\"{status}\"}} {n}"
            );
        }
        sortie.push_str("# HELP toubeelib_requete_duree_secondes Time from request to answer head.\n");
        sortie.push_str("# TYPE toubeelib_requete_duree_secondes histogram\n");
        for ((route, methode, status), serie) in &series {
            let etiquettes = format!("route=\"{route}\",method=\"{methode}\",status=\"{status}\"");
            let mut cumul = 0;
            for (i, seuil) in SEUILS_S.iter().enumerate() {
                cumul += serie.seaux[i];
                let _ = writeln!(
                    sortie,
                    "toubeelib_requete_duree_secondes_bucket{{{etiquettes},le=\"{seuil}\"}} {cumul}"
                );
            }
            cumul += serie.seaux[SEUILS_S.len()];
            let _ = writeln!(
                sortie,
                "toubeelib_requete_duree_secondes_bucket{{{etiquettes},le=\"+Inf\"}} {cumul}"
            );
            let _ = writeln!(
                sortie,
                "toubeelib_requete_duree_secondes_sum{{{etiquettes}}} {}",
                serie.somme_s
            );
            let _ = writeln!(
                sortie,
                "toubeelib_requete_duree_secondes_count{{{etiquettes}}} {cumul}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gabarits() -> Gabarits {
        Gabarits::depuis(
            [
                "/rdvs",
                "/rdvs/{id}",
                "/rdvs/{id}/annulation",
                "/me/totp",
                "/me/{x}",
            ]
            .map(str::to_owned),
        )
    }

    #[test]
    fn the_histogram_is_cumulative_and_counts_every_request() {
        let m = Metriques::default();
        m.connaitre_routes(gabarits());
        m.enregistrer("POST", "/rdvs", 201, Duration::from_micros(800));
        m.enregistrer("POST", "/rdvs", 201, Duration::from_millis(30));
        m.enregistrer("GET", "/nulle/part", 404, Duration::from_secs(9));
        assert_eq!(m.compte("/rdvs", "POST", 201), 2);
        let mut texte = String::new();
        m.exposer(&mut texte);
        for attendu in [
            "toubeelib_requetes_total{route=\"/rdvs\",method=\"POST\",status=\"201\"} 2",
            "toubeelib_requete_duree_secondes_bucket{route=\"/rdvs\",method=\"POST\",status=\"201\",le=\"0.001\"} 1",
            "toubeelib_requete_duree_secondes_bucket{route=\"/rdvs\",method=\"POST\",status=\"201\",le=\"0.05\"} 2",
            "toubeelib_requete_duree_secondes_bucket{route=\"autre\",method=\"GET\",status=\"404\",le=\"2.5\"} 0",
            "toubeelib_requete_duree_secondes_count{route=\"autre\",method=\"GET\",status=\"404\"} 1",
        ] {
            assert!(texte.contains(attendu), "{attendu}\n{texte}");
        }
    }
}
