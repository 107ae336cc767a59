//! A praticien as the index sees it: its names, spécialités (with the names of the trade patients
//! type: "cardiologue" for cardiologie), and for each structure its name, ville and code postal.

use domain::consultation::TypeConsultation;
use domain::specialite::Specialite;
use tantivy::TantivyDocument;

use super::analyse::replier;
use super::schema::Champs;
use crate::modele::{Praticien, Structure};

/// The document of `praticien`, working at `structures` (those of its list that exist).
pub fn document(champs: &Champs, praticien: &Praticien, structures: &[Structure]) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    // Each searched text goes to its own field (exact, weighted matches) and to `tout` (the matching).
    let texte = |doc: &mut TantivyDocument, champ, valeur: &str| {
        doc.add_text(champ, valeur);
        doc.add_text(champs.tout, valeur);
    };
    doc.add_text(champs.id, praticien.id.0.to_string());
    let (haut, bas) = praticien.id.0.as_u64_pair();
    doc.add_u64(champs.id_haut, haut);
    doc.add_u64(champs.id_bas, bas);
    texte(&mut doc, champs.nom, &praticien.nom);
    texte(&mut doc, champs.prenom, &praticien.prenom);
    if let Some(titre) = &praticien.titre {
        texte(&mut doc, champs.titre, titre);
    }
    for s in &praticien.specialites {
        texte(&mut doc, champs.specialite, s.libelle());
        texte(&mut doc, champs.specialite, &s.code().replace('_', " "));
        for metier in metiers(*s) {
            texte(&mut doc, champs.specialite, metier);
        }
        doc.add_text(champs.filtre_specialite, s.code());
    }
    for s in structures {
        texte(&mut doc, champs.structure, &s.nom);
        texte(&mut doc, champs.ville, &s.ville);
        texte(&mut doc, champs.ville, &s.code_postal);
        doc.add_text(champs.filtre_ville, replier(&s.ville));
        doc.add_text(champs.filtre_structure, s.id.0.to_string());
    }
    for t in types_offerts(praticien) {
        doc.add_text(champs.filtre_type, t.as_str());
    }
    // As the public profile says it: a praticien taking known patients only takes no new one.
    doc.add_bool(
        champs.nouveaux_patients,
        praticien.nouveaux_patients && !praticien.reglages.patients_connus_uniquement(),
    );
    doc.add_u64(champs.tri, cle_de_tri(&praticien.nom, &praticien.prenom));
    doc
}

/// The types the praticien's horaires offer; the default week (no rule) is présentiel.
pub fn types_offerts(p: &Praticien) -> Vec<TypeConsultation> {
    let regles = p.horaires.regles();
    if regles.is_empty() {
        return vec![TypeConsultation::Presentiel];
    }
    TypeConsultation::TOUS
        .into_iter()
        .filter(|t| regles.iter().any(|r| r.types.contains(t)))
        .collect()
}

/// The first 8 bytes of the folded `nom prenom`, big-endian: equal scores rank by name.
pub fn cle_de_tri(nom: &str, prenom: &str) -> u64 {
    let replie = replier(&format!("{nom} {prenom}"));
    let mut octets = [0u8; 8];
    for (o, b) in octets.iter_mut().zip(replie.bytes()) {
        *o = b;
    }
    u64::from_be_bytes(octets)
}

/// How patients name the praticiens of a spécialité ("un cardiologue", "une kiné").
pub fn metiers(s: Specialite) -> &'static [&'static str] {
    match s.code() {
        "medecine_generale" => &["médecin généraliste", "médecin traitant"],
        "allergologie" => &["allergologue"],
        "anesthesie_reanimation" => &["anesthésiste", "réanimateur"],
        "cardiologie" => &["cardiologue"],
        "chirurgie_dentaire" => &["dentiste", "chirurgien-dentiste"],
        "chirurgie_orthopedique" => &["chirurgien orthopédiste"],
        "dermatologie" => &["dermatologue"],
        "dietetique" => &["diététicien", "diététicienne", "nutritionniste"],
        "endocrinologie" => &["endocrinologue", "diabétologue"],
        "gastro_enterologie" => &["gastro-entérologue", "hépatologue"],
        "geriatrie" => &["gériatre"],
        "gynecologie" => &["gynécologue"],
        "gynecologie_obstetrique" => &["gynécologue obstétricien"],
        "kinesitherapie" => &["kinésithérapeute", "kiné", "masseur-kinésithérapeute"],
        "medecine_du_sport" => &["médecin du sport"],
        "medecine_vasculaire" => &["angiologue", "médecin vasculaire"],
        "nephrologie" => &["néphrologue"],
        "neurologie" => &["neurologue"],
        "oncologie" => &["oncologue", "cancérologue"],
        "ophtalmologie" => &["ophtalmologue", "ophtalmologiste"],
        "orl" => &["oto-rhino-laryngologiste"],
        "orthodontie" => &["orthodontiste"],
        "orthophonie" => &["orthophoniste"],
        "pediatrie" => &["pédiatre"],
        "pedicurie_podologie" => &["pédicure-podologue"],
        "pneumologie" => &["pneumologue"],
        "psychiatrie" => &["psychiatre"],
        "psychologie" => &["psychologue"],
        "radiologie" => &["radiologue"],
        "rhumatologie" => &["rhumatologue"],
        "sage_femme" => &["sage-femme", "maïeuticien"],
        "soins_infirmiers" => &["infirmier", "infirmière"],
        "urologie" => &["urologue"],
        _ => &[],
    }
}
