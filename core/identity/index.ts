export { Did, Keypair, verifySignature, verifyRaw, IdentityError } from './identity.js';
