//! OpenAPI path templates (`/rdvs/{id}/annulation`) matched against request paths: the route label of
//! the metrics and the `Allow` header of a 405 both need "which operation path is this".

/// Templates split in segments (`None` stands for a `{param}`), each with its value.
#[derive(Debug)]
pub struct Gabarits<T> {
    entrees: Vec<(Vec<Option<String>>, T)>,
}

impl<T> Default for Gabarits<T> {
    fn default() -> Self {
        Self { entrees: Vec::new() }
    }
}

impl<T> Gabarits<T> {
    /// From `(template, value)` pairs.
    pub fn depuis(paires: impl IntoIterator<Item = (String, T)>) -> Self {
        let entrees = paires
            .into_iter()
            .map(|(chemin, valeur)| {
                let segments = chemin
                    .split('/')
                    .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned()))
                    .collect();
                (segments, valeur)
            })
            .collect();
        Self { entrees }
    }

    /// The value of the template `chemin` matches, the most literal one first (`/me/totp` before
    /// `/me/{x}`); a parameter matches one non-empty segment.
    pub fn trouver(&self, chemin: &str) -> Option<&T> {
        let segments: Vec<&str> = chemin.split('/').collect();
        self.entrees
            .iter()
            .filter(|(gabarit, _)| {
                gabarit.len() == segments.len()
                    && gabarit.iter().zip(&segments).all(|(g, s)| match g {
                        Some(litteral) => litteral == s,
                        None => !s.is_empty(),
                    })
            })
            .max_by_key(|(gabarit, _)| gabarit.iter().filter(|g| g.is_some()).count())
            .map(|(_, valeur)| valeur)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_literal_template_wins_and_a_parameter_needs_a_segment() {
        let g = Gabarits::depuis(
            ["/rdvs/{id}", "/rdvs/{id}/annulation", "/me/totp", "/me/{x}"].map(|c| (c.to_owned(), c)),
        );
        assert_eq!(
            g.trouver("/rdvs/01a2135a-1e3d-77b0-8697-0acdcd614e06"),
            Some(&"/rdvs/{id}")
        );
        assert_eq!(g.trouver("/rdvs/x/annulation"), Some(&"/rdvs/{id}/annulation"));
        assert_eq!(g.trouver("/me/totp"), Some(&"/me/totp"));
        assert_eq!(g.trouver("/me/autre"), Some(&"/me/{x}"));
        assert_eq!(g.trouver("/rdvs/"), None);
        assert_eq!(g.trouver("/wp-admin/setup.php"), None);
    }
}
