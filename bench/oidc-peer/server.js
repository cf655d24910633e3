// The peer of bench/sso.py: node's oidc-provider, configured like meinekammer's provider
// (code flow only, PKCE S256 required, client_secret_basic, RS256 ID tokens with a 3072-bit RSA
// key, refresh tokens with every code exchange and rotated on use, access and ID tokens 300 s,
// codes 60 s, first-party client without a consent page). Its storage is a Map in this process
// (below) and its users are fixed claims without a database: that is lighter than meinekammer's
// database; bench/README.md says so next to the figures.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 3000);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'bench' };

// A Map without eviction. oidc-provider's own in-memory adapter is an LRU of 1000 entries:
// under load it drops live tokens (userinfo then answers 401 for tokens minted a minute ago).
const store = new Map();
const byGrant = new Map();
class MapAdapter {
  constructor(name) { this.name = name; }
  key(id) { return `${this.name}:${id}`; }
  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    store.set(key, { payload, expires: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    if (payload.grantId) {
      if (!byGrant.has(payload.grantId)) byGrant.set(payload.grantId, []);
      byGrant.get(payload.grantId).push(key);
    }
    if (payload.uid) store.set(`uid:${payload.uid}`, { payload: id, expires: Infinity });
    if (payload.userCode) store.set(`userCode:${payload.userCode}`, { payload: id, expires: Infinity });
  }
  async find(id) {
    const entry = store.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expires < Date.now()) { store.delete(this.key(id)); return undefined; }
    return entry.payload;
  }
  async findByUid(uid) { const id = store.get(`uid:${uid}`)?.payload; return id && this.find(id); }
  async findByUserCode(code) { const id = store.get(`userCode:${code}`)?.payload; return id && this.find(id); }
  async consume(id) { const entry = store.get(this.key(id)); if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { store.delete(this.key(id)); }
  async revokeByGrantId(grantId) {
    for (const key of byGrant.get(grantId) || []) store.delete(key);
    byGrant.delete(grantId);
  }
}

const configuration = {
  adapter: MapAdapter,
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: [process.env.REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  rotateRefreshToken: true,
  // Like django-oauth-toolkit: tokens live by their own expiry, not by the browser session
  // (oidc-provider's default binds them to it, and a newer authorization in the same session
  // invalidates the older tokens).
  expiresWithSession: async () => false,
  // Like django-oauth-toolkit: a refresh token with every code exchange, no offline_access.
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  features: {
    devInteractions: { enabled: true }, // the login form (any password) for the virtual users
    introspection: { enabled: true },
    userinfo: { enabled: true },
    revocation: { enabled: true },
  },
  scopes: ['openid', 'profile', 'email', 'companies'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'locale'],
    email: ['email', 'email_verified'],
    companies: ['companies'],
  },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({
      sub: id,
      email: id,
      email_verified: true,
      name: 'Erika Muster',
      given_name: 'Erika',
      family_name: 'Muster',
      locale: 'de',
      companies: [
        { id: '1', name: 'Firma 1 GmbH', chamber_number: '101', member_number: '10100001', roles: ['ausbilder'] },
      ],
    }),
  }),
  // First party: no consent page (meinekammer's `--first-party`).
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const existing = await ctx.oidc.provider.Grant.find(grantId);
      if (existing) return existing;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email companies');
    await grant.save();
    return grant;
  },
  ttl: {
    AccessToken: 300,
    IdToken: 300,
    AuthorizationCode: 60,
    RefreshToken: 30 * 24 * 3600,
    Grant: 30 * 24 * 3600,
    Session: 8 * 3600,
    Interaction: 3600,
  },
  cookies: { keys: ['bench-cookie-key-not-secret-0123456789'] },
};

const provider = new Provider(`http://127.0.0.1:${port}`, configuration);
provider.listen(port, '127.0.0.1');
