// A real Better Auth instance for the API's interop tests, on plain node:http.
//
// Environment:
//   PORT                          port to listen on (127.0.0.1 only)
//   BETTER_AUTH_URL               base URL; also the tokens' default iss and aud
//   BETTER_AUTH_SECRET            Better Auth secret (32+ characters)
//   BETTER_AUTH_DB                SQLite file; created and migrated at start-up
//   BETTER_AUTH_DATABASE_URL      or a PostgreSQL URL, used through the `pg` package instead;
//                                 Better Auth's own migrations create its tables there
//   BETTER_AUTH_JWT_ALG           EdDSA (default, the plugin's own default), ES256, ES512, RS256, PS256
//   BETTER_AUTH_JWT_EXPIRATION    optional jwt.expirationTime, e.g. "15m" or "-5m" (already expired)
//
// Test-only route: POST /__test__/rotate-keys[?drop=1] creates a new signing key
// (new kid) the way the plugin does; with drop=1 every older key leaves the key set.
// The process exits when its standard input closes, so it never outlives its parent.

import http from "node:http";

import Database from "better-sqlite3";
import pg from "pg";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import { jwt } from "better-auth/plugins";
import { createJwk } from "better-auth/plugins/jwt";

const KEY_PAIR_CONFIGS = {
  EdDSA: undefined, // the plugin's default: Ed25519
  ES256: { alg: "ES256" },
  ES512: { alg: "ES512" },
  RS256: { alg: "RS256", modulusLength: 2048 },
  PS256: { alg: "PS256", modulusLength: 2048 },
};

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} must be set`);
    process.exit(2);
  }
  return value;
}

const port = Number(required("PORT"));
const baseURL = required("BETTER_AUTH_URL");
const secret = required("BETTER_AUTH_SECRET");
const databaseUrl = process.env.BETTER_AUTH_DATABASE_URL;
const database = databaseUrl
  ? new pg.Pool({ connectionString: databaseUrl, max: 4 })
  : new Database(required("BETTER_AUTH_DB"));
const algorithm = process.env.BETTER_AUTH_JWT_ALG || "EdDSA";
const expirationTime = process.env.BETTER_AUTH_JWT_EXPIRATION || undefined;

if (!(algorithm in KEY_PAIR_CONFIGS)) {
  console.error(`unsupported BETTER_AUTH_JWT_ALG: ${algorithm}`);
  process.exit(2);
}

const keyPairConfig = KEY_PAIR_CONFIGS[algorithm];
const jwtOptions = {
  ...(keyPairConfig ? { jwks: { keyPairConfig } } : {}),
  ...(expirationTime ? { jwt: { expirationTime } } : {}),
};

const auth = betterAuth({
  baseURL,
  secret,
  database,
  emailAndPassword: { enabled: true },
  plugins: [jwt(jwtOptions)],
  // Tests sign many users up quickly from one address.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

async function rotateKeys(drop) {
  const context = await auth.$context;
  const key = await createJwk({ context }, jwtOptions);
  if (drop) {
    await context.adapter.deleteMany({
      model: "jwks",
      where: [{ field: "id", operator: "ne", value: key.id }],
    });
  }
  return key.id;
}

const authHandler = toNodeHandler(auth);

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", baseURL);
  if (url.pathname === "/__test__/rotate-keys") {
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    try {
      const kid = await rotateKeys(url.searchParams.get("drop") === "1");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ kid }));
    } catch (error) {
      console.error(error);
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: String(error) }));
    }
    return;
  }
  await authHandler(req, res);
});

function shutdown() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}

process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.stdin.on("end", shutdown);
process.stdin.on("close", shutdown);
process.stdin.resume();

server.listen(port, "127.0.0.1", () => {
  console.log(JSON.stringify({ ready: true, port, algorithm }));
});
