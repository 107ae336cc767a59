//! Access tokens: short-lived HS256 JWTs, strictly checked, and the key that signs them.
//!
//! Only this process signs and verifies, so a symmetric key is enough and the clock is shared: expiry
//! has no leeway ([`MARGE_HORLOGE_S`]). Verification pins the algorithm to HS256 (a token announcing
//! `none`, `HS384` or an asymmetric algorithm is refused before any signature check), then checks
//! issuer, audience, the `typ` claim (an access token only, never another kind signed with the same
//! key) and expiry against the `now` the caller passes — jsonwebtoken's own expiry check reads the
//! system clock, so it is off and done here. Every refusal but expiry is the same
//! [`ErreurAuth::JetonInvalide`]: the client learns nothing about which check failed.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read as _, Write as _};
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use domain::ids::{PatientId, PersonnelId, PraticienId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ErreurAuth, alea};
use crate::modele::{Compte, CompteId, Role};

/// How long an access token is valid.
pub const ACCESS_TTL: TimeDelta = TimeDelta::minutes(15);

/// [`ACCESS_TTL`] in seconds, the `expires_in` of the token responses.
const ACCESS_TTL_S: i64 = ACCESS_TTL.num_seconds();

/// Tolerance, in seconds, on `exp`: none, the signer and the verifier are one process with one clock.
pub const MARGE_HORLOGE_S: i64 = 0;

/// `iss` of every access token.
pub const EMETTEUR: &str = "toubeelib";

/// `aud` of every access token.
pub const AUDIENCE: &str = "toubeelib-api";

/// `typ` claim of an access token.
const TYPE_ACCES: &str = "access";

/// Longest token looked at; anything longer is refused unparsed.
pub const JETON_OCTETS_MAX: usize = 4096;

/// Fewest bytes of a signing key (the HS256 output size).
pub const SECRET_OCTETS_MIN: usize = 32;

/// Most bytes the key file may hold; a larger file is not ours.
pub const CLE_FICHIER_OCTETS_MAX: usize = 1024;

/// Name of the key file in the data directory.
pub const FICHIER_CLE: &str = "jwt.key";

/// Bytes of a generated key.
const SECRET_GENERE_OCTETS: usize = 32;

/// The HMAC key of the access tokens; `Debug` redacts it.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    /// A key from raw bytes; at least [`SECRET_OCTETS_MIN`] of them.
    pub fn depuis_octets(octets: Vec<u8>) -> Result<Self, ErreurAuth> {
        if octets.len() < SECRET_OCTETS_MIN {
            return Err(ErreurAuth::SecretTropCourt { octets: octets.len() });
        }
        Ok(Self(octets))
    }

    /// The key from `TOUBEELIB_JWT_SECRET` (its UTF-8 bytes) if given, else from
    /// `data_dir/jwt.key`, else 32 random bytes written there (mode 0600) for the next starts.
    pub fn charger(data_dir: &Path, env: Option<String>) -> Result<Self, ErreurAuth> {
        if let Some(valeur) = env {
            return Self::depuis_octets(valeur.into_bytes());
        }
        let chemin = data_dir.join(FICHIER_CLE);
        if let Some(secret) = lire_cle(&chemin)? {
            return Ok(secret);
        }
        let mut octets = vec![0u8; SECRET_GENERE_OCTETS];
        alea(&mut octets)?;
        let cle_error = |source| ErreurAuth::Cle {
            chemin: chemin.clone(),
            source,
        };
        match ecrire_cle(data_dir, &chemin, &octets) {
            Ok(()) => {
                tracing::info!(chemin = %chemin.display(), "clé de signature des jetons générée");
                Ok(Self(octets))
            }
            // Another process started at the same moment and wrote its key first: use that one.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                lire_cle(&chemin)?.ok_or_else(|| cle_error(io::Error::from(io::ErrorKind::NotFound)))
            }
            Err(e) => Err(cle_error(e)),
        }
    }
}

