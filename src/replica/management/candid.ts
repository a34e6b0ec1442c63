/** Management canister Candid: see `./candid/index.ts` (split by method family) and `./management.did`. */
export * from './candid/index.js';
