// Mints an HS256 token with jose, as a Next.js route handler holding the shared secret would.
//
// Usage: BETTER_AUTH_SECRET=... node mint-hs256.mjs --sub ID [--email E] [--name N]
//        [--ttl SECONDS] [--iss ISSUER] [--aud AUDIENCE]
// The secret comes from the environment so it never shows in a process list.
// A negative --ttl gives a token that has already expired. Prints the token.

import { parseArgs } from "node:util";

import { SignJWT } from "jose";

const { values } = parseArgs({
  options: {
    sub: { type: "string" },
    email: { type: "string" },
    name: { type: "string" },
    ttl: { type: "string", default: "900" },
    iss: { type: "string" },
    aud: { type: "string" },
  },
  strict: true,
});

const secret = process.env.BETTER_AUTH_SECRET;
if (!secret) {
  console.error("BETTER_AUTH_SECRET must be set");
  process.exit(2);
}
if (!values.sub) {
  console.error("--sub is required");
  process.exit(2);
}
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl)) {
  console.error("--ttl must be a whole number of seconds");
  process.exit(2);
}

const claims = {};
if (values.email !== undefined) claims.email = values.email;
if (values.name !== undefined) claims.name = values.name;

const now = Math.floor(Date.now() / 1000);
let token = new SignJWT(claims)
  .setProtectedHeader({ alg: "HS256", typ: "JWT" })
  .setSubject(values.sub)
  .setIssuedAt(now)
  .setExpirationTime(now + ttl);
if (values.iss !== undefined) token = token.setIssuer(values.iss);
if (values.aud !== undefined) token = token.setAudience(values.aud);

process.stdout.write(`${await token.sign(new TextEncoder().encode(secret))}\n`);
