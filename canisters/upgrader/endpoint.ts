/**
 * `@fastUpdate` and `@fastQuery`: Azle's `@update` / `@query` with the same Candid types (so the
 * same `.did`), in Azle's manual mode, with the argument decoded and the reply encoded by
 * candid-codec.ts instead of @dfinity/candid. A method written for them is an ordinary method:
 * typed arguments in, a value (or a promise of one) out; a throw traps as before. An argument the
 * codec refuses (CandidDecodeError: malformed, not of the method's types, or too costly to
 * decode) traps with the codec's message before the method runs; decoding it costs at most
 * the bound documented in candid/reader.ts.
 *
 * An update compiles its reply's codec on first use and keeps it on the heap. A query cannot
 * keep anything, so `precompileQueries` (called by init and post_upgrade) compiles the reply
 * codecs of every query once, where they persist.
 */
import type { IDL } from '@dfinity/candid';
import { msgArgData, msgReply, query, update } from 'azle';

import { decodeMessage, encodeMessage, precompile } from './candid-codec';

const queryReplies: IDL.Type[] = [];

type Method<This, Args extends unknown[], Return> = (this: This, ...args: Args) => Return;
type Manual<This> = (this: This) => void | Promise<void>;
type Decorator = <This, Args extends unknown[], Return>(method: Method<This, Args, Return>, context: ClassMethodDecoratorContext<This, Method<This, Args, Return>>) => void;

function manual<This, Args extends unknown[], Return>(params: IDL.Type[], ret: IDL.Type, method: Method<This, Args, Return>): Manual<This> {
    const reply = (result: unknown): void => msgReply(encodeMessage([ret], [result]));
    return function (this: This): void | Promise<void> {
        const args = decodeMessage(params, msgArgData()) as Args;
        const result: unknown = method.apply(this, args);
        if (result instanceof Promise) return result.then(reply);
        reply(result);
    };
}

/** An update method whose Candid goes through candid-codec.ts. */
export function fastUpdate(params: IDL.Type[], ret: IDL.Type): Decorator {
    return <This, Args extends unknown[], Return>(method: Method<This, Args, Return>, context: ClassMethodDecoratorContext<This, Method<This, Args, Return>>): void => {
        update<This, [], void | Promise<void>>(params, ret, { manual: true })(manual(params, ret, method), context as unknown as ClassMethodDecoratorContext<This, Manual<This>>);
    };
}

/** A query method whose Candid goes through candid-codec.ts. */
export function fastQuery(params: IDL.Type[], ret: IDL.Type): Decorator {
    queryReplies.push(ret);
    return <This, Args extends unknown[], Return>(method: Method<This, Args, Return>, context: ClassMethodDecoratorContext<This, Method<This, Args, Return>>): void => {
        query<This, [], void | Promise<void>>(params, ret, { manual: true })(manual(params, ret, method), context as unknown as ClassMethodDecoratorContext<This, Manual<This>>);
    };
}

/** Compiles the reply codecs of every `@fastQuery` method (see above). */
export function precompileQueries(): void {
    for (const ret of queryReplies) precompile([ret]);
}
