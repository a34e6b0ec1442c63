/**
 * Runs @dfinity/candid on one assertion of the official Candid test suite, in a process of its
 * own: the suite's "spacebomb" messages make the library build up to 10^9 values, which would
 * take the test process down with it. Started by candid-suite.test.ts with a small heap
 * (`node --max-old-space-size=...`), it prints `true` or `false` (whether the library satisfies
 * the assertion) and exits; running out of memory or time counts as not satisfying it.
 *
 *   node --import tsx test/candid/library-oracle.ts <file> <assertion index>
 */
import { IDL } from '@dfinity/candid';

import { loadSuite, satisfies } from './suite-support';

const [file, index] = process.argv.slice(2);
const suiteCase = loadSuite(file ?? '')[Number(index)];
if (suiteCase === undefined) throw new Error(`no assertion ${index} in ${file}: pass a suite file name and an assertion index`);
process.stdout.write(String(satisfies(suiteCase, (types, bytes) => IDL.decode(types, bytes.slice()) as unknown[])));
