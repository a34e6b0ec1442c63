/**
 * The setup every upgrader test file shared: a fresh replica for each test, torn down after it
 * (even when the setup itself failed), so that no test sees another's canisters or clock.
 */
import { Replica } from '../../src/replica/index';

/**
 * Call in a `describe` block: before each of its tests, `setup` runs on a fresh replica (assign
 * what the tests use there); after each, the replica is torn down.
 */
export function eachTestOnFreshReplica(setup: (replica: Replica) => Promise<void>): void {
    let replica: Replica | undefined;
    beforeEach(async () => {
        replica = await Replica.create();
        await setup(replica);
    });
    afterEach(async () => {
        await replica?.tearDown();
        replica = undefined;
    });
}
