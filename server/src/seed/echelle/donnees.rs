//! The embedded reference lists the scale dataset draws from: common French family and given names,
//! the largest communes with their code postal, population and time zone, spécialités with their share
//! of the praticiens in France, street and structure names.
//!
//! Figures are rounded orders of magnitude (INSEE municipal populations, DREES/RPPS headcounts): they
//! only need to make the dataset look like France, not to be statistics.

/// A commune: where structures, praticiens and patients are placed, in proportion to `population`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ville {
    /// Its name, as written on an address.
    pub nom: &'static str,
    /// Code postal of its first arrondissement (or the commune's), as a number.
    pub code_postal: u32,
    /// Municipal arrondissements with codes `code_postal`, `code_postal + 1`… (Paris, Marseille, Lyon).
    pub arrondissements: u32,
    /// Inhabitants.
    pub population: u32,
    /// IANA time zone.
    pub fuseau: &'static str,
    /// Prefix of a landline there (`01`…`05`, or an overseas `0262`…).
    pub fixe: &'static str,
    /// Prefix of a mobile there.
    pub mobile: &'static str,
    /// Département, as in a NIR (`75`, `2A`, `974`).
    pub departement: &'static str,
}

const fn v(
    nom: &'static str,
    code_postal: u32,
    population: u32,
    fixe: &'static str,
    departement: &'static str,
) -> Ville {
    Ville {
        nom,
        code_postal,
        arrondissements: 1,
        population,
        fuseau: "Europe/Paris",
        fixe,
        mobile: "06",
        departement,
    }
}

const fn outre_mer(
    nom: &'static str,
    code_postal: u32,
    population: u32,
    fuseau: &'static str,
    fixe: &'static str,
    mobile: &'static str,
) -> Ville {
    Ville {
        nom,
        code_postal,
        arrondissements: 1,
        population,
        fuseau,
        fixe,
        mobile,
        departement: "97",
    }
}

const fn arr(mut ville: Ville, arrondissements: u32) -> Ville {
    ville.arrondissements = arrondissements;
    ville
}

