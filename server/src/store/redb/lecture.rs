//! Reads shared by read and write transactions: a record by key, the state a booking rule needs over a
//! window (agenda, patient's situation), opaque cursors, text folding.
//!
//! Every function takes `impl ReadableTable`, so the same code reads inside a booking's write
//! transaction and inside a read-only one; every scan is a range over an index, bounded by a window.

use std::borrow::Borrow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use domain::consultation::TypeConsultation;
use domain::disponibilite::{Agenda, Lieu, Occupations};
use domain::reservation::SituationPatient;
use domain::temps::{Creneau, DUREE_MAX_MINUTES};
use redb::{Key, ReadableTable};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::ops::Bound;

use crate::modele::{Praticien, Structure};
use crate::store::StoreError;
use crate::store::records::{Enregistrement, RdvV1, Record, StructureV1, instant, millis};

/// Longest cursor accepted (ours are far shorter): a bound on what a client can make us decode.
const CURSEUR_LONGUEUR_MAX: usize = 512;

/// The record under `cle`, decoded.
pub(super) fn lire<'k, K, T>(
    table: &impl ReadableTable<K, Record<T>>,
    cle: impl Borrow<K::SelfType<'k>>,
) -> Result<Option<T>, StoreError>
where
    K: Key + 'static,
    T: Enregistrement,
{
    table.get(cle)?.map(|v| v.value().decoder()).transpose()
}

/// A record an index or another record points to: its absence is corruption, not a 404.
pub(super) fn lire_reference<'k, K, T>(
    table: &impl ReadableTable<K, Record<T>>,
    cle: impl Borrow<K::SelfType<'k>>,
) -> Result<T, StoreError>
where
    K: Key + 'static,
    T: Enregistrement,
{
    lire(table, cle)?.ok_or_else(|| StoreError::Interne(format!("{} référencé absent", T::NOM)))
}

/// The praticien's structures with their time zones, in the praticien's order.
pub(super) fn lieux(
    praticien: &Praticien,
    structures: &impl ReadableTable<u128, Record<StructureV1>>,
) -> Result<Vec<Lieu>, StoreError> {
    praticien
        .structures
        .iter()
        .map(|id| {
            let structure = Structure::try_from(lire_reference(structures, id.0.as_u128())?)?;
            Ok(Lieu {
                structure_id: structure.id,
                fuseau: structure.fuseau,
            })
        })
        .collect()
}

/// The praticien's periods off that touch `fenetre`, from the (praticien, fin, id) index: only the
/// periods ending after the window's start are read.
pub(super) fn indisponibilites(
    index: &impl ReadableTable<(u128, i64, u128), i64>,
    praticien: u128,
    fenetre: Creneau,
) -> Result<Vec<Creneau>, StoreError> {
    let mut out = Vec::new();
    pour_indisponibilites(index, praticien, fenetre, |_, debut, fin| {
        out.push(creneau_ms(debut, fin)?);
        Ok(())
    })?;
    out.sort_unstable();
    Ok(out)
}

/// The ids of the praticien's periods off that touch `fenetre`, read as [`indisponibilites`] reads them.
pub(super) fn ids_indisponibilites(
    index: &impl ReadableTable<(u128, i64, u128), i64>,
    praticien: u128,
    fenetre: Creneau,
) -> Result<Vec<u128>, StoreError> {
    let mut out = Vec::new();
    pour_indisponibilites(index, praticien, fenetre, |id, _, _| {
        out.push(id);
        Ok(())
    })?;
    Ok(out)
}

/// Calls `f(id, debut ms, fin ms)` for each period off of the praticien overlapping `fenetre`.
fn pour_indisponibilites(
    index: &impl ReadableTable<(u128, i64, u128), i64>,
    praticien: u128,
    fenetre: Creneau,
    mut f: impl FnMut(u128, i64, i64) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let bas = (praticien, millis(fenetre.debut()), u128::MAX);
    let haut = (praticien, i64::MAX, u128::MAX);
    let fin_fenetre = millis(fenetre.fin());
    for entree in index.range((Bound::Excluded(bas), Bound::Included(haut)))? {
        let (cle, debut) = entree?;
        let (_, fin, id) = cle.value();
        let debut = debut.value();
        if debut < fin_fenetre {
            f(id, debut, fin)?;
        }
    }
    Ok(())
}

fn creneau_ms(debut: i64, fin: i64) -> Result<Creneau, StoreError> {
    Creneau::new(instant(debut)?, instant(fin)?)
        .map_err(|e| StoreError::Interne(format!("créneau stocké invalide : {e}")))
}

