//! The partie médicale (API.md "Dossier patient", DOMAIN.md access table): documents uploaded by a
//! linked praticien and downloaded byte for byte by the patient, refused by their bytes (415) or their
//! size (413) with nothing stored, read by the patient and linked praticiens only, every read in the
//! patient's access log with its request id, and the RGPD export of everything held on the patient.
//!
//! On the demo maison médicale: Lucas Martin (`00000000-0004-7000-8000-000000000001`) has honoured rdvs
//! with Dr Camille Laurent (linked) and none with Dr Thomas Girard (not linked); Valérie Thiébaut is
//! Dr Laurent's personnel.

use e2e::{Body, DEMO_PASSWORD, Reply, TestApp, access_token, string, unique};
use reqwest::Method;
use serde_json::Value;

/// The demo patient.
const LUCAS: &str = "00000000-0004-7000-8000-000000000001";
const LUCAS_EMAIL: &str = "lucas.martin@patient.example";
/// Another demo patient.
const EMMA_EMAIL: &str = "emma.dubois@patient.example";
/// Lucas's généraliste: linked (rdvs).
const LAURENT_EMAIL: &str = "camille.laurent@toubeelib.example";
/// A demo praticien Lucas never saw.
const GIRARD_EMAIL: &str = "thomas.girard@toubeelib.example";
/// Dr Laurent's personnel.
const THIEBAUT_EMAIL: &str = "valerie.thiebaut@toubeelib.example";

/// Largest document accepted (API.md: 10 MiB).
const DOCUMENT_OCTETS_MAX: usize = 10 * 1024 * 1024;

const LIMITE: &str = "e2e-toubeelib-limite-7d1f";
const MULTIPART: &str = "multipart/form-data; boundary=e2e-toubeelib-limite-7d1f";

/// Words of the PDF below that must never reach the server's logs.
const CONTENU_PDF: &str = "e2e-contenu-confidentiel";

/// A small valid PDF (one page, one line of text), its cross-reference offsets exact.
const PDF: &str = concat!(
    "%PDF-1.4\n",
    "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
    "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
    "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>\nendobj\n",
    "4 0 obj\n<< /Length 104 >>\nstream\n",
    "BT /F1 12 Tf 72 770 Td (Amoxicilline 1 g matin et soir pendant 6 jours - e2e-contenu-confidentiel) Tj ET\n",
    "endstream\nendobj\n",
    "5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n",
    "xref\n0 6\n",
    "0000000000 65535 f \n",
    "0000000009 00000 n \n",
    "0000000058 00000 n \n",
    "0000000115 00000 n \n",
    "0000000241 00000 n \n",
    "0000000396 00000 n \n",
    "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n466\n%%EOF\n",
);
/// Its SHA-256.
const PDF_SHA256: &str = "99bfbdbe5c306aec8d04fd84b52621c86bc5359a5f23d66665c0277b86d97b21";

