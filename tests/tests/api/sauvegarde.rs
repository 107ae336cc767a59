//! Backups (issue 10): `GET /admin/backup` while bookings run, `toubeelib restore` into a new data
//! directory, and every rdv acknowledged before the backup began found there, with the documents.

use std::cell::{Cell, RefCell};
use std::path::Path;

use e2e::{Body, TestApp, UtcTime, binary_path, string};
use reqwest::Method;

const LIMITE: &str = "e2e-sauvegarde-limite";
const MULTIPART: &str = "multipart/form-data; boundary=e2e-sauvegarde-limite";

/// A one-page PDF as the upload form.
fn formulaire(contenu: &str) -> Vec<u8> {
    format!(
        "--{LIMITE}\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\ncompte_rendu\r\n\
         --{LIMITE}\r\nContent-Disposition: form-data; name=\"titre\"\r\n\r\nCompte rendu\r\n\
         --{LIMITE}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cr.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4\n{contenu}\n%%EOF\n\r\n--{LIMITE}--\r\n"
    )
    .into_bytes()
}

/// `toubeelib restore --from archive --data dossier`, which must succeed.
fn restaurer(archive: &Path, dossier: &Path) -> String {
    let sortie = std::process::Command::new(binary_path().expect("the toubeelib binary"))
        .arg("restore")
        .arg("--from")
        .arg(archive)
        .arg("--data")
        .arg(dossier)
        .output()
        .expect("run toubeelib restore");
    assert!(
        sortie.status.success(),
        "restore failed: {}",
        String::from_utf8_lossy(&sortie.stderr)
    );
    String::from_utf8_lossy(&sortie.stdout).into_owned()
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_every_rdv_acknowledged_before_it_began() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let praticien = app.cabinet_ouvert(&admin, "08:00", "20:00").await;
    let medecin = app.token_for(&praticien.email, e2e::PRATICIEN_PASSWORD).await;
    let patients = [app.register_patient().await, app.register_patient().await];
    let now = UtcTime::now();
    let creneaux = app
        .disponibilites(&praticien.id, now.plus_days(1), now.plus_days(15))
        .await;
    assert!(creneaux.len() >= 60, "{} créneaux", creneaux.len());
    let mut creneaux = creneaux.into_iter();

    // Some rdvs, and a document in the first patient's dossier.
    let mut reconnus = Vec::new();
    for (i, c) in creneaux.by_ref().take(10).enumerate() {
        let p = &patients[i % 2];
        let rdv = app.book(p.token(), &praticien.id, &c).await.assert_status(201);
        reconnus.push((i % 2, string(&rdv, "id")));
    }
    let contenu = format!("sauvegarde {}", e2e::unique());
    let depot = app
        .post_raw(
            &format!("/patients/{}/documents", patients[0].id),
            Some(&medecin),
            MULTIPART,
            formulaire(&contenu),
        )
        .await;
    let document = string(&depot.assert_status(201), "id");

    // Bookings go on while the backup is taken: each acknowledged one is noted with whether the
    // backup had been asked for by then.
    let apres = RefCell::new(Vec::new());
    let demandee = Cell::new(false);
    let finie = Cell::new(false);
    let sous_charge = Cell::new(0usize);
    let charge = async {
        let mut i = 0;
        while !finie.get() {
            let Some(c) = creneaux.next() else { break };
            let p = &patients[i % 2];
            let reponse = app.book(p.token(), &praticien.id, &c).await;
            if reponse.status() == 201 {
                let id = string(&reponse.json(), "id");
                // Acknowledged after the backup was asked for: it may or may not be in it.
                if demandee.get() {
                    apres.borrow_mut().push(id);
                } else {
                    reconnus.push((i % 2, id));
                    sous_charge.set(sous_charge.get() + 1);
                }
            }
            i += 1;
        }
    };
    let sauvegarde = async {
        // The backup begins once bookings are flowing, and they go on while it is taken.
        while sous_charge.get() < 5 {
            tokio::task::yield_now().await;
        }
        demandee.set(true);
        let reponse = app
            .send(app.request(Method::GET, "/admin/backup", Some(&admin), Body::Empty))
            .await;
        finie.set(true);
        reponse
    };
    let ((), reponse) = tokio::join!(charge, sauvegarde);
    assert_eq!(reponse.status(), 200, "{}", reponse.text());
    assert_eq!(reponse.header("content-type"), Some("application/x-tar"));
    assert!(
        reponse
            .header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment; filename=\"toubeelib-")),
        "{:?}",
        reponse.header("content-disposition")
    );
    let dossier = tempfile::tempdir().expect("tempdir");
    let archive = dossier.path().join("sauvegarde.tar");
    std::fs::write(&archive, reponse.bytes()).expect("write the archive");
    assert!(
        reconnus.len() > 10,
        "some bookings were acknowledged under load before the backup: {}",
        reconnus.len()
    );

    // Restored into a new directory and served: every rdv acknowledged before is there.
    let restaure = dossier.path().join("restaure");
    let dit = restaurer(&archive, &restaure);
    assert!(dit.contains("restored"), "{dit}");
    let copie = TestApp::builder().data_dir(&restaure).spawn().await;
    let jetons = [
        copie.token_for(&patients[0].email, &patients[0].password).await,
        copie.token_for(&patients[1].email, &patients[1].password).await,
    ];
    for (p, rdv) in &reconnus {
        copie
            .get_as(&format!("/rdvs/{rdv}"), Some(&jetons[*p]))
            .await
            .assert_status(200);
    }
    let lu = copie
        .get_as(&format!("/documents/{document}"), Some(&jetons[0]))
        .await;
    assert_eq!(lu.status(), 200, "{}", lu.text());
    assert!(lu.text().contains(&contenu), "the document's bytes came back");
    // A restore never writes over data.
    let refus = std::process::Command::new(binary_path().expect("binary"))
        .args(["restore", "--from"])
        .arg(&archive)
        .arg("--data")
        .arg(&restaure)
        .output()
        .expect("run restore");
    assert!(!refus.status.success());
    eprintln!(
        "backup round trip: {} rdvs acknowledged before the backup found, {} booked during or after it",
        reconnus.len(),
        apres.borrow().len()
    );
}

