//! The server's one clock. Every "now" the rules and the workers see is read here, so a test can move
//! it forward ([`decaler`], from the hidden `TOUBEELIB_TEST_CLOCK_OFFSET_SECONDS`): a reminder due in
//! 22 hours is then sent by a server started "22 hours later" on the same data.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};

/// Largest offset accepted: ten years either way.
pub const DECALAGE_MAX_S: i64 = 10 * 366 * 24 * 3_600;

static DECALAGE: OnceLock<Duration> = OnceLock::new();

/// Moves this process's clock by `secondes`; only the first call counts (the start-up's).
pub fn decaler(secondes: i64) {
    let _premier = DECALAGE.set(Duration::seconds(secondes.clamp(-DECALAGE_MAX_S, DECALAGE_MAX_S)));
}

/// Now, as the rules of this process see it.
pub fn maintenant() -> DateTime<Utc> {
    let reel = Utc::now();
    DECALAGE.get().map_or(reel, |d| reel + *d)
}
