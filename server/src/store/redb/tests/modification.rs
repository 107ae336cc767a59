//! A praticien changed in one write transaction (`modifier_praticien_avec`): concurrent changes of
//! different fields all land, a refusal writes nothing, and the indexes follow as with
//! `modifier_praticien`.

use domain::ids::{PraticienId, StructureId};
use domain::reglages::{Reglages, ReglagesBruts};
use uuid::Uuid;

use super::cles_u128;
use super::fixtures::{Monde, code, structure};
use crate::modele::Praticien;
use crate::store::tables::PRATICIENS_PAR_STRUCTURE;
use crate::store::{FiltrePraticiens, Stockage, StoreError};

/// Changes the réglages' raw fields, through the domain's bounds.
fn regler(p: &mut Praticien, f: impl FnOnce(&mut ReglagesBruts)) -> Result<(), StoreError> {
    let mut bruts = *p.reglages.valeurs();
    f(&mut bruts);
    p.reglages = Reglages::new(bruts).map_err(|e| StoreError::Interne(e.to_string()))?;
    Ok(())
}

#[test]
fn concurrent_changes_of_one_praticien_are_all_kept() {
    let m = Monde::new();
    let depart = *m.praticien.reglages.valeurs();
    let generation = m.store.generation_annuaire().unwrap();
    const PAR_CHAMP: u16 = 10;
    // Half the threads add a minute of préavis, half a day of horizon: each reads the record, changes
    // its field and writes the whole record back; a lost update would leave a total short.
    std::thread::scope(|s| {
        let fils: Vec<_> = (0..2 * PAR_CHAMP)
            .map(|i| {
                let store = &m.store;
                let id = m.praticien.id;
                s.spawn(move || {
                    store.modifier_praticien_avec(id, &mut |p| {
                        regler(p, |r| {
                            if i % 2 == 0 {
                                r.preavis_minutes += 1;
                            } else {
                                r.horizon_jours += 1;
                            }
                        })
                    })
                })
            })
            .collect();
        for f in fils {
            f.join().unwrap().unwrap();
        }
    });
    let lu = m.store.praticien(m.praticien.id).unwrap().unwrap();
    let attendu = ReglagesBruts {
        preavis_minutes: depart.preavis_minutes + u32::from(PAR_CHAMP),
        horizon_jours: depart.horizon_jours + PAR_CHAMP,
        ..depart
    };
    assert_eq!(*lu.reglages.valeurs(), attendu);
    // Everything else is the record as it was.
    assert_eq!(
        Praticien {
            reglages: m.praticien.reglages,
            ..lu
        },
        m.praticien
    );
    // One directory generation per write, as with `modifier_praticien`.
    assert_eq!(
        m.store.generation_annuaire().unwrap(),
        generation + 2 * u64::from(PAR_CHAMP)
    );
}

#[test]
fn the_change_is_answered_and_its_indexes_follow() {
    let m = Monde::new();
    let a = m.structure.id;
    let b = structure("Cabinet du Port", "Brest");
    m.store.creer_structure(&b).unwrap();
    let generation = m.store.generation_annuaire().unwrap();
    let ecrit = m
        .store
        .modifier_praticien_avec(m.praticien.id, &mut |p| {
            p.structures = vec![b.id];
            p.nom = "Lefèvre".to_owned();
            regler(p, |r| r.rappel_heures = 48)
        })
        .unwrap();
    assert_eq!(ecrit.structures, [b.id]);
    assert_eq!(ecrit.nom, "Lefèvre");
    assert_eq!(ecrit.reglages.valeurs().rappel_heures, 48);
    assert_eq!(m.store.praticien(m.praticien.id).unwrap(), Some(ecrit));
    let id = m.praticien.id.0.as_u128();
    assert_eq!(
        cles_u128(&m.store, PRATICIENS_PAR_STRUCTURE),
        [(b.id.0.as_u128(), id)]
    );
    let de = |structure: StructureId| {
        let filtre = FiltrePraticiens {
            structure: Some(structure),
            ..Default::default()
        };
        let page = m.store.praticiens(&filtre, None, 10).unwrap();
        page.items.into_iter().map(|p| p.nom).collect::<Vec<_>>()
    };
    assert!(de(a).is_empty());
    assert_eq!(de(b.id), ["Lefèvre"]);
    assert_eq!(m.store.generation_annuaire().unwrap(), generation + 1);
}

#[test]
fn a_refused_change_writes_nothing() {
    let m = Monde::new();
    let generation = m.store.generation_annuaire().unwrap();
    let index = cles_u128(&m.store, PRATICIENS_PAR_STRUCTURE);
    let inchange = |m: &Monde| {
        assert_eq!(
            m.store.praticien(m.praticien.id).unwrap().as_ref(),
            Some(&m.praticien)
        );
        assert_eq!(m.store.generation_annuaire().unwrap(), generation);
        assert_eq!(cles_u128(&m.store, PRATICIENS_PAR_STRUCTURE), index);
        let page = m
            .store
            .praticiens(&FiltrePraticiens::default(), None, 10)
            .unwrap();
        assert_eq!(page.items, std::slice::from_ref(&m.praticien));
    };

    // The closure refuses after changing the copy: its error, as is, and nothing written.
    let erreur = m
        .store
        .modifier_praticien_avec(m.praticien.id, &mut |p| {
            p.nom = "Lefèvre".to_owned();
            regler(p, |r| r.preavis_minutes = 60)?;
            Err(StoreError::Conflit("refus_de_l_appelant"))
        })
        .unwrap_err();
    assert_eq!(code(&erreur), "conflit:refus_de_l_appelant");
    inchange(&m);

    // A réglage out of the domain's bounds, refused inside the closure.
    let erreur = m
        .store
        .modifier_praticien_avec(m.praticien.id, &mut |p| regler(p, |r| r.horizon_jours = 0))
        .unwrap_err();
    assert!(code(&erreur).starts_with("interne:"), "{erreur:?}");
    inchange(&m);

    // The store's own checks still apply to the changed copy: an unknown structure.
    let erreur = m
        .store
        .modifier_praticien_avec(m.praticien.id, &mut |p| {
            p.structures = vec![StructureId(Uuid::now_v7())];
            Ok(())
        })
        .unwrap_err();
    assert_eq!(code(&erreur), "introuvable:structure");
    inchange(&m);

    // The id is not the closure's to change.
    let autre = PraticienId(Uuid::now_v7());
    let erreur = m
        .store
        .modifier_praticien_avec(m.praticien.id, &mut |p| {
            p.id = autre;
            Ok(())
        })
        .unwrap_err();
    assert!(code(&erreur).starts_with("interne:"), "{erreur:?}");
    assert_eq!(m.store.praticien(autre).unwrap(), None);
    inchange(&m);

    // An unknown praticien: the closure is never called.
    let mut appels = 0;
    let erreur = m
        .store
        .modifier_praticien_avec(autre, &mut |_| {
            appels += 1;
            Ok(())
        })
        .unwrap_err();
    assert_eq!(code(&erreur), "introuvable:praticien");
    assert_eq!(appels, 0);
    inchange(&m);
}
