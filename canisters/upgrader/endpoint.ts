/**
 * `@fastUpdate` and `@fastQuery`: Azle's `@update` / `@query` with the same Candid types (so the
 * same `.did`), in Azle's manual mode, with the argument decoded and the reply encoded by
 * candid-codec.ts instead of @dfinity/candid. A method written for them is an ordinary method:
 * typed arguments in, a value (or a promise of one) out; a throw traps as before. An argument the
 * codec refuses (CandidDecodeError: malformed, not of the method's types, or too costly to
 * decode) never reaches the method: a method that answers `Result` replies
 * `{ Err = InvalidArgument }` with the codec's reason (bad input is an expected failure, not a
 * trap); any other traps with it. Decoding costs at most the bound documented in candid/reader.ts.
 *
 * An update compiles its reply's codec on first use and keeps it on the heap. A query cannot
 * keep anything, so `precompileQueries` (called by init and post_upgrade) compiles the reply
 * codecs of every query once, where they persist.
 *
 * A query's message is checked against its bound (bounds.ts) before decoding: queries never pass
 * through inspect_message, which does this for ingress updates. Over it, a query that answers
 * `Result` replies `{ Err = InvalidArgument }`, any other traps.
 */
import type { IDL } from '@dfinity/candid';
import { msgArgData, msgReply, query, update } from 'azle';

import { maxArgumentBytes } from './bounds';
import { CandidDecodeError, decodeMessage, encodeMessage, precompile } from './candid-codec';
import type { Result } from './types';

const queryReplies: IDL.Type[] = [];

type Method<This, Args extends unknown[], Return> = (this: This, ...args: Args) => Return;
type Manual<This> = (this: This) => void | Promise<void>;
type Decorator = <This, Args extends unknown[], Return>(method: Method<This, Args, Return>, context: ClassMethodDecoratorContext<This, Method<This, Args, Return>>) => void;

/** Longest reason an InvalidArgument for an undecodable argument carries. */
const MAX_REASON_CHARS = 240;

/** Whether `ret` is `variant { Ok : T; Err : UpgraderError }` (types.ts's `Result`). */
function isResult(ret: IDL.Type): boolean {
    const fields: unknown = Reflect.get(ret, '_fields');
    return Array.isArray(fields) && fields.some((field: unknown) => Array.isArray(field) && field[0] === 'Err');
}

/** Where a method's message is bounded before decoding: by inspect_message (updates), or here (`maxBytes`, queries). */
type Shape = { answersBadInput: boolean; maxBytes: number | undefined };

function manual<This, Args extends unknown[], Return>(params: IDL.Type[], ret: IDL.Type, method: Method<This, Args, Return>, { answersBadInput, maxBytes }: Shape): Manual<This> {
    const reply = (result: unknown): void => msgReply(encodeMessage([ret], [result]));
    const refuse = (reason: string): void => {
        if (!answersBadInput) throw new Error(reason);
        const refusal: Result<never> = { Err: { InvalidArgument: reason.slice(0, MAX_REASON_CHARS) } };
        reply(refusal);
    };
    return function (this: This): void | Promise<void> {
        const message = msgArgData();
        if (maxBytes !== undefined && message.length > maxBytes) return refuse(`the argument is ${message.length} bytes; this method accepts at most ${maxBytes}`);
        let args: Args;
        try {
            args = decodeMessage(params, message) as Args;
        } catch (error) {
            if (!(error instanceof CandidDecodeError)) throw error;
            return refuse(error.message);
        }
        const result: unknown = method.apply(this, args);
        if (result instanceof Promise) return result.then(reply);
        reply(result);
    };
}

/** An update method whose Candid goes through candid-codec.ts. */
export function fastUpdate(params: IDL.Type[], ret: IDL.Type): Decorator {
    return <This, Args extends unknown[], Return>(method: Method<This, Args, Return>, context: ClassMethodDecoratorContext<This, Method<This, Args, Return>>): void => {
        const shape = { answersBadInput: isResult(ret), maxBytes: undefined };
        update<This, [], void | Promise<void>>(params, ret, { manual: true })(manual(params, ret, method, shape), context as unknown as ClassMethodDecoratorContext<This, Manual<This>>);
    };
}

/** A query method whose Candid goes through candid-codec.ts. */
export function fastQuery(params: IDL.Type[], ret: IDL.Type): Decorator {
    queryReplies.push(ret);
    return <This, Args extends unknown[], Return>(method: Method<This, Args, Return>, context: ClassMethodDecoratorContext<This, Method<This, Args, Return>>): void => {
        const shape = { answersBadInput: isResult(ret), maxBytes: maxArgumentBytes(String(context.name)) };
        query<This, [], void | Promise<void>>(params, ret, { manual: true })(manual(params, ret, method, shape), context as unknown as ClassMethodDecoratorContext<This, Manual<This>>);
    };
}

/** Compiles the reply codecs of every `@fastQuery` method (see above). */
export function precompileQueries(): void {
    for (const ret of queryReplies) precompile([ret]);
}