/// Reads the key file; `None` if there is none.
fn lire_cle(chemin: &Path) -> Result<Option<Secret>, ErreurAuth> {
    let cle_error = |source| ErreurAuth::Cle {
        chemin: chemin.to_path_buf(),
        source,
    };
    let fichier = match File::open(chemin) {
        Ok(fichier) => fichier,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cle_error(e)),
    };
    avertir_si_lisible_par_d_autres(&fichier, chemin);
    let mut octets = Vec::with_capacity(SECRET_GENERE_OCTETS);
    let limite = u64::try_from(CLE_FICHIER_OCTETS_MAX + 1).unwrap_or(u64::MAX);
    fichier.take(limite).read_to_end(&mut octets).map_err(cle_error)?;
    if !(SECRET_OCTETS_MIN..=CLE_FICHIER_OCTETS_MAX).contains(&octets.len()) {
        return Err(ErreurAuth::CleInvalide {
            chemin: chemin.to_path_buf(),
            octets: octets.len(),
        });
    }
    Ok(Some(Secret(octets)))
}

/// Writes a new key file, complete or not at all, and never over an existing one.
///
/// The bytes go to a temporary file (mode 0600) in the same directory, which is then renamed without
/// replacement: a concurrent reader sees no file or the whole key, never a half-written one, and of
/// two processes racing only the first wins (the other gets `AlreadyExists`).
fn ecrire_cle(data_dir: &Path, chemin: &Path, octets: &[u8]) -> io::Result<()> {
    let mut temporaire = tempfile::Builder::new()
        .prefix(".jwt.key.")
        .tempfile_in(data_dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        temporaire
            .as_file()
            .set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    temporaire.write_all(octets)?;
    temporaire.as_file().sync_all()?;
    temporaire.persist_noclobber(chemin).map_err(|e| e.error)?;
    Ok(())
}

/// Logs a warning (never the key) if the key file can be read by other users.
fn avertir_si_lisible_par_d_autres(fichier: &File, chemin: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = fichier.metadata()
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                chemin = %chemin.display(),
                mode = format_args!("{:o}", meta.permissions().mode() & 0o777),
                "la clé de signature des jetons est lisible par d'autres utilisateurs (0600 attendu)"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (fichier, chemin);
}

/// The role claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RoleJeton {
    Patient,
    Praticien,
    Personnel,
    Admin,
}

/// The claims as they travel.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    role: RoleJeton,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pid: Option<Uuid>,
    iss: String,
    aud: String,
    typ: String,
    iat: i64,
    exp: i64,
    jti: Uuid,
}

/// What a verified access token says, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revendications {
    /// The account (`sub`).
    pub compte: CompteId,
    /// Its role, with the patient, praticien or personnel id (`role` and `pid` together).
    pub role: Role,
    /// The token's id (`jti`).
    pub jti: Uuid,
    /// Issued at (`iat`).
    pub emis_le: DateTime<Utc>,
    /// Expires at (`exp`).
    pub expire_le: DateTime<Utc>,
}

/// Issues and verifies access tokens.
pub struct Jetons {
    encodage: EncodingKey,
    decodage: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for Jetons {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jetons").finish_non_exhaustive()
    }
}

