//! Daylight saving time in Europe/Paris (DOMAIN.md, "Time"): on the last Sunday of March the local hour
//! 02:00–03:00 does not exist and yields no créneau; on the last Sunday of October 02:00–03:00 happens
//! twice and never yields two overlapping créneaux. A praticien works Sundays 01:00–04:00 local.
//!
//! Both changes happen at 01:00 UTC. The days are 2027-03-28 and 2027-10-31, or the next such Sunday
//! once those have passed; the praticien's horizon (730 days) reaches them.

use e2e::{Praticien, TestApp, UtcTime, instant, last_sunday, reglages, string};
use serde_json::{Value, json};

/// The first last-Sunday-of-`month` from 2027 on that is still at least two days away.
fn next_dst_sunday(month: u32) -> UtcTime {
    let soon = UtcTime::now().plus_days(2);
    (2027..)
        .map(|year| {
            let (year, month, day) = last_sunday(year, month);
            UtcTime::date(year, month, day)
        })
        .find(|day| *day > soon)
        .unwrap_or_else(|| unreachable!("the years are unbounded"))
}

/// A server and a praticien of a Europe/Paris structure who works Sundays 01:00–04:00.
async fn sunday_night_praticien() -> (TestApp, Praticien) {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let structure = app.create_structure(&admin, "Paris").await;
    let praticien = app
        .create_praticien(
            &admin,
            &structure,
            json!({
                "horaires": [{
                    "jour": "dimanche",
                    "debut": "01:00",
                    "fin": "04:00",
                    "structure_id": structure,
                    "types": ["presentiel"],
                }],
                "reglages": reglages("signalee", 730),
            }),
        )
        .await;
    (app, praticien)
}

/// The free créneaux from noon UTC the day before `sunday` to noon UTC on it: the whole local night.
async fn sunday_night(app: &TestApp, praticien: &Praticien, sunday: UtcTime) -> Vec<Value> {
    app.disponibilites(&praticien.id, sunday.plus_hours(-12), sunday.plus_hours(12))
        .await
}

/// Asserts the créneaux start at `expected` and each lasts 30 real minutes, without overlap.
#[track_caller]
fn assert_starts(creneaux: &[Value], expected: &[UtcTime]) {
    let debuts: Vec<UtcTime> = creneaux.iter().map(|c| instant(c, "debut")).collect();
    assert_eq!(debuts, expected, "{creneaux:?}");
    for c in creneaux {
        assert_eq!(
            instant(c, "fin").minutes_since(instant(c, "debut")),
            30,
            "a créneau lasts its nominal duration in real time: {c}"
        );
    }
    for pair in creneaux.windows(2) {
        assert!(
            instant(&pair[0], "fin") <= instant(&pair[1], "debut"),
            "overlapping créneaux: {pair:?}"
        );
    }
}

#[tokio::test]
async fn spring_forward_sunday_skips_the_missing_hour() {
    let (app, praticien) = sunday_night_praticien().await;
    let sunday = next_dst_sunday(3);

    let creneaux = sunday_night(&app, &praticien, sunday).await;

    // 01:00 and 01:30 CET (UTC+1), then 03:00 and 03:30 CEST (UTC+2); 02:00 and 02:30 do not exist.
    let local = |h: i64, m: i64| sunday.plus_hours(h).plus_minutes(m);
    assert_starts(&creneaux, &[local(0, 0), local(0, 30), local(1, 0), local(1, 30)]);

    // The créneau after the jump is a real one: it can be booked, and it ends 30 minutes later.
    let patient = app.register_patient().await;
    let rdv = app
        .book(patient.token(), &praticien.id, &creneaux[2])
        .await
        .assert_status(201);
    assert_eq!(instant(&rdv, "debut"), local(1, 0), "{rdv}");
    assert_eq!(instant(&rdv, "fin"), local(1, 30), "{rdv}");
    assert_eq!(sunday_night(&app, &praticien, sunday).await.len(), 3);
    assert_eq!(string(&rdv, "patient_id"), patient.id);
}

#[tokio::test]
async fn fall_back_sunday_gives_six_non_overlapping_creneaux() {
    let (app, praticien) = sunday_night_praticien().await;
    let sunday = next_dst_sunday(10);

    let creneaux = sunday_night(&app, &praticien, sunday).await;

    // 01:00, 01:30, and the first 02:00 and 02:30 in CEST (UTC+2); then 03:00 and 03:30 in CET (UTC+1).
    // The second 02:00 and 02:30 (01:00Z, 01:30Z) yield nothing: a doubled wall-clock time is taken once.
    let utc = |h: i64, m: i64| sunday.plus_hours(h).plus_minutes(m);
    assert_starts(
        &creneaux,
        &[
            utc(-1, 0),
            utc(-1, 30),
            utc(0, 0),
            utc(0, 30),
            utc(2, 0),
            utc(2, 30),
        ],
    );

    // Booking the first 02:30 takes that créneau only.
    let patient = app.register_patient().await;
    let rdv = app
        .book(patient.token(), &praticien.id, &creneaux[3])
        .await
        .assert_status(201);
    assert_eq!(instant(&rdv, "debut"), utc(0, 30), "{rdv}");
    let restants = sunday_night(&app, &praticien, sunday).await;
    assert_starts(
        &restants,
        &[utc(-1, 0), utc(-1, 30), utc(0, 0), utc(2, 0), utc(2, 30)],
    );
}
