/**
 * The scripts' command lines: strict options (a typo is a usage error, never an option silently
 * ignored or a flag taken for a value) and networks (an IC boundary node's URL keeps the IC's
 * built-in root key instead of trusting one fetched from the URL).
 */
import { cyclesOption, parseOptions, principalOption, UsageError } from '../../scripts/lib/args.js';
import { resolveNetwork } from '../../scripts/lib/ic.js';

const NAMES = ['--network', '--canister'] as const;

describe('parseOptions', () => {
    it('reads known options given once each', () => {
        expect(parseOptions(['--canister', 'aaaaa-aa', '--network', 'local'], NAMES)).toEqual({ '--network': 'local', '--canister': 'aaaaa-aa' });
        expect(parseOptions([], NAMES)).toEqual({});
    });

    it.each([
        [['--netwrok', 'local'], 'unknown option "--netwrok"; the options are --network, --canister'],
        [['local'], 'unknown option "local"'],
        [['--network'], '--network needs a value'],
        [['--network', '--canister', 'aaaaa-aa'], '--network needs a value'],
        [['--network', 'local', '--network', 'ic'], '--network is given twice']
    ])('refuses %j: %s', (argv, message) => {
        expect(() => parseOptions(argv, NAMES)).toThrow(UsageError);
        expect(() => parseOptions(argv, NAMES)).toThrow(message);
    });
});

describe('option values', () => {
    it('takes cycles only as decimal digits', () => {
        expect(cyclesOption('--fee', '1000000000000')).toBe(1_000_000_000_000n);
        expect(cyclesOption('--fee', '0')).toBe(0n);
        for (const bad of ['-1', '1e12', '1_000', '', '0x10', '1.5']) expect(() => cyclesOption('--fee', bad)).toThrow(UsageError);
    });

    it('takes principals in textual form only', () => {
        expect(principalOption('--canister', 'aaaaa-aa').toText()).toBe('aaaaa-aa');
        expect(() => principalOption('--canister', 'aaaaa-ab')).toThrow('--canister must be a principal in textual form');
    });
});

describe('resolveNetwork', () => {
    it('knows local and ic, and takes URLs', () => {
        expect(resolveNetwork('local')).toEqual({ name: 'local', url: 'http://127.0.0.1:4943', mainnet: false });
        expect(resolveNetwork('ic')).toEqual({ name: 'ic', url: 'https://icp-api.io', mainnet: true });
        expect(resolveNetwork('http://127.0.0.1:8080').mainnet).toBe(false);
    });

    it('treats every IC boundary node URL as mainnet (the built-in root key), and no look-alike', () => {
        for (const url of ['https://icp-api.io', 'https://ic0.app', 'https://icp0.io', 'https://boundary.ic0.app/']) expect(resolveNetwork(url).mainnet).toBe(true);
        for (const url of ['https://icp-api.io.example.com', 'https://notic0.app']) expect(resolveNetwork(url).mainnet).toBe(false);
    });

    it('calls anything else a usage error', () => {
        for (const bad of ['locl', 'IC', 'icp-api.io', 'https://']) expect(() => resolveNetwork(bad)).toThrow(UsageError);
        expect(() => resolveNetwork('locl')).toThrow('unknown network "locl": use "local", "ic" or a URL such as http://127.0.0.1:4943');
    });
});