#[tokio::test]
async fn only_the_admin_takes_a_backup_and_the_offline_command_writes_the_same_archive() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut app = TestApp::builder().seed_demo().data_dir(data.path()).spawn().await;
    app.get_as("/admin/backup", None)
        .await
        .assert_problem(401, "non_authentifie");
    let patient = app.register_patient().await;
    app.get_as("/admin/backup", patient.token())
        .await
        .assert_problem(403, "acces_refuse");
    app.terminate().await.expect("SIGTERM");

    let archive = data.path().with_extension("tar");
    let sortie = std::process::Command::new(binary_path().expect("binary"))
        .args(["backup", "--data"])
        .arg(data.path())
        .arg("--out")
        .arg(&archive)
        .output()
        .expect("run toubeelib backup");
    assert!(
        sortie.status.success(),
        "{}",
        String::from_utf8_lossy(&sortie.stderr)
    );
    let restaure = tempfile::tempdir().expect("tempdir");
    let cible = restaure.path().join("data");
    restaurer(&archive, &cible);
    let _ = std::fs::remove_file(&archive);
    let copie = TestApp::builder().data_dir(&cible).spawn().await;
    let jeton = copie.token_for(&patient.email, &patient.password).await;
    copie.get_as("/me", Some(&jeton)).await.assert_status(200);
    let demo = copie
        .get_as("/praticiens?ville=Nancy", None)
        .await
        .assert_status(200);
    assert!(
        !demo["items"].as_array().is_some_and(Vec::is_empty),
        "the demo praticiens came back and the index was rebuilt: {demo}"
    );
}
