/**
 * What every command gets from the common flags: the network, the identity, an agent, the
 * upgrader's client, progress and confirmation. Built lazily, so `--help` and usage errors
 * never touch the network or the identity store.
 */
import { createInterface } from 'node:readline/promises';

import type { HttpAgent } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import type { Principal } from '@dfinity/principal';

import { UpgraderClient } from '../client/upgrader.js';
import { CliFailure, UsageError } from './errors.js';
import { loadIdentity, type LoadedIdentity } from './identity.js';
import type { CliIo } from './io.js';
import { connect, type Network, resolveNetwork, resolveUpgraderId } from './network.js';
import { type Progress, progress } from './output.js';

/** The common flags, as commander parses them. */
export interface GlobalOptions {
    network: string;
    upgrader?: string;
    identity?: string;
    json?: boolean;
    yes?: boolean;
    progress?: boolean;
}

export class Context {
    readonly network: Network;
    readonly progress: Progress;
    private loaded?: Promise<LoadedIdentity>;
    private agentPromise?: Promise<HttpAgent>;

    constructor(
        readonly io: CliIo,
        readonly options: GlobalOptions
    ) {
        this.network = resolveNetwork(options.network);
        const shown = io.stderrIsTTY || options.progress === true;
        this.progress = progress(io.stderr, shown, io.stderrIsTTY);
    }

    /** Whether the result is printed as one JSON document. */
    get json(): boolean {
        return this.options.json === true;
    }

    /**
     * The identity to call as: `--identity`, else dfx's default identity. A command that only
     * reads (`readOnly`) falls back to a fresh throwaway key when dfx has no default identity,
     * never to the anonymous principal.
     */
    async identity(readOnly = false): Promise<LoadedIdentity> {
        this.loaded ??= this.load(readOnly);
        return this.loaded;
    }

    private async load(readOnly: boolean): Promise<LoadedIdentity> {
        try {
            return await loadIdentity(this.options.identity, { env: this.io.env, cwd: this.io.cwd, network: this.network });
        } catch (error) {
            if (readOnly && this.options.identity === undefined && error instanceof UsageError) return { identity: Ed25519KeyIdentity.generate(), source: "throwaway (read-only; dfx's default identity is missing or unusable)" };
            throw error;
        }
    }

    /** An agent on the network as the identity; prints both to stderr (text mode) once. */
    async agent(readOnly = false): Promise<HttpAgent> {
        this.agentPromise ??= (async () => {
            const { identity, source } = await this.identity(readOnly);
            if (!this.json) this.io.stderr(`network: ${this.network.name === this.network.url ? this.network.url : `${this.network.name} (${this.network.url})`}; identity: ${source} (${identity.getPrincipal().toText()})\n`);
            return connect(this.network, identity);
        })();
        return this.agentPromise;
    }

    /** The principal the command calls as. */
    async principal(readOnly = false): Promise<Principal> {
        return (await this.identity(readOnly)).identity.getPrincipal();
    }

    async upgraderId(): Promise<Principal> {
        return resolveUpgraderId(this.options.upgrader, this.network, this.io.cwd);
    }

    /** The upgrader's client, as the identity. */
    async client(readOnly = false): Promise<UpgraderClient> {
        const canisterId = await this.upgraderId();
        return UpgraderClient.create({ agent: await this.agent(readOnly), canisterId });
    }

    /**
     * Asks before a consequential action: `--yes` answers for the user; a terminal is asked;
     * anything else is a usage error (scripts must say --yes).
     */
    async confirm(question: string): Promise<void> {
        if (this.options.yes === true) return;
        const stdin = this.io.stdin;
        if (stdin === undefined || stdin.isTTY !== true) throw new UsageError(`${question} Pass --yes to confirm without a terminal.`);
        const reader = createInterface({ input: stdin });
        try {
            this.io.stderr(`${question} [y/N] `);
            const answer = await reader.question('');
            if (!/^y(es)?$/i.test(answer.trim())) throw new CliFailure('NotConfirmed', 'not confirmed; nothing was done');
        } finally {
            reader.close();
        }
    }
}
