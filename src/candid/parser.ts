/**
 * A parser of Candid's type syntax (spec "Type Structure"): data types, function and service
 * types, `type` definitions and a `service` declaration. `parseType` reads one type;
 * `parseDid` a whole `.did` file. Imports are not supported.
 */
import { type CandidType, type Field, type FieldLabel, type FuncAnnotation, type FuncType, type Method, PRIMITIVE_TYPES, type PrimitiveName, type TypeDefinition } from './ast';
import { CandidSyntaxError, type Token, tokenize } from './lexer';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const ANNOTATIONS: readonly string[] = ['query', 'oneway', 'composite_query'];
export const KEYWORDS: readonly string[] = ['type', 'import', 'service', 'func', 'opt', 'vec', 'record', 'variant', 'blob', 'principal', ...ANNOTATIONS];

/** A cursor over tokens with the parsing rules of Candid types. */
export class TokenStream {
    readonly #tokens: Token[];
    #at = 0;

    constructor(tokens: Token[]) {
        this.#tokens = tokens;
    }

    static of(source: string): TokenStream {
        return new TokenStream(tokenize(source));
    }

    peek(offset = 0): Token | undefined {
        return this.#tokens[this.#at + offset];
    }

    done(): boolean {
        return this.#at >= this.#tokens.length;
    }

