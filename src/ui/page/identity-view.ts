/** The identity view: which principal votes, and its key (new, import, export). */
import type { Ed25519KeyIdentity } from '@dfinity/identity';

import { h, replaceContent } from './dom.js';
import { exportKey, parseKeyFile } from './identity.js';

export interface IdentityActions {
    /** A key was made or imported: the page votes with it from now on. */
    use(identity: Ed25519KeyIdentity): void;
    /** A new random key. */
    fresh(): Ed25519KeyIdentity;
    announce(message: string, isError?: boolean): void;
}

function download(name: string, text: string): void {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const link = h('a', { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

export function renderIdentity(region: HTMLElement, identity: Ed25519KeyIdentity, onMainnet: boolean, actions: IdentityActions): void {
    const principal = identity.getPrincipal().toText();
    const fileInput = h('input', {
        id: 'key-file',
        type: 'file',
        accept: '.json,.pem,.txt,.key,application/json,text/plain',
        'aria-describedby': 'key-formats',
        onchange: () => {
            const file = fileInput.files?.[0];
            if (file === undefined) return;
            void file.text().then(
                (text) => {
                    try {
                        const imported = parseKeyFile(text);
                        actions.use(imported);
                        actions.announce(`Imported ${file.name}: now voting as ${imported.getPrincipal().toText()}.`);
                    } catch (error) {
                        actions.announce(error instanceof Error ? error.message : String(error), true);
                    }
                    fileInput.value = '';
                },
                (error: unknown) => actions.announce(`Could not read ${file.name}: ${String(error)}`, true)
            );
        }
    });
    const copy = (): void =>
        void navigator.clipboard.writeText(principal).then(
            () => actions.announce('Principal copied.'),
            () => actions.announce('Copying was refused by the browser; select the principal and copy it.', true)
        );
    const replace = (): void => {
        if (!window.confirm('Replace this key with a new one? Export it first if its principal is a voter: a replaced key cannot be recovered.')) return;
        const made = actions.fresh();
        actions.use(made);
        actions.announce(`New key: now voting as ${made.getPrincipal().toText()}.`);
    };
    replaceContent(
        region,
        h('h2', { id: 'identity-title' }, 'Your identity'),
        h('p', {}, 'Voting as ', h('code', { id: 'voter-principal', class: 'principal' }, principal)),
        h('div', { class: 'actions' }, h('button', { type: 'button', id: 'copy-principal', onclick: copy }, 'Copy principal')),
        h(
            'details',
            { id: 'key-tools' },
            h('summary', { id: 'key-tools-summary' }, 'Manage this key'),
            h(
                'div',
                { class: 'actions' },
                h('button', { type: 'button', id: 'export-key', onclick: () => download(`voter-${principal.slice(0, 5)}.json`, exportKey(identity)) }, 'Export key'),
                h('button', { type: 'button', id: 'new-key', onclick: replace }, 'New key')
            ),
            h('label', { for: 'key-file' }, 'Import a key file'),
            fileInput,
            h('p', { id: 'key-formats', class: 'hint' }, 'Ed25519 only: a key exported here (JSON), a 32-byte secret key in hex, or a PKCS#8 PEM. The key stays in this browser (localStorage); only signatures leave it.')
        ),
        h(
            'details',
            {},
            h('summary', {}, onMainnet ? 'Voting on the IC with Internet Identity' : 'Which key to use'),
            h('p', {}, "This page signs with the key above. Name its principal as a voter in the app's policy (register or set_policy), or import the key of a principal that is one."),
            h('p', {}, 'Internet Identity is not built into this page yet: it needs @dfinity/auth-client, which the project does not ship. The path: an AuthClient login gives a delegation identity whose principal is the voter; that principal is named in the policy like any other, and the page votes with it instead of the local key (README, "The voters\' page").')
        )
    );
}
