//! The people and places a test needs, made through the public API as a client would: the admin's
//! token, patients who register, structures and praticiens the admin creates, free créneaux, bookings.
//!
//! The helpers assert the answers they rely on (a failed set-up names its request and the server's
//! answer); the behaviour under test is asserted in the tests themselves.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::{Reply, TestApp, UtcTime};

/// The admin account every [`TestApp`] creates at start (`TOUBEELIB_ADMIN_EMAIL`).
pub const ADMIN_EMAIL: &str = "admin@test.toubeelib.fr";
/// Its password (`TOUBEELIB_ADMIN_PASSWORD`).
pub const ADMIN_PASSWORD: &str = "Admin-e2e-Toubeelib-2026";
/// The password of the patients [`TestApp::register_patient`] creates.
pub const PATIENT_PASSWORD: &str = "Patient-e2e-Toubeelib-2026";
/// The password of the praticiens [`TestApp::create_praticien`] creates.
pub const PRATICIEN_PASSWORD: &str = "Praticien-e2e-Toubeelib-2026";
/// The password of every account of the demo dataset (the README lists them).
pub const DEMO_PASSWORD: &str = "toubeelib-demo-2026";
/// Password of the personnel accounts the tests create.
pub const PERSONNEL_PASSWORD: &str = "Secretariat-e2e-2026";

/// Longest wait for a write to show in search results: the search index commits in batches.
pub const SEARCH_WAIT: Duration = Duration::from_secs(5);
const POLL_INTERVAL: Duration = Duration::from_millis(50);

static NEXT: AtomicU64 = AtomicU64::new(1);

/// A number unique in this test process, for emails and RPPS numbers.
pub fn unique() -> u64 {
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A valid RPPS number (11 digits, Luhn check digit) made from `n`.
pub fn rpps(n: u64) -> String {
    let prefix = format!("{:010}", 1_000_000_000 + n % 1_000_000_000);
    let sum: u32 = prefix
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, digit)| {
            let digit = u32::from(digit - b'0');
            match i % 2 {
                // From the right, every other digit is doubled, starting next to the check digit.
                0 if digit * 2 > 9 => digit * 2 - 9,
                0 => digit * 2,
                _ => digit,
            }
        })
        .sum();
    format!("{prefix}{}", (10 - sum % 10) % 10)
}

/// Seven horaires rules, Monday to Sunday, `debut`–`fin` (`HH:MM`) in `structure_id`, présentiel.
pub fn horaires_chaque_jour(structure_id: &str, debut: &str, fin: &str) -> Value {
    let jours = [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ];
    jours
        .iter()
        .map(|jour| {
            json!({
                "jour": jour,
                "debut": debut,
                "fin": fin,
                "structure_id": structure_id,
                "types": ["presentiel"],
            })
        })
        .collect()
}

/// Every réglage, the defaults of DOMAIN.md but for the late-cancellation policy and the horizon.
pub fn reglages(annulation_tardive: &str, horizon_jours: u16) -> Value {
    json!({
        "patients_connus_uniquement": false,
        "delai_annulation_heures": 24,
        "annulation_tardive": annulation_tardive,
        "preavis_minutes": 0,
        "horizon_jours": horizon_jours,
        "rappel_heures": 24,
    })
}

/// Calls `attempt` every 50 ms until it gives `Ok`, at most `wait`; panics with the last `Err`.
pub async fn poll_until<T>(
    what: &str,
    wait: Duration,
    mut attempt: impl AsyncFnMut() -> Result<T, String>,
) -> T {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match attempt().await {
            Ok(value) => return value,
            Err(last) if tokio::time::Instant::now() >= deadline => {
                panic!("{what}: still not so after {} ms: {last}", wait.as_millis())
            }
            Err(_) => tokio::time::sleep(POLL_INTERVAL).await,
        }
    }
}

/// A registered patient, signed in.
#[derive(Debug, Clone)]
pub struct Patient {
    /// Sign-in email.
    pub email: String,
    /// Sign-in password.
    pub password: String,
    /// The dossier's id (`/me`'s `patient_id`).
    pub id: String,
    /// Bearer token.
    pub access_token: String,
    /// Refresh token of the registration.
    pub refresh_token: String,
}

impl Patient {
    /// The access token, as the request helpers take it.
    pub fn token(&self) -> Option<&str> {
        Some(&self.access_token)
    }
}

/// A praticien the admin created.
#[derive(Debug, Clone)]
pub struct Praticien {
    /// Its id.
    pub id: String,
    /// Sign-in email.
    pub email: String,
    /// Its first structure.
    pub structure_id: String,
}

impl TestApp {
    /// `POST /auth/signin`.
    pub async fn signin(&self, email: &str, password: &str) -> Reply {
        self.post_json(
            "/auth/signin",
            None,
            &json!({ "email": email, "password": password }),
        )
        .await
    }