    next(): Token {
        const token = this.#tokens[this.#at++];
        if (token === undefined) throw new CandidSyntaxError('unexpected end of input', this.#tokens.at(-1)?.at ?? 0);
        return token;
    }

    fail(message: string): never {
        throw new CandidSyntaxError(message, this.peek()?.at ?? this.#tokens.at(-1)?.at ?? 0);
    }

    isSymbol(value: string, offset = 0): boolean {
        const token = this.peek(offset);
        return token?.kind === 'symbol' && token.value === value;
    }

    isWord(value: string, offset = 0): boolean {
        const token = this.peek(offset);
        return token?.kind === 'id' && token.value === value;
    }

    symbol(value: string): void {
        if (!this.isSymbol(value)) this.fail(`expected ${value}`);
        this.#at++;
    }

    word(value: string): void {
        if (!this.isWord(value)) this.fail(`expected ${value}`);
        this.#at++;
    }

    /** An identifier (not a keyword). */
    identifier(): string {
        const token = this.next();
        if (token.kind !== 'id' || KEYWORDS.includes(token.value)) throw new CandidSyntaxError('expected a name', token.at);
        return token.value;
    }

    /** A text literal as a string (must be UTF-8). */
    text(): string {
        const token = this.next();
        if (token.kind !== 'text') throw new CandidSyntaxError('expected a text literal', token.at);
        try {
            return utf8.decode(token.bytes);
        } catch {
            throw new CandidSyntaxError('text literal is not UTF-8', token.at);
        }
    }

    /** A name: an identifier or a text literal. */
    name(): string {
        return this.peek()?.kind === 'text' ? this.text() : this.identifier();
    }

    /** `<datatype>` */
    type(): CandidType {
        const token = this.peek();
        if (token?.kind !== 'id') return this.fail('expected a type');
        const word = token.value;
        if ((PRIMITIVE_TYPES as readonly string[]).includes(word)) {
            this.next();
            return { kind: 'primitive', name: word as PrimitiveName };
        }
        switch (word) {
            case 'opt':
            case 'vec':
                this.next();
                return { kind: word, inner: this.type() };
            case 'blob':
                this.next();
                return { kind: 'vec', inner: { kind: 'primitive', name: 'nat8' } };
            case 'record':
            case 'variant':
                this.next();
                return { kind: word, fields: this.#fields(word) };
            case 'func':
                this.next();
                return this.funcType();
            case 'service':
                this.next();
                return { kind: 'service', methods: this.#methods() };
            default:
                return { kind: 'ref', name: this.identifier() };
        }
    }

    #fields(kind: 'record' | 'variant'): Field[] {
        this.symbol('{');
        const fields: Field[] = [];
        let position = 0;
        while (!this.isSymbol('}')) {
            const token = this.peek();
            let label: FieldLabel | undefined;
            if (token?.kind === 'number' && this.isSymbol(':', 1)) {
                this.next();
                if (token.value > 0xffffffffn) throw new CandidSyntaxError('field id above 2^32 - 1', token.at);
                label = { kind: 'id', id: Number(token.value) };
            } else if ((token?.kind === 'text' || (token?.kind === 'id' && !KEYWORDS.includes(token.value))) && this.isSymbol(':', 1)) {
                label = { kind: 'name', name: this.name() };
            }
            if (label !== undefined) {
                this.symbol(':');
                fields.push({ label, type: this.type() });
                if (label.kind === 'id') position = label.id + 1;
            } else if (kind === 'variant') {
                // `variant { A }` is `variant { A : null }`.
                const t = this.peek();
                const named: FieldLabel = t?.kind === 'number' ? (this.next(), { kind: 'id', id: Number(t.value) }) : { kind: 'name', name: this.name() };
                fields.push({ label: named, type: { kind: 'primitive', name: 'null' } });
            } else {
                // `record { T }` is a tuple field, numbered after the previous field.
                fields.push({ label: { kind: 'position', index: position++ }, type: this.type() });
            }
            if (!this.isSymbol('}')) this.symbol(';');
        }
        this.symbol('}');
        return fields;
    }

    /** `(<argtype>,*)`, where an argument may be named (`x : nat`). */
    tupleType(): CandidType[] {
        this.symbol('(');
        const types: CandidType[] = [];
        while (!this.isSymbol(')')) {
            const t = this.peek();
            if ((t?.kind === 'id' || t?.kind === 'text') && this.isSymbol(':', 1) && !(t.kind === 'id' && KEYWORDS.includes(t.value))) {
                this.name();
                this.symbol(':');
            }
            types.push(this.type());
            if (!this.isSymbol(')')) this.symbol(',');
        }
        this.symbol(')');
        return types;
    }

    /** `(<argtype>,*) -> (<argtype>,*) <funcann>*` */
    funcType(): FuncType {
        const args = this.tupleType();
        this.symbol('->');
        const rets = this.tupleType();
        const annotations: FuncAnnotation[] = [];
        for (let t = this.peek(); t?.kind === 'id' && ANNOTATIONS.includes(t.value); t = this.peek()) {
            this.next();
            annotations.push(t.value as FuncAnnotation);
        }
        return { kind: 'func', args, rets, annotations };
    }

    #methods(): Method[] {
        this.symbol('{');
        const methods: Method[] = [];
        while (!this.isSymbol('}')) {
            const name = this.name();
            this.symbol(':');
            methods.push({ name, type: this.isSymbol('(') ? this.funcType() : { kind: 'ref', name: this.identifier() } });
            if (!this.isSymbol('}')) this.symbol(';');
        }
        this.symbol('}');
        return methods;
    }

    /** `type <id> = <datatype>` (without the `;`). */
    definition(): TypeDefinition {
        this.word('type');
        const name = this.name();
        this.symbol('=');
        return { name, type: this.type() };
    }
}

/** One Candid type, e.g. `record { a : nat; b : opt text }`. */
export function parseType(source: string): CandidType {
    const s = TokenStream.of(source);
    const type = s.type();
    if (!s.done()) s.fail('unexpected text after the type');
    return type;
}

/** A `.did` file: its type definitions and its service type (with any initialisation arguments), if it has one. */
export type DidFile = { definitions: TypeDefinition[]; service?: { args: CandidType[]; type: CandidType } };

export function parseDid(source: string): DidFile {
    const s = TokenStream.of(source);
    const definitions: TypeDefinition[] = [];
    let service: DidFile['service'];
    while (!s.done()) {
        if (s.isWord('type')) definitions.push(s.definition());
        else if (s.isWord('service') && service === undefined) {
            s.next();
            if (!s.isSymbol(':')) s.name();
            s.symbol(':');
            let args: CandidType[] = [];
            if (s.isSymbol('(')) {
                args = s.tupleType();
                s.symbol('->');
            }
            service = { args, type: s.isSymbol('{') ? { kind: 'service', methods: (s.symbol('{'), methodsAfterBrace(s)) } : s.type() };
        } else s.fail('expected a type definition or the service');
        if (!s.done()) s.symbol(';');
    }
    return service === undefined ? { definitions } : { definitions, service };
}

function methodsAfterBrace(s: TokenStream): Method[] {
    const methods: Method[] = [];
    while (!s.isSymbol('}')) {
        const name = s.name();
        s.symbol(':');
        methods.push({ name, type: s.isSymbol('(') ? s.funcType() : { kind: 'ref', name: s.identifier() } });
        if (!s.isSymbol('}')) s.symbol(';');
    }
    s.symbol('}');
    return methods;
}
