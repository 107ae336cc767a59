"""schemathesis hooks of scripts/contrat (loaded through SCHEMATHESIS_HOOKS)."""

import schemathesis


@schemathesis.hook
def map_case(context, case):
    # `cursor` is opaque: only a value the server issued (a page's `next_cursor`) is one, any other
    # string is rightly 400 `curseur_invalide` (tests/tests/api/recherche.rs and disponibilites_lieu.rs
    # hold that). No schema can say "a string this server wrote", so a generated one would only trip
    # positive_data_acceptance; the lists are fuzzed without it.
    if isinstance(case.query, dict):
        case.query.pop("cursor", None)
    return case