/// The rdvs of `qui` (a praticien or a patient, by its index) that start in `[debut − DUREE_MAX,
/// fin)` of the window: every rdv that can overlap it, and only those.
pub(super) fn rdvs_fenetre(
    index: &impl ReadableTable<(u128, i64, u128), ()>,
    rdvs: &impl ReadableTable<u128, Record<RdvV1>>,
    qui: u128,
    fenetre: Creneau,
) -> Result<Vec<RdvV1>, StoreError> {
    let bas = millis(fenetre.debut() - Duration::minutes(i64::from(DUREE_MAX_MINUTES)));
    let haut = millis(fenetre.fin());
    let mut out = Vec::new();
    for entree in index.range((qui, bas, 0u128)..(qui, haut, 0u128))? {
        let (cle, _) = entree?;
        let (_, _, id) = cle.value();
        out.push(lire_reference(rdvs, id)?);
    }
    Ok(out)
}

/// The créneaux held (statut other than a cancellation) by these rdvs that overlap `fenetre`.
pub(super) fn occupes(rdvs: &[RdvV1], fenetre: Creneau) -> Result<Vec<Creneau>, StoreError> {
    let mut out = Vec::new();
    for rdv in rdvs {
        let statut: domain::statut::Statut = rdv.statut.into();
        let creneau = rdv.creneau()?;
        if statut.occupe_creneau() && creneau.chevauche(&fenetre) {
            out.push(creneau);
        }
    }
    Ok(out)
}

/// The agenda of a praticien over a window, from what was read for it. No patient data.
pub(super) fn agenda(
    praticien: &Praticien,
    lieux: Vec<Lieu>,
    indisponibilites: Vec<Creneau>,
    occupes: Vec<Creneau>,
) -> Agenda {
    Agenda {
        specialites: praticien.specialites.clone(),
        lieux,
        horaires: praticien.horaires.clone(),
        durees: praticien.durees.clone(),
        motifs: praticien.motifs.clone(),
        reglages: praticien.reglages,
        indisponibilites,
        occupes: Occupations::new(occupes),
    }
}

/// What the booking rules need of the patient over a window.
pub(super) fn situation(
    connu: bool,
    rdvs: &[RdvV1],
    fenetre: Creneau,
) -> Result<SituationPatient, StoreError> {
    Ok(SituationPatient {
        connu,
        rdvs: occupes(rdvs, fenetre)?,
    })
}

/// The window read around a requested start: wide enough for the domain to lay that day's slots
/// in any time zone and to see every rdv and period off that could overlap the créneau.
pub(super) fn fenetre_autour(debut: chrono::DateTime<chrono::Utc>) -> Result<Creneau, StoreError> {
    let marge = Duration::days(1);
    Creneau::new(debut - marge, debut + marge).map_err(|e| StoreError::Interne(e.to_string()))
}

/// Every instant a créneau starting at `debut` can cover: `[debut, debut + DUREE_MAX)`. An rdv
/// overlaps that créneau only if it overlaps this window, and [`rdvs_fenetre`] over it reads exactly
/// the rdvs starting in `[debut − DUREE_MAX, debut + DUREE_MAX)`.
pub(super) fn voisinage(debut: chrono::DateTime<chrono::Utc>) -> Result<Creneau, StoreError> {
    Creneau::new(debut, debut + Duration::minutes(i64::from(DUREE_MAX_MINUTES)))
        .map_err(|e| StoreError::Interne(e.to_string()))
}