impl Jetons {
    /// Issuer and verifier with `secret`.
    pub fn new(secret: Secret) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[EMETTEUR]);
        validation.set_audience(&[AUDIENCE]);
        // Checked in `verifier` against the caller's clock, not the system's.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        Self {
            encodage: EncodingKey::from_secret(&secret.0),
            decodage: DecodingKey::from_secret(&secret.0),
            validation,
        }
    }

    /// A signed access token for `compte`, valid [`ACCESS_TTL`] from `now`, and its lifetime in
    /// seconds (`expires_in`).
    pub fn emettre(&self, compte: &Compte, now: DateTime<Utc>) -> Result<(String, u64), ErreurAuth> {
        let (role, pid) = match compte.role {
            Role::Patient(PatientId(id)) => (RoleJeton::Patient, Some(id)),
            Role::Praticien(PraticienId(id)) => (RoleJeton::Praticien, Some(id)),
            Role::Personnel(PersonnelId(id)) => (RoleJeton::Personnel, Some(id)),
            Role::Admin => (RoleJeton::Admin, None),
        };
        let iat = now.timestamp();
        let claims = Claims {
            sub: compte.id.0,
            role,
            pid,
            iss: EMETTEUR.to_owned(),
            aud: AUDIENCE.to_owned(),
            typ: TYPE_ACCES.to_owned(),
            iat,
            exp: iat + ACCESS_TTL_S,
            jti: Uuid::now_v7(),
        };
        let jeton = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encodage)
            .map_err(|e| ErreurAuth::Emission(e.to_string()))?;
        Ok((jeton, ACCESS_TTL_S.unsigned_abs()))
    }

    /// The claims of `jeton` if it is one of our access tokens, unexpired at `now`.
    pub fn verifier(&self, jeton: &str, now: DateTime<Utc>) -> Result<Revendications, ErreurAuth> {
        if jeton.len() > JETON_OCTETS_MAX {
            return Err(ErreurAuth::JetonInvalide);
        }
        let claims = jsonwebtoken::decode::<Claims>(jeton, &self.decodage, &self.validation)
            .map_err(|e| {
                tracing::debug!(raison = ?e.kind(), "jeton d'accès refusé");
                ErreurAuth::JetonInvalide
            })?
            .claims;
        if claims.typ != TYPE_ACCES || claims.iss != EMETTEUR || claims.aud != AUDIENCE {
            return Err(ErreurAuth::JetonInvalide);
        }
        let role = match (claims.role, claims.pid) {
            (RoleJeton::Patient, Some(id)) => Role::Patient(PatientId(id)),
            (RoleJeton::Praticien, Some(id)) => Role::Praticien(PraticienId(id)),
            (RoleJeton::Personnel, Some(id)) => Role::Personnel(PersonnelId(id)),
            (RoleJeton::Admin, None) => Role::Admin,
            _ => return Err(ErreurAuth::JetonInvalide),
        };
        let (Some(emis_le), Some(expire_le)) = (
            DateTime::from_timestamp(claims.iat, 0),
            DateTime::from_timestamp(claims.exp, 0),
        ) else {
            return Err(ErreurAuth::JetonInvalide);
        };
        if now.timestamp() >= claims.exp.saturating_add(MARGE_HORLOGE_S) {
            return Err(ErreurAuth::JetonExpire);
        }
        Ok(Revendications {
            compte: CompteId(claims.sub),
            role,
            jti: claims.jti,
            emis_le,
            expire_le,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use domain::identifiants::Email;
    use serde_json::{Value, json};

    const CLE: &[u8] = b"une cle de test d'au moins 32 octets, pas plus secrete";

    fn jetons() -> Jetons {
        Jetons::new(Secret::depuis_octets(CLE.to_vec()).unwrap())
    }

    fn instant(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).unwrap()
    }

    const T0: i64 = 1_750_000_000;

    fn compte(role: Role) -> Compte {
        Compte {
            id: CompteId(Uuid::from_u128(0x0197_0000_0000_7000_8000_0000_0000_0001)),
            email: Email::parse("camille.martin@example.fr").unwrap(),
            mot_de_passe_hash: "$argon2id$…".to_owned(),
            role,
            cree_le: instant(T0 - 86_400),
        }
    }

    fn patient() -> Compte {
        compte(Role::Patient(PatientId(Uuid::from_u128(42))))
    }

    /// Valid claims of an access token issued at [`T0`], to alter one field at a time.
    fn claims() -> Value {
        json!({
            "sub": Uuid::from_u128(7).to_string(),
            "role": "patient",
            "pid": Uuid::from_u128(42).to_string(),
            "iss": EMETTEUR,
            "aud": AUDIENCE,
            "typ": "access",
            "iat": T0,
            "exp": T0 + 900,
            "jti": Uuid::from_u128(1).to_string(),
        })
    }

    fn signer(claims: &Value, alg: Algorithm, cle: &[u8]) -> String {
        jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(cle)).unwrap()
    }

    fn avec(champ: &str, valeur: Value) -> Value {
        let mut c = claims();
        c[champ] = valeur;
        c
    }

    #[track_caller]
    fn refuse(jeton: &str, code: &str) {
        let erreur = jetons().verifier(jeton, instant(T0 + 1)).unwrap_err();
        assert_eq!(erreur.code(), code, "{erreur:?}");
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let jetons = jetons();
        for role in [
            Role::Patient(PatientId(Uuid::from_u128(42))),
            Role::Praticien(PraticienId(Uuid::from_u128(43))),
            Role::Personnel(PersonnelId(Uuid::from_u128(44))),
            Role::Admin,
        ] {
            let compte = compte(role);
            let (jeton, expires_in) = jetons.emettre(&compte, instant(T0)).unwrap();
            assert_eq!(expires_in, 900);
            let r = jetons.verifier(&jeton, instant(T0 + 899)).unwrap();
            assert_eq!(r.compte, compte.id);
            assert_eq!(r.role, role);
            assert_eq!(r.emis_le, instant(T0));
            assert_eq!(r.expire_le, instant(T0 + 900));
        }
    }

    #[test]
    fn the_wire_claims_are_the_documented_ones() {
        let (jeton, _) = jetons().emettre(&patient(), instant(T0)).unwrap();
        let mut parties = jeton.split('.');
        let entete: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parties.next().unwrap()).unwrap()).unwrap();
        assert_eq!(entete["alg"], "HS256");
        let c: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parties.next().unwrap()).unwrap()).unwrap();
        assert_eq!(c["sub"], "01970000-0000-7000-8000-000000000001");
        assert_eq!(c["role"], "patient");
        assert_eq!(c["pid"], Uuid::from_u128(42).to_string());
        assert_eq!(
            (&c["iss"], &c["aud"], &c["typ"]),
            (&json!("toubeelib"), &json!("toubeelib-api"), &json!("access"))
        );
        assert_eq!((&c["iat"], &c["exp"]), (&json!(T0), &json!(T0 + 900)));
        assert!(c["jti"].as_str().unwrap().parse::<Uuid>().is_ok());
        let (admin, _) = jetons().emettre(&compte(Role::Admin), instant(T0)).unwrap();
        let c: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(admin.split('.').nth(1).unwrap()).unwrap())
                .unwrap();
        assert_eq!(c["role"], "admin");
        assert!(c.get("pid").is_none());
    }

    #[test]
    fn a_token_is_expired_from_its_exp_second_on() {
        let jetons = jetons();
        let (jeton, _) = jetons.emettre(&patient(), instant(T0)).unwrap();
        assert!(jetons.verifier(&jeton, instant(T0 + 899)).is_ok());
        for t in [T0 + 900, T0 + 901, T0 + 86_400] {
            let erreur = jetons.verifier(&jeton, instant(t)).unwrap_err();
            assert!(matches!(erreur, ErreurAuth::JetonExpire), "{erreur:?}");
            assert_eq!(erreur.code(), "jeton_expire");
        }
    }

    #[test]
    fn a_hand_made_token_with_valid_claims_verifies() {
        // The baseline of the refusals below: only the altered field makes them fail.
        let r = jetons()
            .verifier(&signer(&claims(), Algorithm::HS256, CLE), instant(T0 + 1))
            .unwrap();
        assert_eq!(r.role, Role::Patient(PatientId(Uuid::from_u128(42))));
    }

    #[test]
    fn wrong_audience_issuer_or_type_is_refused() {
        refuse(
            &signer(&avec("aud", json!("autre-api")), Algorithm::HS256, CLE),
            "jeton_invalide",
        );
        refuse(
            &signer(&avec("aud", json!(["autre-api"])), Algorithm::HS256, CLE),
            "jeton_invalide",
        );
        refuse(
            &signer(&avec("iss", json!("ailleurs")), Algorithm::HS256, CLE),
            "jeton_invalide",
        );
        refuse(
            &signer(&avec("typ", json!("refresh")), Algorithm::HS256, CLE),
            "jeton_invalide",
        );
    }

    #[test]
    fn missing_or_malformed_claims_are_refused() {
        for champ in ["sub", "exp", "iss", "aud", "typ", "pid", "role", "jti"] {
            let mut c = claims();
            c.as_object_mut().unwrap().remove(champ);
            refuse(&signer(&c, Algorithm::HS256, CLE), "jeton_invalide");
        }
        refuse(
            &signer(&avec("sub", json!("pas-un-uuid")), Algorithm::HS256, CLE),
            "jeton_invalide",
        );
        refuse(
            &signer(&avec("role", json!("root")), Algorithm::HS256, CLE),
            "jeton_invalide",
        );
        refuse(
            &signer(&avec("role", json!("admin")), Algorithm::HS256, CLE),
            "jeton_invalide",
        );
        refuse(
            &signer(&avec("exp", json!("demain")), Algorithm::HS256, CLE),
            "jeton_invalide",
        );
        refuse("pas.un.jeton", "jeton_invalide");
        refuse("", "jeton_invalide");
        refuse(&"a".repeat(JETON_OCTETS_MAX + 1), "jeton_invalide");
    }

    #[test]
    fn alg_none_is_refused() {
        let entete = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let corps = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
        refuse(&format!("{entete}.{corps}."), "jeton_invalide");
        let entete = URL_SAFE_NO_PAD.encode(br#"{"alg":"None","typ":"JWT"}"#);
        refuse(&format!("{entete}.{corps}."), "jeton_invalide");
    }

    #[test]
    fn another_key_or_another_algorithm_is_refused() {
        let autre = b"une autre cle de test, elle aussi de 32 octets au moins";
        refuse(&signer(&claims(), Algorithm::HS256, autre), "jeton_invalide");
        refuse(&signer(&claims(), Algorithm::HS384, CLE), "jeton_invalide");
        refuse(&signer(&claims(), Algorithm::HS512, CLE), "jeton_invalide");
    }

    #[test]
    fn a_tampered_payload_is_refused() {
        let jeton = signer(&claims(), Algorithm::HS256, CLE);
        let (entete, reste) = jeton.split_once('.').unwrap();
        let (_, signature) = reste.split_once('.').unwrap();
        let corps = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&avec("role", json!("admin"))).unwrap());
        refuse(&format!("{entete}.{corps}.{signature}"), "jeton_invalide");
    }

    #[test]
    fn an_env_secret_shorter_than_32_bytes_is_refused() {
        let dossier = tempfile::tempdir().unwrap();
        let erreur = Secret::charger(dossier.path(), Some("x".repeat(31))).unwrap_err();
        assert!(
            matches!(erreur, ErreurAuth::SecretTropCourt { octets: 31 }),
            "{erreur:?}"
        );
        assert!(Secret::charger(dossier.path(), Some(String::new())).is_err());
        assert!(Secret::charger(dossier.path(), Some("x".repeat(32))).is_ok());
        // The env secret is used as is: nothing is written.
        assert!(!dossier.path().join(FICHIER_CLE).exists());
    }

    #[test]
    fn a_key_is_generated_once_with_mode_0600_then_read_back() {
        let dossier = tempfile::tempdir().unwrap();
        let premier = Secret::charger(dossier.path(), None).unwrap();
        let chemin = dossier.path().join(FICHIER_CLE);
        assert_eq!(fs::read(&chemin).unwrap(), premier.0);
        assert_eq!(premier.0.len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(fs::metadata(&chemin).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let second = Secret::charger(dossier.path(), None).unwrap();
        assert_eq!(second.0, premier.0);
        // No temporary file left behind.
        assert_eq!(fs::read_dir(dossier.path()).unwrap().count(), 1);
        // Tokens signed before a restart verify after it.
        let (jeton, _) = Jetons::new(premier).emettre(&patient(), instant(T0)).unwrap();
        assert!(Jetons::new(second).verifier(&jeton, instant(T0 + 1)).is_ok());
    }

    #[test]
    fn a_truncated_key_file_is_an_error_not_a_new_key() {
        let dossier = tempfile::tempdir().unwrap();
        fs::write(dossier.path().join(FICHIER_CLE), b"court").unwrap();
        let erreur = Secret::charger(dossier.path(), None).unwrap_err();
        assert!(
            matches!(erreur, ErreurAuth::CleInvalide { octets: 5, .. }),
            "{erreur:?}"
        );
    }

    #[test]
    fn a_missing_data_directory_is_a_key_error() {
        let dossier = tempfile::tempdir().unwrap();
        let erreur = Secret::charger(&dossier.path().join("absent"), None).unwrap_err();
        assert_eq!(erreur.code(), "cle_jwt_inaccessible");
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let secret = Secret::depuis_octets(CLE.to_vec()).unwrap();
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        let debug = format!("{:?}", Jetons::new(secret));
        assert!(!debug.contains("cle"), "{debug}");
    }
}
