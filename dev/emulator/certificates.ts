// A throwaway CA and a server certificate for 127.0.0.1 and localhost, made fresh at every emulator start, so no
// key material is ever committed. Clients trust the CA through `tlsOptions.ca`, exactly as with a real proxy.

import { generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";

export interface EmulatorCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export function generateCertificates(validDays = 30): EmulatorCertificates {
  const ca = (keyPairs.ca ??= newKeyPair());
  const caName = [{ name: "commonName", value: "MI Exposure Auditor emulator CA" }];
  const caCert = newCertificate(ca.publicKey, caName, caName, validDays);
  caCert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const server = (keyPairs.server ??= newKeyPair());
  const serverCert = newCertificate(server.publicKey, [{ name: "commonName", value: "127.0.0.1" }], caName, validDays);
  serverCert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        { type: 7, ip: "127.0.0.1" },
        { type: 2, value: "localhost" },
      ],
    },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  serverCert.sign(ca.privateKey, forge.md.sha256.create());

  return {
    caPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(serverCert),
    keyPem: forge.pki.privateKeyToPem(server.privateKey),
  };
}

type KeyPair = { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey };

/** RSA key generation is the slow part (about 0.3 s a key); a test run starts many emulators, so reuse the keys. */
const keyPairs: { ca?: KeyPair; server?: KeyPair } = {};

/** RSA keys from node:crypto (native), converted for forge to sign with. */
function newKeyPair(): KeyPair {
  const pair = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(pair.publicKey),
    privateKey: forge.pki.privateKeyFromPem(pair.privateKey),
  };
}

function newCertificate(
  publicKey: forge.pki.rsa.PublicKey,
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
  validDays: number,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A leading 01 byte keeps the DER integer positive.
  cert.serialNumber = `01${randomBytes(15).toString("hex")}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + validDays * 24 * 60 * 60 * 1000);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  return cert;
}