/// The structures of a ville (already folded by [`replier`]), by id, from the `(ville, structure)` index.
/// Each record is checked against the ville, so an entry a change of ville left behind is skipped.
pub(super) fn structures_de_la_ville(
    index: &impl ReadableTable<(&'static str, u128), ()>,
    structures: &impl ReadableTable<u128, Record<StructureV1>>,
    ville: &str,
) -> Result<Vec<Structure>, StoreError> {
    let mut out = Vec::new();
    for entree in index.range((ville, 0u128)..=(ville, u128::MAX))? {
        let (cle, _) = entree?;
        let (_, id) = cle.value();
        let structure = Structure::try_from(lire_reference(structures, id)?)?;
        if replier(&structure.ville) == ville {
            out.push(structure);
        }
    }
    Ok(out)
}

/// Calls `f` with the praticiens working at any of `structures`, by id, each once, from after `apres`,
/// until `f` says stop (`Ok(false)`). One range of the `(structure, praticien)` index per structure,
/// merged lazily: a page reads the index entries up to its own end and no further.
pub(super) fn praticiens_des_structures(
    index: &impl ReadableTable<(u128, u128), ()>,
    structures: &[u128],
    apres: Option<u128>,
    mut f: impl FnMut(u128) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let bas = match apres {
        None => 0,
        Some(id) => match id.checked_add(1) {
            Some(suivant) => suivant,
            None => return Ok(()),
        },
    };
    let mut sources = Vec::with_capacity(structures.len());
    let mut tas = BinaryHeap::with_capacity(structures.len());
    for (i, s) in structures.iter().enumerate() {
        let mut source = index.range((*s, bas)..=(*s, u128::MAX))?;
        if let Some(entree) = source.next() {
            tas.push(Reverse((entree?.0.value().1, i)));
        }
        sources.push(source);
    }
    let mut dernier = None;
    while let Some(Reverse((id, i))) = tas.pop() {
        if let Some(entree) = sources[i].next() {
            tas.push(Reverse((entree?.0.value().1, i)));
        }
        if dernier == Some(id) {
            continue;
        }
        dernier = Some(id);
        if !f(id)? {
            break;
        }
    }
    Ok(())
}

/// Whether the praticien offers that type: in one of its rules, or présentiel in the default week.
pub(super) fn propose_type(praticien: &Praticien, type_consultation: TypeConsultation) -> bool {
    let regles = praticien.horaires.regles();
    if regles.is_empty() {
        type_consultation == TypeConsultation::Presentiel
    } else {
        regles.iter().any(|r| r.types.contains(&type_consultation))
    }
}

/// Cuts a page read with `take(limit + 1)` to `limit` items; the cursor after the last one (its
/// `position`) when the extra item showed that more follow.
pub(super) fn couper<T, P: Serialize>(
    items: &mut Vec<T>,
    limit: usize,
    position: impl Fn(&T) -> P,
) -> Result<Option<String>, StoreError> {
    let suite = items.len() > limit;
    items.truncate(limit);
    match (suite, items.last()) {
        (true, Some(dernier)) => Ok(Some(curseur(&position(dernier))?)),
        _ => Ok(None),
    }
}

/// An opaque cursor: the position, postcard then base64url.
pub(super) fn curseur<T: Serialize>(position: &T) -> Result<String, StoreError> {
    let octets =
        postcard::to_allocvec(position).map_err(|e| StoreError::Interne(format!("curseur : {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(octets))
}

/// The position a cursor holds; a cursor we did not make is `Introuvable("curseur")`.
pub(super) fn position<T: DeserializeOwned>(curseur: &str) -> Result<T, StoreError> {
    if curseur.len() > CURSEUR_LONGUEUR_MAX {
        return Err(StoreError::Introuvable("curseur"));
    }
    let octets = URL_SAFE_NO_PAD
        .decode(curseur)
        .map_err(|_| StoreError::Introuvable("curseur"))?;
    postcard::from_bytes(&octets).map_err(|_| StoreError::Introuvable("curseur"))
}

/// Lower case, French accents and ligatures folded to ASCII, surrounding spaces trimmed: the form in
/// which names and villes are compared and sorted.
pub fn replier(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'æ' => out.push_str("ae"),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => out.push('o'),
            'œ' => out.push_str("oe"),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            '’' => out.push('\''),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_cut_to_its_limit_with_a_cursor_only_when_more_follow() {
        let mut plein = vec![1u32, 2, 3];
        let suite = couper(&mut plein, 2, |&n| n).unwrap();
        assert_eq!(plein, vec![1, 2]);
        assert_eq!(position::<u32>(&suite.unwrap()).unwrap(), 2);
        let mut juste = vec![1u32, 2];
        assert_eq!(couper(&mut juste, 2, |&n| n).unwrap(), None);
        assert_eq!(juste, vec![1, 2]);
    }

    #[test]
    fn replier_folds_case_and_french_accents() {
        assert_eq!(replier("  Saint-Étienne "), "saint-etienne");
        assert_eq!(replier("ÎLE-DE-FRANCE"), "ile-de-france");
        assert_eq!(replier("Cœur Ça Où Ÿ Æ"), "coeur ca ou y ae");
        assert_eq!(replier("L’Haÿ-les-Roses"), "l'hay-les-roses");
    }

    #[test]
    fn a_foreign_cursor_is_introuvable() {
        for mauvais in ["", "!!", "_w", &"A".repeat(CURSEUR_LONGUEUR_MAX + 1)] {
            let r = position::<(String, String, u128)>(mauvais);
            assert!(
                matches!(r, Err(StoreError::Introuvable("curseur"))),
                "{mauvais:?}"
            );
        }
        let c = curseur(&(12i64, 7u128)).unwrap();
        assert_eq!(position::<(i64, u128)>(&c).unwrap(), (12, 7));
    }
}