/// The largest communes of metropolitan France, and the largest of the overseas départements.
pub(super) const VILLES: &[Ville] = &[
    arr(v("Paris", 75001, 2_133_111, "01", "75"), 20),
    arr(v("Marseille", 13001, 873_076, "04", "13"), 16),
    arr(v("Lyon", 69001, 522_250, "04", "69"), 9),
    v("Toulouse", 31000, 504_078, "05", "31"),
    v("Nice", 6000, 348_085, "04", "06"),
    v("Nantes", 44000, 323_204, "02", "44"),
    v("Montpellier", 34000, 302_454, "04", "34"),
    v("Strasbourg", 67000, 291_313, "03", "67"),
    v("Bordeaux", 33000, 261_804, "05", "33"),
    v("Lille", 59000, 236_710, "03", "59"),
    v("Rennes", 35000, 225_081, "02", "35"),
    v("Toulon", 83000, 180_452, "04", "83"),
    v("Reims", 51100, 178_478, "03", "51"),
    v("Saint-Étienne", 42000, 173_089, "04", "42"),
    v("Le Havre", 76600, 166_462, "02", "76"),
    v("Dijon", 21000, 159_346, "03", "21"),
    v("Angers", 49000, 157_175, "02", "49"),
    v("Villeurbanne", 69100, 156_928, "04", "69"),
    v("Grenoble", 38000, 156_389, "04", "38"),
    outre_mer("Saint-Denis", 97400, 153_810, "Indian/Reunion", "0262", "0692"),
    v("Nîmes", 30000, 148_104, "04", "30"),
    v("Aix-en-Provence", 13090, 147_478, "04", "13"),
    v("Clermont-Ferrand", 63000, 147_284, "04", "63"),
    v("Le Mans", 72000, 145_004, "02", "72"),
    v("Brest", 29200, 139_926, "02", "29"),
    v("Tours", 37000, 136_463, "02", "37"),
    v("Amiens", 80000, 133_755, "03", "80"),
    v("Limoges", 87000, 130_876, "05", "87"),
    v("Annecy", 74000, 130_721, "04", "74"),
    v("Boulogne-Billancourt", 92100, 120_071, "01", "92"),
    v("Perpignan", 66000, 119_656, "04", "66"),
    v("Besançon", 25000, 119_198, "03", "25"),
    v("Metz", 57000, 118_489, "03", "57"),
    v("Orléans", 45000, 116_617, "02", "45"),
    v("Rouen", 76000, 114_083, "02", "76"),
    v("Montreuil", 93100, 111_367, "01", "93"),
    v("Argenteuil", 95100, 111_036, "01", "95"),
    v("Caen", 14000, 108_398, "02", "14"),
    v("Mulhouse", 68100, 105_735, "03", "68"),
    outre_mer("Saint-Paul", 97460, 105_482, "Indian/Reunion", "0262", "0693"),
    v("Nancy", 54000, 104_387, "03", "54"),
    v("Roubaix", 59100, 98_892, "03", "59"),
    v("Tourcoing", 59200, 98_656, "03", "59"),
    v("Nanterre", 92000, 96_277, "01", "92"),
    v("Vitry-sur-Seine", 94400, 95_510, "01", "94"),
    v("Créteil", 94000, 92_984, "01", "94"),
    v("Avignon", 84000, 91_143, "04", "84"),
    v("Poitiers", 86000, 89_380, "05", "86"),
    v("Aubervilliers", 93300, 88_948, "01", "93"),
    v("Aulnay-sous-Bois", 93600, 87_086, "01", "93"),
    v("Asnières-sur-Seine", 92600, 86_742, "01", "92"),
    v("Dunkerque", 59140, 86_279, "03", "59"),
    v("Colombes", 92700, 85_896, "01", "92"),
    outre_mer("Saint-Pierre", 97410, 84_961, "Indian/Reunion", "0262", "0692"),
    v("Versailles", 78000, 83_918, "01", "78"),
    v("Courbevoie", 92400, 81_720, "01", "92"),
    v("Béziers", 34500, 79_041, "04", "34"),
    v("Cherbourg-en-Cotentin", 50100, 78_549, "02", "50"),
    v("Rueil-Malmaison", 92500, 78_152, "01", "92"),
    v("Champigny-sur-Marne", 94500, 77_409, "01", "94"),
    v("La Rochelle", 17000, 77_205, "05", "17"),
    outre_mer(
        "Fort-de-France",
        97200,
        76_512,
        "America/Martinique",
        "0596",
        "0696",
    ),
    v("Pau", 64000, 75_665, "05", "64"),
    v("Saint-Maur-des-Fossés", 94100, 74_859, "01", "94"),
    v("Ajaccio", 20000, 73_350, "04", "2A"),
    v("Antibes", 6600, 72_915, "04", "06"),
    outre_mer("Mamoudzou", 97600, 71_437, "Indian/Mayotte", "0269", "0639"),
    outre_mer("Cayenne", 97300, 63_468, "America/Cayenne", "0594", "0694"),
    outre_mer("Les Abymes", 97139, 53_491, "America/Guadeloupe", "0590", "0690"),
    v("Bastia", 20200, 48_503, "04", "2B"),
];

/// Common French family names (the most frequent ones, with their accents, and a few from overseas).
#[rustfmt::skip]
pub(super) const NOMS: &[&str] = &[
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier",
    "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefèvre",
    "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François",
    "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry",
    "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval", "Denis", "Dumont", "Marie",
    "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard", "Giraud", "Joly", "Rivière",
    "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martinez", "Gérard", "Roche", "Renard",
    "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron", "Picard", "Roger", "Fabre", "Aubert",
    "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe", "Bourgeois", "Pierre", "Benoît",
    "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte", "Lopez", "Jean", "Dupuy",
    "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin", "Louis", "Deschamps",
    "Huet", "Vasseur", "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet", "Adam", "Paris",
    "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier", "Ménard",
    "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet",
    "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux", "Cousin",
    "Germain", "Breton", "Besson", "Langlois", "Rémy", "Le Goff", "Pelletier", "Lévêque", "Perrier",
    "Leblanc", "Barré", "Lebrun", "Marchal", "Weber", "Mallet", "Hamon", "Boulanger", "Jacob",
    "Monnier", "Michaud", "Rodriguez", "Guichard", "Gillet", "Étienne", "Grondin", "Poulain", "Tessier",
    "Chevallier", "Collin", "Chauvin", "Da Silva", "Bouchet", "Gay", "Lemaître", "Bénard", "Maréchal",
    "Humbert", "Reynaud", "Antoine", "Hoarau", "Perret", "Barthélemy", "Cordier", "Pichon", "Lejeune",
    "Gilbert", "Lamy", "Delaunay", "Pasquier", "Carlier", "Laporte", "Thiébaut", "Lauret", "N'Guyen",
    "Ben Ali", "Diallo",
];

