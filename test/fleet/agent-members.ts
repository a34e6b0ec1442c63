/** Fleet members created over HTTP (an agent on the replica server), for the CLI's and the page's tests. */
import type { HttpAgent } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';

import { createCanister, installCode, setControllers } from '../../scripts/lib/ic.js';
import { fleetMemberModule } from './member-module.js';

/** `count` canisters running the member module v1, installed by `agent`'s identity, then controlled by `controllers` only. */
export async function agentMembers(agent: HttpAgent, controllers: Principal[], count: number): Promise<Principal[]> {
    const owner = await agent.getPrincipal();
    const v1 = await fleetMemberModule('v1');
    const ids: Principal[] = [];
    for (let i = 0; i < count; i++) {
        const id = await createCanister(agent, [owner]);
        await installCode(agent, id, v1, new Uint8Array());
        await setControllers(agent, id, controllers);
        ids.push(id);
    }
    return ids;
}
