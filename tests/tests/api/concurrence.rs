//! Concurrent bookings of one créneau: the check and the write are one transaction (DOMAIN.md,
//! "Booking"), so exactly one wins, whatever the interleaving.

use e2e::{Body, Reply, TestApp, UtcTime, booking, instant, string};
use reqwest::Method;
use serde_json::json;
use tokio::task::JoinSet;

/// Patients booking the same créneau at once.
const BOOKERS: usize = 20;

#[tokio::test]
async fn twenty_concurrent_bookings_of_one_creneau_give_exactly_one_rdv() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let structure = app.create_structure(&admin, "Lyon").await;
    let praticien = app.create_praticien(&admin, &structure, json!({})).await;
    let now = UtcTime::now();
    let creneau = app
        .first_free_creneau(&praticien.id, now.plus_days(1), now.plus_days(8))
        .await;
    let (debut, fin) = (instant(&creneau, "debut"), instant(&creneau, "fin"));
    let mut patients = Vec::with_capacity(BOOKERS);
    for _ in 0..BOOKERS {
        patients.push(app.register_patient().await);
    }

    // All requests are built first, then sent together; each task reads its whole answer.
    let mut requests = JoinSet::new();
    for (i, patient) in patients.iter().enumerate() {
        let request = app.request(
            Method::POST,
            "/rdvs",
            patient.token(),
            Body::Json(booking(&praticien.id, &creneau)),
        );
        requests.spawn(async move {
            let name = format!("POST /rdvs (patient {i})");
            match request.send().await {
                Ok(response) => Ok((i, Reply::read(name, response).await)),
                Err(err) => Err(format!("{name} failed: {err}")),
            }
        });
    }
    let mut replies = Vec::with_capacity(BOOKERS);
    while let Some(joined) = requests.join_next().await {
        match joined.expect("a booking task panicked") {
            Ok(reply) => replies.push(reply),
            Err(err) => panic!("{err}\n--- server stderr ---\n{}", app.logs()),
        }
    }

    let statuses: Vec<u16> = replies.iter().map(|(_, reply)| reply.status()).collect();
    let winners: Vec<&(usize, Reply)> = replies
        .iter()
        .filter(|(_, reply)| reply.status() == 201)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one booking must succeed: {statuses:?}");
    let (gagnant, reply) = winners[0];
    let rdv = reply.json();
    for (_, reply) in replies.iter().filter(|(_, reply)| reply.status() != 201) {
        reply.assert_problem(409, "creneau_indisponible");
    }

    // The store holds that one rdv: in its patient's list, in no other's, once in the busy intervals.
    for (i, patient) in patients.iter().enumerate() {
        let a_venir = app.rdvs_a_venir(patient.token(), &patient.id).await;
        if i == *gagnant {
            assert_eq!(a_venir.len(), 1, "{a_venir:?}");
            assert_eq!(a_venir[0]["id"], rdv["id"], "{a_venir:?}");
            assert_eq!(instant(&a_venir[0], "debut"), debut);
        } else {
            assert!(
                a_venir.is_empty(),
                "patient {i} lost the race but has {a_venir:?}"
            );
        }
    }
    let calendrier = app
        .get_as(
            &format!(
                "/praticiens/{}/calendrier?debut={}&fin={}",
                praticien.id,
                debut.plus_hours(-12),
                fin.plus_hours(12)
            ),
            None,
        )
        .await
        .assert_status(200);
    let occupes = calendrier["occupes"]
        .as_array()
        .unwrap_or_else(|| panic!("no `occupes` in {calendrier}"));
    assert_eq!(occupes.len(), 1, "one rdv, one busy interval: {occupes:?}");
    assert_eq!(instant(&occupes[0], "debut"), debut, "{occupes:?}");
    assert_eq!(instant(&occupes[0], "fin"), fin, "{occupes:?}");
    let libres = app.disponibilites(&praticien.id, debut, fin).await;
    assert!(libres.is_empty(), "the créneau is still offered: {libres:?}");
    assert_eq!(string(&rdv, "patient_id"), patients[*gagnant].id);
}