/// Common French given names, of several generations.
#[rustfmt::skip]
pub(super) const PRENOMS: &[&str] = &[
    "Jean", "Marie", "Pierre", "Michel", "Philippe", "Nathalie", "Isabelle", "Sylvie", "Catherine",
    "Alain", "Nicolas", "Christophe", "Stéphane", "Sophie", "Céline", "Julien", "Camille", "Léa",
    "Manon", "Chloé", "Emma", "Inès", "Lucas", "Hugo", "Louis", "Gabriel", "Jules", "Thomas", "Antoine",
    "Mathilde", "Élodie", "Aurélie", "Sandrine", "Valérie", "Laurent", "Frédéric", "Éric", "Olivier",
    "Patrick", "Thierry", "Hélène", "Anne", "Françoise", "Monique", "Jacqueline", "Nicole", "Christine",
    "Julie", "Émilie", "Claire", "Juliette", "Louise", "Alice", "Zoé", "Léo", "Arthur", "Raphaël",
    "Paul", "Nathan", "Théo", "Maxime", "Alexandre", "Romain", "Guillaume", "Vincent", "Benoît",
    "Sébastien", "Jérôme", "Cédric", "Agnès", "Brigitte", "Martine", "Chantal", "Dominique", "Pascale",
    "Laetitia", "Audrey", "Pauline", "Margaux", "Clémence", "Lucie", "Anaïs", "Océane", "Yasmine",
    "Karim", "Mehdi", "Sarah", "Nadia", "Samir", "Fatima", "Mohamed", "Amine", "Yanis", "Adam", "Noah",
    "Ambre", "Jade", "Rose", "Lina", "Gaëlle", "Loïc", "François", "Hervé", "Josiane", "Gérard",
];

/// A spécialité's place in the dataset.
#[derive(Debug, Clone, Copy)]
pub(super) struct ProfilSpecialite {
    /// Code of [`domain::specialite::REFERENCE`].
    pub code: &'static str,
    /// Share of the praticiens, per ten thousand.
    pub part: u32,
    /// Usual slot length in minutes (30 needs no entry in the praticien's `durees`).
    pub duree_minutes: u32,
    /// Whether its praticiens are addressed as "Dr".
    pub docteur: bool,
    /// Usual fee of a consultation, euro cents.
    pub honoraire_centimes: u32,
    /// How busy its agendas are, relative to a généraliste's 10.
    pub activite: u32,
    /// Its usual motifs de visite (code, libellé).
    pub motifs: &'static [(&'static str, &'static str)],
}

const fn profil(
    code: &'static str,
    part: u32,
    duree_minutes: u32,
    docteur: bool,
    honoraire_centimes: u32,
    activite: u32,
    motifs: &'static [(&'static str, &'static str)],
) -> ProfilSpecialite {
    ProfilSpecialite {
        code,
        part,
        duree_minutes,
        docteur,
        honoraire_centimes,
        activite,
        motifs,
    }
}

const SUIVI: (&str, &str) = ("suivi", "Consultation de suivi");
const PREMIERE: (&str, &str) = ("premiere_consultation", "Première consultation");