    /// An access token of the admin account ([`crate::ADMIN_EMAIL`]).
    pub async fn admin_token(&self) -> String {
        let tokens = self.signin(ADMIN_EMAIL, ADMIN_PASSWORD).await.assert_status(200);
        access_token(&tokens)
    }

    /// An access token of `email`, which must sign in.
    pub async fn token_for(&self, email: &str, password: &str) -> String {
        access_token(&self.signin(email, password).await.assert_status(200))
    }

    /// The admin creates personnel of `structure` working for `praticiens` (a unique email); signed in.
    pub async fn create_personnel(&self, admin: &str, structure: &str, praticiens: &[&str]) -> String {
        let email = format!("secretariat-{}@e2e.toubeelib.fr", unique());
        let corps = json!({
            "nom": "Thiébaut", "prenom": "Valérie", "email": email, "password": PERSONNEL_PASSWORD,
            "structure_id": structure, "praticiens": praticiens,
        });
        self.post_json("/personnels", Some(admin), &corps)
            .await
            .assert_status(201);
        self.token_for(&email, PERSONNEL_PASSWORD).await
    }

    /// A walk-in recorded after the fact by `token` (the praticien or its personnel): the half hour of
    /// today that has started, hors plateforme, for `patient_id`; answers the rdv (201). The
    /// praticien's structure must be on `Etc/UTC` with horaires 00:00–23:30 every day.
    pub async fn walk_in(&self, token: &str, praticien_id: &str, patient_id: &str) -> Value {
        let secondes = UtcTime::now().unix_secs();
        let mut debut = secondes - secondes % 1800;
        // The last créneau of the day is 23:00–23:30.
        if debut % 86_400 == 23 * 3600 + 1800 {
            debut -= 1800;
        }
        let debut = UtcTime::parse_or_panic("1970-01-01T00:00:00Z").plus_minutes(debut / 60);
        let mut corps = booking(
            praticien_id,
            &json!({ "debut": debut.to_string(), "specialite": "medecine_generale", "type": "presentiel" }),
        );
        corps["patient_id"] = json!(patient_id);
        corps["origine"] = json!("hors_plateforme");
        self.post_json("/rdvs", Some(token), &corps)
            .await
            .assert_status(201)
    }

    /// `GET /me`, which must answer 200.
    pub async fn me(&self, token: &str) -> Value {
        self.get_as("/me", Some(token)).await.assert_status(200)
    }

    /// A valid registration body for `email`.
    pub fn registration(email: &str) -> Value {
        json!({
            "email": email,
            "password": PATIENT_PASSWORD,
            "nom": "Martin",
            "prenom": "Camille",
            "date_naissance": "1990-04-12",
            "telephone": "06 12 34 56 78",
        })
    }

    /// Registers a new patient with a unique email and reads its dossier id from `/me`.
    pub async fn register_patient(&self) -> Patient {
        let email = format!("patient-{}@e2e.toubeelib.fr", unique());
        let tokens = self
            .post_json("/auth/register", None, &Self::registration(&email))
            .await
            .assert_status(201);
        let access_token = access_token(&tokens);
        let refresh_token = string(&tokens, "refresh_token");
        let me = self.me(&access_token).await;
        assert_eq!(me["role"], "patient", "GET /me after registration: {me}");
        Patient {
            email,
            password: PATIENT_PASSWORD.to_owned(),
            id: string(&me, "patient_id"),
            access_token,
            refresh_token,
        }
    }

    /// The admin creates a maison médicale in `ville` (Europe/Paris); returns its id.
    pub async fn create_structure(&self, admin: &str, ville: &str) -> String {
        let code_postal = match ville {
            "Lyon" => "69002",
            "Marseille" => "13001",
            "Nancy" => "54000",
            _ => "75011",
        };
        let reply = self
            .post_json(
                "/structures",
                Some(admin),
                &json!({
                    "nom": format!("Maison médicale de {ville} {}", unique()),
                    "type": "maison_medicale",
                    "adresse": "12 rue de la République",
                    "code_postal": code_postal,
                    "ville": ville,
                    "telephone": "03 83 00 00 00",
                    "fuseau": "Europe/Paris",
                }),
            )
            .await;
        let structure = reply.assert_status(201);
        assert!(
            reply.header("location").is_some(),
            "POST /structures: no Location header"
        );
        string(&structure, "id")
    }