/// CRC-32 (ISO-HDLC), as PNG chunks carry it.
fn crc32(octets: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &o in octets {
        crc ^= u32::from(o);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A valid 1×1 grey PNG: signature, IHDR, IDAT (zlib, one stored block), IEND.
fn png() -> Vec<u8> {
    fn morceau(png: &mut Vec<u8>, nom: &[u8], donnees: &[u8]) {
        png.extend((donnees.len() as u32).to_be_bytes());
        let debut = png.len();
        png.extend(nom);
        png.extend(donnees);
        let crc = crc32(&png[debut..]);
        png.extend(crc.to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    // 1×1, 8-bit greyscale, deflate, no filter, no interlace.
    morceau(&mut png, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    // The scanline: filter 0, one white pixel; stored in zlib, with its Adler-32.
    let ligne = [0u8, 0xFF];
    let (a, b) = ligne.iter().fold((1u32, 0u32), |(a, b), &o| {
        ((a + u32::from(o)) % 65521, (b + a + u32::from(o)) % 65521)
    });
    let mut zlib = vec![0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF];
    zlib.extend(ligne);
    zlib.extend(((b << 16) | a).to_be_bytes());
    morceau(&mut png, b"IDAT", &zlib);
    morceau(&mut png, b"IEND", &[]);
    png
}

/// A valid baseline JPEG of one 8×8 grey block: quantisation 1, one-code Huffman tables (DC category 0,
/// AC end of block), scan data `00` padded with ones.
fn jpeg() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    // DQT: table 0, 8-bit, all ones.
    j.extend([0xFF, 0xDB, 0x00, 0x43, 0x00]);
    j.extend([1u8; 64]);
    // SOF0: 8-bit, 8×8, one component (id 1, 1×1 sampling, table 0).
    j.extend([
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00,
    ]);
    // DHT: DC table 0 and AC table 0, one code of length 1 each (symbol 0).
    for classe in [0x00, 0x10] {
        j.extend([0xFF, 0xC4, 0x00, 0x14, classe, 0x01]);
        j.extend([0u8; 15]);
        j.push(0x00);
    }
    // SOS: component 1 with tables 0/0, spectral selection 0–63.
    j.extend([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    j.push(0b0011_1111);
    j.extend([0xFF, 0xD9]);
    j
}

/// A `multipart/form-data` body (boundary [`LIMITE`]): `type`, `titre`, then `file` with its client
/// file name and declared type.
fn formulaire(
    type_document: &str,
    titre: &str,
    nom_fichier: &str,
    type_declare: &str,
    octets: &[u8],
) -> Vec<u8> {
    let mut corps = Vec::with_capacity(octets.len() + 512);
    for (nom, valeur) in [("type", type_document), ("titre", titre)] {
        corps.extend(
            format!("--{LIMITE}\r\nContent-Disposition: form-data; name=\"{nom}\"\r\n\r\n{valeur}\r\n")
                .as_bytes(),
        );
    }
    corps.extend(
        format!(
            "--{LIMITE}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{nom_fichier}\"\r\n\
             Content-Type: {type_declare}\r\n\r\n"
        )
        .as_bytes(),
    );
    corps.extend(octets);
    corps.extend(format!("\r\n--{LIMITE}--\r\n").as_bytes());
    corps
}

/// `POST /patients/{patient}/documents` with a form.
async fn deposer(app: &TestApp, token: &str, patient: &str, corps: Vec<u8>) -> Reply {
    app.post_raw(
        &format!("/patients/{patient}/documents"),
        Some(token),
        MULTIPART,
        corps,
    )
    .await
}

/// `GET /documents/{id}`: status, content type, content disposition and the bytes as they came.
async fn telecharger(app: &TestApp, token: &str, id: &str) -> (u16, String, String, Vec<u8>) {
    let reponse = app
        .request(Method::GET, &format!("/documents/{id}"), Some(token), Body::Empty)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET /documents/{id}: {e}\n{}", app.logs()));
    let entete = |nom: &str| {
        reponse
            .headers()
            .get(nom)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (status, type_contenu, disposition) = (
        reponse.status().as_u16(),
        entete("content-type"),
        entete("content-disposition"),
    );
    let octets = reponse
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("GET /documents/{id}: body: {e}"))
        .to_vec();
    (status, type_contenu, disposition, octets)
}

/// `GET path` with an `x-request-id`.
async fn get_avec_id(app: &TestApp, path: &str, token: &str, id_requete: &str) -> Reply {
    app.send(
        app.request(Method::GET, path, Some(token), Body::Empty)
            .header("x-request-id", id_requete),
    )
    .await
}

/// An access token of a demo account.
async fn jeton(app: &TestApp, email: &str) -> String {
    access_token(&app.signin(email, DEMO_PASSWORD).await.assert_status(200))
}

/// The files of the data directory's `documents/` (none if it does not exist yet).
fn fichiers_stockes(app: &TestApp) -> Vec<String> {
    match std::fs::read_dir(app.data_dir().join("documents")) {
        Ok(entrees) => entrees
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("documents/: {e}")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("documents/: {e}"),
    }
}

/// The items of a JSON list field.
#[track_caller]
fn items<'a>(valeur: &'a Value, champ: &str) -> &'a Vec<Value> {
    valeur[champ]
        .as_array()
        .unwrap_or_else(|| panic!("no `{champ}` array: {valeur}"))
}

#[tokio::test]
async fn a_pdf_uploaded_by_a_linked_praticien_comes_back_byte_for_byte_to_the_patient() {
    let app = TestApp::builder().seed_demo().spawn().await;
    let laurent = jeton(&app, LAURENT_EMAIL).await;
    let lucas = jeton(&app, LUCAS_EMAIL).await;
    let laurent_compte = string(&app.me(&laurent).await, "id");

    let reponse = deposer(
        &app,
        &laurent,
        LUCAS,
        formulaire(
            "ordonnance",
            "Ordonnance d'amoxicilline",
            "scan_0042.pdf",
            "application/pdf",
            PDF.as_bytes(),
        ),
    )
    .await;
    let document = reponse.assert_status(201);
    let id = string(&document, "id");
    assert_eq!(
        reponse.header("location"),
        Some(format!("/documents/{id}").as_str())
    );
    assert_eq!(document["type"], "ordonnance");
    assert_eq!(document["titre"], "Ordonnance d'amoxicilline");
    assert_eq!(document["taille"], PDF.len());
    assert_eq!(document["sha256"], PDF_SHA256);
    assert_eq!(document["mime"], "application/pdf");
    assert_eq!(document["depose_par"], laurent_compte.as_str());
    assert!(document["le"].is_string(), "{document}");
    // Stored under the server's name, never the client's.
    assert_eq!(fichiers_stockes(&app), vec![id.clone()]);

    let (status, type_contenu, disposition, octets) = telecharger(&app, &lucas, &id).await;
    assert_eq!(status, 200);
    assert_eq!(type_contenu, "application/pdf");
    assert!(
        disposition.starts_with("attachment; filename=\"Ordonnance d_amoxicilline.pdf\""),
        "{disposition}"
    );
    assert_eq!(octets, PDF.as_bytes(), "the patient downloads the same bytes");
    let (status, _, _, octets) = telecharger(&app, &laurent, &id).await;
    assert_eq!((status, octets.as_slice()), (200, PDF.as_bytes()));

    // PNG and JPEG, by their bytes, whatever the name and the declared type.
    for (type_document, nom, octets, mime) in [
        ("resultat", "radio.jpeg", png(), "image/png"),
        ("compte_rendu", "photo.bin", jpeg(), "image/jpeg"),
    ] {
        let doc = deposer(
            &app,
            &laurent,
            LUCAS,
            formulaire(type_document, "Image", nom, "application/octet-stream", &octets),
        )
        .await
        .assert_status(201);
        assert_eq!(doc["mime"], mime);
        let (status, type_contenu, disposition, lus) = telecharger(&app, &lucas, &string(&doc, "id")).await;
        assert_eq!((status, type_contenu.as_str()), (200, mime));
        assert!(disposition.contains(if mime == "image/png" {
            "Image.png"
        } else {
            "Image.jpg"
        }));
        assert_eq!(lus, octets);
    }

    // The patient's partie médicale: the three documents, the latest first, and the honoured rdvs.
    let dossier = app
        .get_as(&format!("/patients/{LUCAS}/dossier-medical"), Some(&lucas))
        .await
        .assert_status(200);
    let documents = items(&dossier, "documents");
    assert_eq!(documents.len(), 3, "{dossier}");
    assert_eq!(documents[2]["id"], id.as_str());
    assert_eq!(documents[2]["sha256"], PDF_SHA256);
    let consultations = items(&dossier, "consultations");
    let rdvs: Vec<&str> = consultations
        .iter()
        .filter_map(|c| c["rdv_id"].as_str())
        .collect();
    assert_eq!(
        rdvs,
        [
            "00000000-0006-7000-8000-000000000007",
            "00000000-0006-7000-8000-000000000002",
            "00000000-0006-7000-8000-000000000009",
            "00000000-0006-7000-8000-000000000001",
        ],
        "honoured rdvs only, the latest first: {dossier}"
    );
    let derniere = &consultations[0];
    assert_eq!(derniere["praticien"]["nom"], "Laurent");
    assert_eq!(derniere["praticien"]["prenom"], "Camille");
    assert_eq!(derniere["specialite"], "medecine_generale");
    assert_eq!(derniere["type"], "teleconsultation");
    assert_eq!(derniere["motif"], "suivi");
    assert_eq!(derniere["statut"], "paye");
    assert_eq!(dossier["complet"], true);

    let logs = app.logs();
    assert!(
        !logs.contains(CONTENU_PDF),
        "the document's content reached the logs"
    );
    assert!(
        !logs.contains("amoxicilline"),
        "the document's title reached the logs"
    );
}

#[tokio::test]
async fn a_renamed_exe_is_415_and_an_oversized_file_413_and_neither_is_stored() {
    let app = TestApp::builder().seed_demo().spawn().await;
    let laurent = jeton(&app, LAURENT_EMAIL).await;
    let lucas = jeton(&app, LUCAS_EMAIL).await;

    // A Windows executable named and declared as a PDF.
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF\x00\x00".to_vec();
    exe.extend(b"This program cannot be run in DOS mode.\r\r\n$");
    deposer(
        &app,
        &laurent,
        LUCAS,
        formulaire(
            "ordonnance",
            "Ordonnance",
            "ordonnance.pdf",
            "application/pdf",
            &exe,
        ),
    )
    .await
    .assert_problem(415, "type_non_supporte");

    // 10 MiB + 1 byte: 413, a PDF or not.
    let mut gros = b"%PDF-1.4\n".to_vec();
    gros.resize(DOCUMENT_OCTETS_MAX + 1, b' ');
    deposer(
        &app,
        &laurent,
        LUCAS,
        formulaire("resultat", "Scanner", "scanner.pdf", "application/pdf", &gros),
    )
    .await
    .assert_problem(413, "document_trop_volumineux");
    deposer(
        &app,
        &laurent,
        LUCAS,
        formulaire(
            "resultat",
            "Zéros",
            "zeros.bin",
            "application/octet-stream",
            &vec![0u8; DOCUMENT_OCTETS_MAX + 1],
        ),
    )
    .await
    .assert_problem(413, "document_trop_volumineux");

    // Nothing stored for either: no file, no document in the dossier.
    assert_eq!(fichiers_stockes(&app), Vec::<String>::new());
    let dossier = app
        .get_as(&format!("/patients/{LUCAS}/dossier-medical"), Some(&lucas))
        .await
        .assert_status(200);
    assert_eq!(items(&dossier, "documents").len(), 0, "{dossier}");

    // Exactly 10 MiB is accepted, and is then the only file.
    gros.truncate(DOCUMENT_OCTETS_MAX);
    let doc = deposer(
        &app,
        &laurent,
        LUCAS,
        formulaire("resultat", "Scanner", "scanner.pdf", "application/pdf", &gros),
    )
    .await
    .assert_status(201);
    assert_eq!(doc["taille"], DOCUMENT_OCTETS_MAX);
    assert_eq!(fichiers_stockes(&app), vec![string(&doc, "id")]);
}

#[tokio::test]
async fn a_malformed_upload_is_refused_with_what_is_wrong() {
    let app = TestApp::builder().seed_demo().spawn().await;
    let laurent = jeton(&app, LAURENT_EMAIL).await;
    let pdf = PDF.as_bytes();
    for (corps, status, code) in [
        (
            formulaire("radio", "Radio", "r.pdf", "application/pdf", pdf),
            422,
            "type_document_invalide",
        ),
        (
            formulaire("autre", "   ", "r.pdf", "application/pdf", pdf),
            422,
            "champ_invalide",
        ),
        (
            formulaire("autre", &"é".repeat(201), "r.pdf", "application/pdf", pdf),
            422,
            "champ_invalide",
        ),
        (
            b"--e2e-toubeelib-limite-7d1f--\r\n".to_vec(),
            400,
            "requete_invalide",
        ),
        (b"pas un formulaire".to_vec(), 400, "requete_invalide"),
    ] {
        deposer(&app, &laurent, LUCAS, corps)
            .await
            .assert_problem(status, code);
    }
    // JSON is not a form.
    app.post_json(
        &format!("/patients/{LUCAS}/documents"),
        Some(&laurent),
        &serde_json::json!({ "type": "autre", "titre": "x" }),
    )
    .await
    .assert_problem_among(&[415], &[]);
    assert_eq!(fichiers_stockes(&app), Vec::<String>::new());
}

#[tokio::test]
async fn the_partie_medicale_is_the_patients_and_linked_praticiens_only() {
    let app = TestApp::builder().seed_demo().spawn().await;
    let laurent = jeton(&app, LAURENT_EMAIL).await;
    let girard = jeton(&app, GIRARD_EMAIL).await;
    let thiebaut = jeton(&app, THIEBAUT_EMAIL).await;
    let emma = jeton(&app, EMMA_EMAIL).await;
    let lucas = jeton(&app, LUCAS_EMAIL).await;
    let admin = app.admin_token().await;
    let pdf = || {
        formulaire(
            "lettre",
            "Lettre",
            "lettre.pdf",
            "application/pdf",
            PDF.as_bytes(),
        )
    };

    let doc = deposer(&app, &laurent, LUCAS, pdf()).await.assert_status(201);
    let document = format!("/documents/{}", string(&doc, "id"));
    let dossier = format!("/patients/{LUCAS}/dossier-medical");

    // A praticien Lucas never saw, Dr Laurent's own personnel, the admin, another patient: 403.
    for (qui, token) in [
        ("a praticien not linked", &girard),
        ("personnel", &thiebaut),
        ("the admin", &admin),
        ("another patient", &emma),
    ] {
        for chemin in [&dossier, &document] {
            let reponse = app.get_as(chemin, Some(token)).await;
            assert_eq!(reponse.status(), 403, "{qui}: GET {chemin}: {}", reponse.text());
            reponse.assert_problem(403, "acces_refuse");
        }
        deposer(&app, token, LUCAS, pdf())
            .await
            .assert_problem(403, "acces_refuse");
    }
    // The patient reads but does not upload; the access log and the export are the patient's alone.
    deposer(&app, &lucas, LUCAS, pdf())
        .await
        .assert_problem(403, "acces_refuse");
    for chemin in [
        format!("/patients/{LUCAS}/acces"),
        format!("/patients/{LUCAS}/export"),
    ] {
        for token in [&laurent, &thiebaut, &admin, &emma] {
            app.get_as(&chemin, Some(token))
                .await
                .assert_problem(403, "acces_refuse");
        }
    }
    for chemin in [&dossier, &document] {
        app.get_as(chemin, None)
            .await
            .assert_problem(401, "non_authentifie");
    }
    app.get_as(&format!("/documents/{}", uuid_inconnu()), Some(&lucas))
        .await
        .assert_problem(404, "introuvable");

    // Refused reads are not reads: the log is empty.
    let journal = app
        .get_as(&format!("/patients/{LUCAS}/acces"), Some(&lucas))
        .await
        .assert_status(200);
    assert_eq!(items(&journal, "items").len(), 0, "{journal}");
    assert_eq!(fichiers_stockes(&app).len(), 1);
}

/// An id no document has.
fn uuid_inconnu() -> String {
    format!("0190a1b2-c3d4-7e5f-8a6b-{:012x}", unique())
}

#[tokio::test]
async fn a_praticiens_read_shows_in_the_patients_access_log_with_its_request_id() {
    let app = TestApp::builder().seed_demo().spawn().await;
    let laurent = jeton(&app, LAURENT_EMAIL).await;
    let lucas = jeton(&app, LUCAS_EMAIL).await;
    let laurent_compte = string(&app.me(&laurent).await, "id");
    let lucas_compte = string(&app.me(&lucas).await, "id");
    let doc = deposer(
        &app,
        &laurent,
        LUCAS,
        formulaire(
            "compte_rendu",
            "Compte rendu",
            "cr.pdf",
            "application/pdf",
            PDF.as_bytes(),
        ),
    )
    .await
    .assert_status(201);
    let doc_id = string(&doc, "id");

    let n = unique();
    let lecture_dossier = format!("e2e-lecture-dossier-{n}");
    let reponse = get_avec_id(
        &app,
        &format!("/patients/{LUCAS}/dossier-medical"),
        &laurent,
        &lecture_dossier,
    )
    .await;
    reponse.assert_status(200);
    assert_eq!(reponse.header("x-request-id"), Some(lecture_dossier.as_str()));
    let lecture_document = format!("e2e-lecture-document-{n}");
    let telechargement =
        get_avec_id(&app, &format!("/documents/{doc_id}"), &laurent, &lecture_document).await;
    assert_eq!(telechargement.status(), 200, "{}", telechargement.text());
    assert_eq!(telechargement.text(), PDF);
    let lecture_patient = format!("e2e-lecture-patient-{n}");
    get_avec_id(
        &app,
        &format!("/patients/{LUCAS}/dossier-medical"),
        &lucas,
        &lecture_patient,
    )
    .await
    .assert_status(200);

    let journal = app
        .get_as(&format!("/patients/{LUCAS}/acces"), Some(&lucas))
        .await
        .assert_status(200);
    let entrees = items(&journal, "items");
    assert_eq!(entrees.len(), 3, "{journal}");
    let attendus = [
        (
            lecture_patient.as_str(),
            lucas_compte.as_str(),
            "patient",
            "dossier_medical".to_owned(),
            "Lucas Martin",
        ),
        (
            lecture_document.as_str(),
            laurent_compte.as_str(),
            "praticien",
            format!("document:{doc_id}"),
            "Dr Camille Laurent",
        ),
        (
            lecture_dossier.as_str(),
            laurent_compte.as_str(),
            "praticien",
            "dossier_medical".to_owned(),
            "Dr Camille Laurent",
        ),
    ];
    for (entree, (request_id, qui, role, quoi, nom)) in entrees.iter().zip(attendus) {
        assert_eq!(entree["request_id"], request_id, "{entree}");
        assert_eq!(entree["qui"], qui, "{entree}");
        assert_eq!(entree["role"], role, "{entree}");
        assert_eq!(entree["quoi"], quoi.as_str(), "{entree}");
        assert_eq!(entree["nom"], nom, "{entree}");
        assert!(entree["le"].is_string() && entree["id"].is_string(), "{entree}");
    }
    // The request id is the one the server logged the request under.
    assert!(app.logs().contains(&lecture_dossier));

    // Paged, the latest first.
    let premiere = app
        .get_as(&format!("/patients/{LUCAS}/acces?limit=2"), Some(&lucas))
        .await
        .assert_status(200);
    assert_eq!(items(&premiere, "items")[..], entrees[..2]);
    let suite = string(&premiere, "next_cursor");
    let seconde = app
        .get_as(
            &format!("/patients/{LUCAS}/acces?limit=2&cursor={}", e2e::encode(&suite)),
            Some(&lucas),
        )
        .await
        .assert_status(200);
    assert_eq!(items(&seconde, "items")[..], entrees[2..]);
    assert!(seconde.get("next_cursor").is_none(), "{seconde}");
}

#[tokio::test]
async fn the_export_holds_every_field_of_the_demo_patients_dossier() {
    let app = TestApp::builder().seed_demo().spawn().await;
    let laurent = jeton(&app, LAURENT_EMAIL).await;
    let lucas = jeton(&app, LUCAS_EMAIL).await;
    let me = app.me(&lucas).await;
    let doc = deposer(
        &app,
        &laurent,
        LUCAS,
        formulaire(
            "ordonnance",
            "Ordonnance",
            "o.pdf",
            "application/pdf",
            PDF.as_bytes(),
        ),
    )
    .await
    .assert_status(201);
    app.get_as(&format!("/patients/{LUCAS}/dossier-medical"), Some(&laurent))
        .await
        .assert_status(200);

    let export = app
        .get_as(&format!("/patients/{LUCAS}/export"), Some(&lucas))
        .await
        .assert_status(200);

    // The partie administrative, every field of the seeded patient (data/demo.json), normalised.
    let patient = &export["patient"];
    let attendu = serde_json::json!({
        "id": LUCAS,
        "nom": "Martin",
        "prenom": "Lucas",
        "date_naissance": "1988-04-17",
        "email": LUCAS_EMAIL,
        "telephones": ["+33671421895", "+33353015499"],
        "nir": "188045439511233",
        "adresse": "7 rue de la Craffe, 54000 Nancy",
        "medecin_traitant": { "texte": "Dr Camille Laurent" },
        "canal_prefere": "email",
    });
    assert_eq!(patient, &attendu, "export's patient");
    // …and exactly what the dossier shows.
    let dossier = app
        .get_as(&format!("/patients/{LUCAS}"), Some(&lucas))
        .await
        .assert_status(200);
    for (champ, valeur) in dossier.as_object().into_iter().flatten() {
        if champ != "links" {
            assert_eq!(&patient[champ], valeur, "export's patient.{champ}");
        }
    }

    assert_eq!(export["compte"]["id"], me["id"]);
    assert_eq!(export["compte"]["email"], LUCAS_EMAIL);
    assert_eq!(export["compte"]["role"], "patient");
    assert!(export["compte"].get("mot_de_passe_hash").is_none());

    // Every rdv, past and to come, by start, with history, payment and transmission.
    let rdvs = items(&export, "rdvs");
    let ids: Vec<&str> = rdvs.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "00000000-0006-7000-8000-000000000001",
            "00000000-0006-7000-8000-000000000009",
            "00000000-0006-7000-8000-000000000002",
            "00000000-0006-7000-8000-000000000007",
            "00000000-0006-7000-8000-000000000025",
            "00000000-0006-7000-8000-000000000031",
        ]
    );
    for rdv in rdvs {
        assert!(!items(rdv, "historique").is_empty(), "{rdv}");
        match rdv["statut"].as_str() {
            Some("transmis") => {
                assert!(rdv["paiement"].is_object(), "{rdv}");
                assert_eq!(rdv["transmission"]["organisme"], "CPAM de Meurthe-et-Moselle");
            }
            Some("paye") => assert!(rdv["paiement"]["montant_centimes"].is_u64(), "{rdv}"),
            Some("prevu") => assert!(rdv.get("paiement").is_none(), "{rdv}"),
            autre => panic!("statut {autre:?}: {rdv}"),
        }
    }
    assert!(export["patientele"].is_array(), "{export}");

    // Documents by reference, with their checksum.
    let documents = items(&export, "documents");
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0]["id"], doc["id"]);
    assert_eq!(documents[0]["sha256"], PDF_SHA256);
    assert_eq!(documents[0]["taille"], PDF.len());

    // The access log, as it was before this export; the export itself is then logged.
    let acces = items(&export, "acces");
    assert_eq!(acces.len(), 1, "{export}");
    assert_eq!(acces[0]["quoi"], "dossier_medical");
    assert_eq!(acces[0]["role"], "praticien");
    let journal = app
        .get_as(&format!("/patients/{LUCAS}/acces"), Some(&lucas))
        .await
        .assert_status(200);
    assert_eq!(items(&journal, "items")[0]["quoi"], "export");
    assert_eq!(export["complet"], true);

    let logs = app.logs();
    for nir in ["1 88 04 54 395 112 33", "188045439511233"] {
        assert!(!logs.contains(nir), "the NIR reached the logs");
    }
    assert!(
        !logs.contains(CONTENU_PDF),
        "the document's content reached the logs"
    );
}

#[tokio::test]
async fn a_start_sweeps_what_an_interrupted_upload_left() {
    let data = tempfile::tempdir().expect("tempdir");
    let dossier = data.path().join("documents");
    std::fs::create_dir_all(&dossier).expect("documents dir");
    // A temporary file cut short, and a file renamed into place whose record was never written.
    std::fs::write(dossier.join(".depot-Xy12ab"), b"%PDF-1.4 moiti").expect("write");
    let sans_fiche = "01a21352-4d0c-77a8-8ae2-0d376a11336b";
    std::fs::write(dossier.join(sans_fiche), b"%PDF-1.4 orphelin").expect("write");
    let app = TestApp::builder().data_dir(data.path()).spawn().await;
    let restes: Vec<_> = std::fs::read_dir(&dossier)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(restes.is_empty(), "{restes:?}");
    assert!(
        app.logs()
            .contains("documents left by an interrupted upload removed")
    );
}
