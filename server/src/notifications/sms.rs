//! SMS through an HTTP webhook (an SMS gateway): `POST` of `{ "to": "+33…", "text": "…" }` as JSON; a
//! 2xx answer means the gateway accepted it. The URL may hold a token: it is never logged (reqwest's
//! errors are stripped of it).

use std::time::Duration;

use super::ErreurNotifications;

/// Longest a webhook call may take.
pub const WEBHOOK_DELAI_MAX: Duration = Duration::from_secs(15);

/// The SMS channel.
pub struct Webhook {
    client: reqwest::Client,
    url: reqwest::Url,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry the gateway's token: never shown.
        f.debug_struct("Webhook").finish_non_exhaustive()
    }
}

impl Webhook {
    /// The gateway at `url`.
    pub fn new(url: &str) -> Result<Self, ErreurNotifications> {
        let url = reqwest::Url::parse(url)
            .map_err(|e| ErreurNotifications::Sms(format!("TOUBEELIB_SMS_WEBHOOK_URL : {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ErreurNotifications::Sms(
                "TOUBEELIB_SMS_WEBHOOK_URL : http ou https attendu".to_owned(),
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(WEBHOOK_DELAI_MAX)
            .build()
            .map_err(|e| ErreurNotifications::Sms(format!("client HTTP : {}", e.without_url())))?;
        Ok(Self { client, url })
    }

    /// Posts one SMS; `Ok` on a 2xx answer.
    pub async fn envoyer(&self, a: &str, texte: &str) -> Result<(), String> {
        let reponse = self
            .client
            .post(self.url.clone())
            .json(&serde_json::json!({ "to": a, "text": texte }))
            .send()
            .await
            .map_err(|e| format!("webhook : {}", e.without_url()))?;
        let statut = reponse.status();
        if statut.is_success() {
            Ok(())
        } else {
            Err(format!("webhook : HTTP {statut}"))
        }
    }
}