/// Spécialités weighted roughly as the praticiens of France (shares sum to 10 000): généralistes
/// first, then the paramedical professions, dentists and the most common specialists.
#[rustfmt::skip]
pub(super) const SPECIALITES: &[ProfilSpecialite] = &[
    // code, part, minutes, Dr, fee, activity, motifs
    profil("medecine_generale", 4_500, 20, true, 3_000, 10, &[
        SUIVI, ("renouvellement_ordonnance", "Renouvellement d'ordonnance"), ("vaccination", "Vaccination"),
    ]),
    profil("kinesitherapie", 1_100, 30, false, 1_700, 14, &[
        ("seance_reeducation", "Séance de rééducation"), ("bilan_kine", "Bilan kinésithérapique"),
    ]),
    profil("soins_infirmiers", 930, 15, false, 1_000, 12, &[
        ("pansement", "Pansement"), ("prise_de_sang", "Prise de sang"),
    ]),
    profil("chirurgie_dentaire", 650, 30, true, 3_000, 9, &[
        ("controle_dentaire", "Contrôle dentaire"), ("detartrage", "Détartrage"),
    ]),
    profil("psychologie", 300, 45, false, 6_000, 6, &[("entretien_psy", "Entretien"), PREMIERE]),
    profil("orthophonie", 250, 30, false, 3_000, 7, &[("seance_orthophonie", "Séance d'orthophonie")]),
    profil("psychiatrie", 230, 45, true, 5_500, 6, &[("entretien_psy", "Entretien"), PREMIERE]),
    profil("pediatrie", 200, 20, true, 3_500, 9, &[
        ("suivi_nourrisson", "Suivi du nourrisson"), ("vaccination", "Vaccination"),
    ]),
    profil("sage_femme", 180, 30, false, 2_500, 6, &[("suivi_grossesse", "Suivi de grossesse")]),
    profil("pedicurie_podologie", 160, 30, false, 3_000, 7, &[("soins_pieds", "Soins des pieds")]),
    profil("gynecologie", 150, 20, true, 5_000, 7, &[
        ("contraception", "Consultation contraception"), ("frottis", "Frottis de dépistage"),
    ]),
    profil("ophtalmologie", 150, 15, true, 5_000, 9, &[("bilan_vue", "Bilan de la vue")]),
    profil("cardiologie", 140, 30, true, 5_500, 7, &[("ecg", "Électrocardiogramme (ECG)"), SUIVI]),
    profil("radiologie", 130, 15, true, 6_000, 9, &[("echographie", "Échographie")]),
    profil("gynecologie_obstetrique", 120, 30, true, 6_000, 6, &[("suivi_grossesse", "Suivi de grossesse")]),
    profil("dermatologie", 110, 20, true, 5_000, 8, &[
        ("depistage_grains_beaute", "Dépistage des grains de beauté"),
    ]),
    profil("dietetique", 80, 45, false, 5_000, 5, &[("bilan_nutritionnel", "Bilan nutritionnel")]),
    profil("orthodontie", 60, 30, true, 4_000, 7, &[("bilan_orthodontique", "Bilan orthodontique")]),
    profil("orl", 60, 20, true, 5_000, 7, &[("audiogramme", "Audiogramme")]),
    profil("chirurgie_orthopedique", 60, 20, true, 6_000, 6, &[SUIVI]),
    profil("anesthesie_reanimation", 60, 15, true, 5_000, 5, &[
        ("consultation_pre_anesthesie", "Consultation pré-anesthésique"),
    ]),
    profil("gastro_enterologie", 50, 30, true, 5_500, 6, &[SUIVI]),
    profil("rhumatologie", 50, 30, true, 5_500, 6, &[("infiltration", "Infiltration"), SUIVI]),
    profil("pneumologie", 40, 30, true, 5_500, 6, &[
        ("spirometrie", "Exploration fonctionnelle respiratoire"),
    ]),
    profil("neurologie", 40, 30, true, 6_000, 6, &[SUIVI]),
    profil("endocrinologie", 40, 30, true, 5_500, 6, &[("suivi_diabete", "Suivi du diabète")]),
    profil("medecine_vasculaire", 30, 30, true, 5_000, 6, &[("doppler", "Écho-doppler")]),
    profil("urologie", 30, 20, true, 5_500, 6, &[SUIVI]),
    profil("oncologie", 20, 30, true, 6_000, 5, &[SUIVI]),
    profil("nephrologie", 20, 30, true, 5_500, 5, &[SUIVI]),
    profil("geriatrie", 20, 30, true, 5_000, 5, &[SUIVI]),
    profil("allergologie", 20, 30, true, 5_000, 5, &[("tests_cutanes", "Tests cutanés")]),
    profil("medecine_du_sport", 20, 30, true, 4_000, 5, &[
        ("certificat_sport", "Certificat sport (non contre-indication)"),
    ]),
];

/// Names given to structures, after their kind ("Maison de santé …").
#[rustfmt::skip]
pub(super) const NOMS_STRUCTURES: &[&str] = &[
    "des Tilleuls", "du Parc", "Pasteur", "Jean Jaurès", "Victor Hugo", "de la Gare", "des Lilas",
    "Saint-Exupéry", "du Centre", "Simone Veil", "Marie Curie", "les Platanes", "du Marché",
    "de l'Hôtel de Ville", "Émile Zola", "des Acacias", "du Port", "de la Cathédrale", "Jules Ferry",
    "Louise Michel", "des Quatre Vents", "du Moulin", "Clemenceau", "de la République", "Gambetta",
    "des Remparts", "du Lac", "Jean Moulin", "des Vignes", "Rabelais", "Montaigne", "du Vieux Port",
];

/// Streets of the addresses.
#[rustfmt::skip]
pub(super) const RUES: &[&str] = &[
    "rue Victor Hugo", "avenue Jean Jaurès", "boulevard Gambetta", "rue de la République",
    "place de la Mairie", "rue Pasteur", "rue du Général Leclerc", "avenue de la Libération",
    "rue Nationale", "rue des Écoles", "rue de la Paix", "rue du Moulin", "avenue Foch",
    "rue Émile Zola", "rue Jean Moulin", "rue de l'Église", "boulevard de Strasbourg", "rue Carnot",
    "rue des Lilas", "allée des Tilleuls", "rue Voltaire", "cours Mirabeau", "rue Saint-Jacques",
    "avenue de Verdun", "rue Anatole France", "quai des Chartrons",
];
