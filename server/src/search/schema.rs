//! The index's fields: text fields searched by `q` (analysed by [`ANALYSEUR`]), raw fields the filters
//! match exactly, and the praticien's id, kept in fast columns (profiles are read from redb).

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::analyse::ANALYSEUR;

/// Every field of the index.
#[derive(Debug, Clone, Copy)]
pub struct Champs {
    /// The praticien's id (hyphenated UUID), the key of updates.
    pub id: Field,
    /// The id's high 64 bits, a fast column: a hit's id is read without the document store.
    pub id_haut: Field,
    /// The id's low 64 bits.
    pub id_bas: Field,
    /// Family name.
    pub nom: Field,
    /// Given name.
    pub prenom: Field,
    /// "Dr", "Pr"…
    pub titre: Field,
    /// Spécialités: libellé, code words and the names of the trade (`cardiologue`).
    pub specialite: Field,
    /// Names of its structures.
    pub structure: Field,
    /// Villes and codes postaux of its structures.
    pub ville: Field,
    /// Every word of the six fields above: the one field prefix and typo matching walk, so a term
    /// costs one dictionary walk, not six.
    pub tout: Field,
    /// Filter: spécialité codes.
    pub filtre_specialite: Field,
    /// Filter: villes, folded whole (`saint-denis`).
    pub filtre_ville: Field,
    /// Filter: structure ids.
    pub filtre_structure: Field,
    /// Filter: types offered (`presentiel`, `teleconsultation`).
    pub filtre_type: Field,
    /// Accepts new patients.
    pub nouveaux_patients: Field,
    /// Tie-break of equal scores: the first 8 bytes of the folded `nom prenom`.
    pub tri: Field,
}

impl Champs {
    /// The schema of the index and its fields. Any change here must bump
    /// [`super::VERSION_INDEX`], so an index of the old shape is rebuilt.
    pub fn schema() -> (Schema, Champs) {
        let mut b = Schema::builder();
        // Matching is by constant scores (see `requete`): no frequencies, positions or norms needed.
        let texte = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYSEUR)
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        );
        let champs = Champs {
            id: b.add_text_field("id", STRING),
            id_haut: b.add_u64_field("id_haut", FAST),
            id_bas: b.add_u64_field("id_bas", FAST),
            nom: b.add_text_field("nom", texte.clone()),
            prenom: b.add_text_field("prenom", texte.clone()),
            titre: b.add_text_field("titre", texte.clone()),
            specialite: b.add_text_field("specialite", texte.clone()),
            structure: b.add_text_field("structure", texte.clone()),
            ville: b.add_text_field("ville", texte.clone()),
            tout: b.add_text_field("tout", texte),
            filtre_specialite: b.add_text_field("filtre_specialite", STRING),
            filtre_ville: b.add_text_field("filtre_ville", STRING),
            filtre_structure: b.add_text_field("filtre_structure", STRING),
            filtre_type: b.add_text_field("filtre_type", STRING),
            nouveaux_patients: b.add_bool_field("nouveaux_patients", INDEXED),
            tri: b.add_u64_field("tri", FAST),
        };
        (b.build(), champs)
    }

    /// The fields searched by `q`, with their weight: a match in the name, the spécialité or the ville
    /// says more than one in the structure's name or the titre.
    pub fn cherches(&self) -> [(Field, f32); 6] {
        [
            (self.nom, 3.0),
            (self.specialite, 3.0),
            (self.ville, 3.0),
            (self.prenom, 2.0),
            (self.structure, 2.0),
            (self.titre, 1.0),
        ]
    }
}
