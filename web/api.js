// The HTTP API (API.md): JSON in and out, problem+json errors, bearer tokens that refresh themselves.

const CLE_SESSION = 'toubeelib.session';

/** An answer of the API that is not a success: its status and problem+json `code`. */
export class ErreurApi extends Error {
  constructor(status, probleme) {
    super(probleme?.detail || probleme?.title || `erreur ${status}`);
    this.status = status;
    this.code = probleme?.code ?? 'inconnu';
    this.probleme = probleme ?? {};
  }
}

/** No answer at all: the network is down or the server unreachable. */
export class HorsLigne extends Error {
  constructor() {
    super('Connexion impossible : vérifiez votre réseau puis réessayez.');
    this.code = 'hors_ligne';
  }
}

/** `{ access_token, refresh_token, moi }` of the signed-in account, or null. */
export function session() {
  try {
    return JSON.parse(localStorage.getItem(CLE_SESSION) ?? 'null');
  } catch {
    return null;
  }
}

function garder(s) {
  if (s) localStorage.setItem(CLE_SESSION, JSON.stringify(s));
  else localStorage.removeItem(CLE_SESSION);
  window.dispatchEvent(new CustomEvent('session'));
}

async function envoyer(methode, chemin, { corps, jeton, entetes = {} } = {}) {
  const headers = { accept: 'application/json', ...entetes };
  if (corps !== undefined) headers['content-type'] = 'application/json';
  if (jeton) headers.authorization = `Bearer ${jeton}`;
  let reponse;
  try {
    reponse = await fetch(chemin, {
      method: methode, headers, body: corps === undefined ? undefined : JSON.stringify(corps),
    });
  } catch {
    throw new HorsLigne();
  }
  const texte = await reponse.text();
  let json = null;
  try {
    json = texte ? JSON.parse(texte) : null;
  } catch {
    json = null;
  }
  if (!reponse.ok) throw new ErreurApi(reponse.status, json);
  return { json, reponse };
}

// One refresh at a time: a refresh token is single-use, and a reused one revokes the whole family.
let rafraichissement = null;

async function rafraichir(s) {
  rafraichissement ??= envoyer('POST', '/auth/refresh', { corps: { refresh_token: s.refresh_token } })
    .then(({ json }) => {
      const nouvelle = { ...s, access_token: json.access_token, refresh_token: json.refresh_token };
      garder(nouvelle);
      return nouvelle;
    })
    .catch((e) => {
      if (e instanceof ErreurApi) garder(null);
      throw e;
    })
    .finally(() => { rafraichissement = null; });
  return rafraichissement;
}

/**
 * A request; `auth: true` sends the access token and, on a 401, refreshes it once and retries.
 * Returns the JSON body (null for an empty one).
 */
export async function api(methode, chemin, { corps, auth = false, entetes } = {}) {
  const s = auth ? session() : null;
  if (auth && !s) throw new ErreurApi(401, { code: 'non_authentifie', detail: 'Connectez-vous pour continuer.' });
  try {
    return (await envoyer(methode, chemin, { corps, jeton: s?.access_token, entetes })).json;
  } catch (e) {
    if (!(auth && e instanceof ErreurApi && e.status === 401)) throw e;
    const nouvelle = await rafraichir(s);
    return (await envoyer(methode, chemin, { corps, jeton: nouvelle.access_token, entetes })).json;
  }
}

/** Signs in (or registers, with `inscription`) and keeps the tokens and `/me`. */
export async function ouvrirSession(jetons) {
  const moi = (await envoyer('GET', '/me', { jeton: jetons.access_token })).json;
  garder({ access_token: jetons.access_token, refresh_token: jetons.refresh_token, moi });
  return moi;
}

/** Signs out: the refresh-token family is revoked on the server, the tokens forgotten here. */
export async function fermerSession() {
  const s = session();
  garder(null);
  if (s) {
    try {
      await envoyer('POST', '/auth/signout', { corps: { refresh_token: s.refresh_token }, jeton: s.access_token });
    } catch {
      // Forgotten here in any case; the access token expires on its own.
    }
  }
}

/** A fresh Idempotency-Key: a retried booking is not booked twice. */
export function cleIdempotence() {
  return crypto.randomUUID();
}

/** A user-facing sentence for any error of a request or of the domain rules. */
export function texteErreur(e) {
  if (e instanceof HorsLigne) return e.message;
  if (e instanceof ErreurApi) {
    if (e.status === 401 && e.code !== 'identifiants_invalides') return 'Votre session a expiré : connectez-vous à nouveau.';
    return e.message;
  }
  return e?.message ?? String(e);
}
