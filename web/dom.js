// Building the page without innerHTML: every text from the API goes in as text, never as markup.

/** An element with its attributes (`on…` are listeners) and children (strings become text). */
export function h(balise, attributs = {}, ...enfants) {
  const el = document.createElement(balise);
  for (const [nom, valeur] of Object.entries(attributs ?? {})) {
    if (valeur === false || valeur === null || valeur === undefined) continue;
    if (nom.startsWith('on') && typeof valeur === 'function') {
      el.addEventListener(nom.slice(2), valeur);
    } else if (nom === 'class') {
      el.className = valeur;
    } else {
      el.setAttribute(nom, valeur === true ? '' : String(valeur));
    }
  }
  ajouter(el, enfants);
  return el;
}

function ajouter(el, enfants) {
  for (const enfant of enfants) {
    if (enfant === null || enfant === undefined || enfant === false) continue;
    if (Array.isArray(enfant)) ajouter(el, enfant);
    else el.append(enfant instanceof Node ? enfant : String(enfant));
  }
}

/** Replaces the children of `el`. */
export function remplacer(el, ...enfants) {
  el.replaceChildren();
  ajouter(el, enfants);
  return el;
}

/** Says `texte` to screen readers (the polite live region). */
export function annoncer(texte) {
  const zone = document.getElementById('annonce');
  if (!zone) return;
  zone.textContent = '';
  // A new text node after a tick, so that the same message said twice is read twice.
  setTimeout(() => { zone.textContent = texte; }, 50);
}

/** A message box: `type` is `info`, `succes`, `avertissement` or `erreur` (read at once). */
export function message(type, ...enfants) {
  const role = type === 'erreur' || type === 'avertissement' ? 'alert' : 'status';
  return h('div', { class: `message message-${type}`, role }, ...enfants);
}

/** A labelled form field: the label, the control, and an optional hint tied by aria-describedby. */
export function champ(libelle, controle, aide) {
  const id = controle.id || `c-${Math.random().toString(36).slice(2, 9)}`;
  controle.id = id;
  const enfants = [h('label', { for: id }, libelle), controle];
  if (aide) {
    const idAide = `${id}-aide`;
    controle.setAttribute('aria-describedby', idAide);
    enfants.push(h('p', { class: 'aide', id: idAide }, aide));
  }
  return h('div', { class: 'champ' }, enfants);
}
