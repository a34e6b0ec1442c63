/** What the page server tells the page (inert JSON in index.html's `#config` element). */
export interface PageConfig {
    /** Origin of the network, e.g. `http://127.0.0.1:4943`. */
    networkUrl: string;
    upgraderId: string;
    /** The app to open first, if none is named in the address's fragment. */
    app: string | null;
    /** Fetch the network's root key (a local network); never on the IC. */
    fetchRootKey: boolean;
}

export function readConfig(): PageConfig {
    const element = document.getElementById('config');
    if (element?.textContent == null) throw new Error('The page has no configuration: open it through its server (startVoterPage), not as a file.');
    return JSON.parse(element.textContent) as PageConfig;
}
