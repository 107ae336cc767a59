// Signing in, and a patient's registration (checked on the device by the domain rules first).
import { api, ouvrirSession, texteErreur, ErreurApi } from '../api.js';
import { h, champ, message, remplacer, annoncer } from '../dom.js';
import { domaine } from '../domaine.js';

/** Where to go once signed in: the `retour` parameter if it is a route of the app, else by role. */
function destination(params, moi) {
  const retour = params.get('retour');
  if (retour && /^\/[\w/-]*$/.test(retour)) return retour;
  if (moi.role === 'patient') return '/rdvs';
  if (moi.praticien_id) return '/planning';
  return '/';
}

function lienAvecRetour(chemin, params) {
  const retour = params.get('retour');
  return retour ? `#${chemin}?retour=${encodeURIComponent(retour)}` : `#${chemin}`;
}

export async function vueConnexion({ params, aller }) {
  const retour = h('div', { class: 'retour-formulaire' });
  const totp = champ('Code de vérification (application d\'authentification)', h('input', { name: 'totp', id: 'connexion-totp', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}' }));
  totp.hidden = true;
  const form = h('form', { class: 'formulaire', novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    const d = new FormData(form);
    const corps = { email: String(d.get('email')).trim(), password: String(d.get('password')) };
    if (!totp.hidden && d.get('totp')) corps.totp = String(d.get('totp')).trim();
    if (!corps.email || !corps.password) {
      remplacer(retour, message('erreur', 'Indiquez votre email et votre mot de passe.'));
      return;
    }
    const bouton = form.querySelector('button[type=submit]');
    bouton.disabled = true;
    try {
      const jetons = await api('POST', '/auth/signin', { corps });
      const moi = await ouvrirSession(jetons);
      annoncer('Vous êtes connecté.');
      aller(destination(params, moi));
    } catch (e) {
      bouton.disabled = false;
      if (e instanceof ErreurApi && e.code === 'totp_requis') {
        totp.hidden = false;
        totp.querySelector('input').focus();
      }
      remplacer(retour, message('erreur', e instanceof ErreurApi && e.status === 401 && e.code !== 'totp_requis'
        ? 'Email ou mot de passe incorrect.' : texteErreur(e)));
    }
  } },
  champ('Email', h('input', { type: 'email', name: 'email', id: 'connexion-email', autocomplete: 'username', required: true })),
  champ('Mot de passe', h('input', { type: 'password', name: 'password', id: 'connexion-mdp', autocomplete: 'current-password', required: true })),
  totp, retour,
  h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'principal' }, 'Se connecter')));
  return h('div', { class: 'etroit' }, h('h1', {}, 'Connexion'), form,
    h('p', {}, 'Pas encore de compte ? ', h('a', { href: lienAvecRetour('/inscription', params) }, 'Créer un compte patient')));
}

export async function vueInscription({ params, aller }) {
  const retour = h('div', { class: 'retour-formulaire' });
  const form = h('form', { class: 'formulaire', novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    const d = Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, String(v).trim()]));
    d.password = String(new FormData(form).get('password'));
    const erreurs = [];
    for (const [cle, libelle] of [['prenom', 'le prénom'], ['nom', 'le nom'], ['date_naissance', 'la date de naissance']]) {
      if (!d[cle]) erreurs.push(`Indiquez ${libelle}.`);
    }
    if (d.password.length < 12) erreurs.push('Le mot de passe doit compter au moins 12 caractères.');
    // The same checks as the server's, on the device, before anything is sent.
    const regles = await domaine().catch(() => null);
    if (regles) {
      try { d.email = regles.verifierEmail(d.email); } catch (e) { erreurs.push(`Email : ${e.message}`); }
      try { d.telephone = regles.verifierTelephone(d.telephone); } catch (e) { erreurs.push(`Téléphone : ${e.message}`); }
    }
    if (erreurs.length) {
      remplacer(retour, message('erreur', h('ul', {}, erreurs.map((x) => h('li', {}, x)))));
      return;
    }
    const bouton = form.querySelector('button[type=submit]');
    bouton.disabled = true;
    try {
      const jetons = await api('POST', '/auth/register', { corps: d });
      const moi = await ouvrirSession(jetons);
      annoncer('Compte créé, vous êtes connecté.');
      aller(destination(params, moi));
    } catch (e) {
      bouton.disabled = false;
      remplacer(retour, message('erreur', texteErreur(e)));
    }
  } },
  h('div', { class: 'deux-colonnes' },
    champ('Prénom', h('input', { name: 'prenom', id: 'inscription-prenom', autocomplete: 'given-name', required: true })),
    champ('Nom', h('input', { name: 'nom', id: 'inscription-nom', autocomplete: 'family-name', required: true }))),
  champ('Date de naissance', h('input', { type: 'date', name: 'date_naissance', id: 'inscription-naissance', autocomplete: 'bday', required: true })),
  champ('Téléphone', h('input', { type: 'tel', name: 'telephone', id: 'inscription-telephone', autocomplete: 'tel', required: true }), 'Pour les rappels par SMS, ex. 06 12 34 56 78.'),
  champ('Email', h('input', { type: 'email', name: 'email', id: 'inscription-email', autocomplete: 'email', required: true })),
  champ('Mot de passe', h('input', { type: 'password', name: 'password', id: 'inscription-mdp', autocomplete: 'new-password', minlength: '12', required: true }), 'Au moins 12 caractères.'),
  retour,
  h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'principal' }, 'Créer mon compte')));
  return h('div', { class: 'etroit' }, h('h1', {}, 'Créer un compte patient'), form,
    h('p', {}, 'Déjà un compte ? ', h('a', { href: lienAvecRetour('/connexion', params) }, 'Se connecter')));
}