    /// The admin creates a médecin généraliste in `structure_id`; each key of `extra` (an object:
    /// `horaires`, `reglages`, `specialites`…) replaces the default one.
    pub async fn create_praticien(&self, admin: &str, structure_id: &str, extra: Value) -> Praticien {
        let n = unique();
        let email = format!("praticien-{n}@e2e.toubeelib.fr");
        let mut body = json!({
            "rpps": rpps(n),
            "nom": "Durand",
            "prenom": "Alex",
            "titre": "Dr",
            "email": email,
            "password": PRATICIEN_PASSWORD,
            "specialites": ["medecine_generale"],
            "structures": [structure_id],
            "nouveaux_patients": true,
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let reply = self.post_json("/praticiens", Some(admin), &body).await;
        let praticien = reply.assert_status(201);
        assert!(
            reply.header("location").is_some(),
            "POST /praticiens: no Location header"
        );
        Praticien {
            id: string(&praticien, "id"),
            email,
            structure_id: structure_id.to_owned(),
        }
    }

    /// As the admin (`admin`), a structure at Nancy and a praticien there open every day from `debut`
    /// to `fin` (`"09:00"`, `"12:00"`): the usual cabinet of a test.
    pub async fn cabinet_ouvert(&self, admin: &str, debut: &str, fin: &str) -> Praticien {
        let structure = self.create_structure(admin, "Nancy").await;
        let horaires = horaires_chaque_jour(&structure, debut, fin);
        self.create_praticien(admin, &structure, json!({ "horaires": horaires }))
            .await
    }

    /// The free créneaux of a praticien in `[debut, fin)` (default spécialité and type), in order.
    pub async fn disponibilites(&self, praticien_id: &str, debut: UtcTime, fin: UtcTime) -> Vec<Value> {
        let path = format!("/praticiens/{praticien_id}/disponibilites?debut={debut}&fin={fin}");
        let answer = self.get_as(&path, None).await.assert_status(200);
        let items = answer["items"]
            .as_array()
            .unwrap_or_else(|| panic!("GET {path}: no `items` array: {answer}"))
            .clone();
        let debuts: Vec<UtcTime> = items.iter().map(|c| instant(c, "debut")).collect();
        assert!(debuts.is_sorted(), "GET {path}: créneaux out of order: {answer}");
        items
    }

    /// The first free créneau in `[debut, fin)`; panics if there is none.
    pub async fn first_free_creneau(&self, praticien_id: &str, debut: UtcTime, fin: UtcTime) -> Value {
        self.disponibilites(praticien_id, debut, fin)
            .await
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("praticien {praticien_id} has no free créneau in [{debut}, {fin})"))
    }

    /// `POST /rdvs` for `créneau` (as the disponibilités gave it), by `token`'s holder for self.
    pub async fn book(&self, token: Option<&str>, praticien_id: &str, creneau: &Value) -> Reply {
        self.post_json("/rdvs", token, &booking(praticien_id, creneau))
            .await
    }

    /// `POST /rdvs/{id}/annulation` with `{}`.
    pub async fn cancel(&self, token: Option<&str>, rdv_id: &str) -> Reply {
        self.post_json(&format!("/rdvs/{rdv_id}/annulation"), token, &json!({}))
            .await
    }

    /// `GET /patients/{id}/rdvs?periode=a_venir`, which must answer 200; its items.
    pub async fn rdvs_a_venir(&self, token: Option<&str>, patient_id: &str) -> Vec<Value> {
        let path = format!("/patients/{patient_id}/rdvs?periode=a_venir&limit=100");
        let answer = self.get_as(&path, token).await.assert_status(200);
        answer["items"]
            .as_array()
            .unwrap_or_else(|| panic!("GET {path}: no `items` array: {answer}"))
            .clone()
    }
}

/// The `POST /rdvs` body for a créneau as the disponibilités gave it.
pub fn booking(praticien_id: &str, creneau: &Value) -> Value {
    json!({
        "praticien_id": praticien_id,
        "specialite": creneau["specialite"],
        "type": creneau["type"],
        "debut": creneau["debut"],
    })
}

/// The string field `key` of `value`; panics, showing `value`, if there is none.
#[track_caller]
pub fn string(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("no `{key}` string in {value}"))
        .to_owned()
}

/// The instant field `key` of `value`; panics if it is missing or not RFC 3339.
#[track_caller]
pub fn instant(value: &Value, key: &str) -> UtcTime {
    UtcTime::parse_or_panic(&string(value, key))
}

#[track_caller]
pub fn access_token(tokens: &Value) -> String {
    assert_eq!(tokens["token_type"], "Bearer", "token answer: {tokens}");
    string(tokens, "access_token")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpps_numbers_carry_their_luhn_digit() {
        // DOMAIN's own example: 1000382976 → check digit 8.
        assert_eq!(rpps(382_976), "10003829768");
        assert_eq!(rpps(0), "10000000009");
        assert_eq!(rpps(1).len(), 11);
    }
}
