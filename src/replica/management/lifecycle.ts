import { Principal } from '@dfinity/principal';
import { DEFAULT_PROVISIONAL_CYCLES } from '../constants.js';
import { reject, Rejects } from '../reject.js';
import { Canister } from '../state/canister.js';
import { changeOrigin, controlled, err, Handler, isReject, ManagementCall, ok } from './call.js';
import { CanisterSettings, NO_SETTINGS } from './candid.js';
import { recordChange } from './history.js';
import { applySettings, validateSettings } from './settings.js';

function createCanister(call: ManagementCall, settings: CanisterSettings, cycles: bigint, specifiedId: Principal | null): Canister | ReturnType<typeof reject> {
    const invalid = validateSettings(settings, null);
    if (invalid !== null) return invalid;
    const subnet = call.subnet;
    let id: Principal;
    if (specifiedId !== null) {
        if (subnet.canister(specifiedId) !== undefined) return reject('IC0205', `Canister ${specifiedId.toText()} is already installed`);
        id = specifiedId;
    } else {
        id = subnet.allocateCanisterId();
    }
    const canister = new Canister(id, [call.sender], cycles, subnet.time);
    applySettings(canister.settings, settings);
    subnet.addCanister(canister);
    recordChange(canister, subnet.time, changeOrigin(call), { kind: 'creation', controllers: canister.settings.controllers });
    return canister;
}

export const create_canister: Handler<'create_canister'> = (call, args) => {
    const fee = call.subnet.cycles.canisterCreation();
    if (call.cycles < fee) {
        return err(reject('IC0407', `Creating a canister requires a fee of ${fee} cycles that is deducted from the attached cycles; only ${call.cycles} were attached`));
    }
    const created = createCanister(call, args.settings[0] ?? NO_SETTINGS, call.cycles - fee, null);
    if (!(created instanceof Canister)) return err(created);
    return ok({ canister_id: created.id }, call.cycles);
};

export const provisional_create_canister_with_cycles: Handler<'provisional_create_canister_with_cycles'> = (call, args) => {
    const created = createCanister(call, args.settings[0] ?? NO_SETTINGS, args.amount[0] ?? DEFAULT_PROVISIONAL_CYCLES, args.specified_id[0] ?? null);
    if (!(created instanceof Canister)) return err(created);
    return ok({ canister_id: created.id });
};

export const provisional_top_up_canister: Handler<'provisional_top_up_canister'> = (call, args) => {
    const canister = call.subnet.canister(args.canister_id);
    if (canister === undefined) return err(Rejects.canisterNotFound(args.canister_id.toText()));
    canister.cycles += args.amount;
    return ok(undefined);
};

export const deposit_cycles: Handler<'deposit_cycles'> = (call, args) => {
    const canister = call.subnet.canister(args.canister_id);
    if (canister === undefined) return err(Rejects.canisterNotFound(args.canister_id.toText()));
    canister.cycles += call.cycles;
    return ok(undefined, call.cycles);
};

export const update_settings: Handler<'update_settings'> = (call, args) => {
    const canister = controlled(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    const invalid = validateSettings(args.settings, canister);
    if (invalid !== null) return err(invalid);
    applySettings(canister.settings, args.settings);
    canister.version++;
    if (args.settings.controllers[0] !== undefined) {
        recordChange(canister, call.subnet.time, changeOrigin(call), { kind: 'controllers_change', controllers: canister.settings.controllers });
    }
    return ok(undefined);
};

export const start_canister: Handler<'start_canister'> = (call, args) => {
    const canister = controlled(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    const cancelled = canister.pendingStops;
    canister.pendingStops = [];
    for (const stop of cancelled) call.subnet.deliver(stop.replyTo, { kind: 'reject', reject: Rejects.stopCancelled(canister.idText) }, 0n);
    canister.status = 'running';
    canister.version++;
    return ok(undefined);
};

export const stop_canister: Handler<'stop_canister'> = (call, args) => {
    const canister = controlled(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    if (canister.status === 'stopped') return ok(undefined);
    if (canister.status === 'running') {
        canister.status = 'stopping';
        canister.version++;
        call.subnet.beginStopping(canister);
    }
    canister.pendingStops.push({ replyTo: call.replyTo, deadline: call.subnet.time + call.subnet.stopTimeoutNs });
    return { pending: true };
};

export const delete_canister: Handler<'delete_canister'> = (call, args) => {
    const canister = controlled(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    if (canister.id.toText() === call.sender.toText()) return err(reject('IC0510', `Canister ${canister.idText} cannot delete itself`));
    if (canister.status !== 'stopped') return err(reject('IC0510', `Canister ${canister.idText} must be stopped before it is deleted.`));
    call.subnet.removeCanister(canister);
    return ok(undefined);
};
