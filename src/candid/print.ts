/**
 * Candid text from Candid types (ast.ts): one type on one line, or a whole `.did` file whose
 * records and variants break into one field per line where a line would grow past a width.
 */
import { type CandidType, type Field, labelId, type TypeDefinition } from './ast';
import { CandidSyntaxError } from './lexer';
import { KEYWORDS } from './parser';

export const isBlob = (t: CandidType): boolean => t.kind === 'vec' && t.inner.kind === 'primitive' && t.inner.name === 'nat8';
export const isTuple = (fields: Field[]): boolean => fields.length > 0 && fields.every((f, i) => f.label.kind === 'position' && f.label.index === i);
const isNull = (t: CandidType): boolean => t.kind === 'primitive' && t.name === 'null';

/** A name as Candid writes it: bare when it is an identifier and no keyword, quoted otherwise. */
const didName = (name: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.includes(name) ? name : JSON.stringify(name));

function didLabel(field: Field): string {
    return field.label.kind === 'name' ? didName(field.label.name) : String(labelId(field.label));
}

/** A field inside a record or variant, without its `;`. */
function fieldText(kind: 'record' | 'variant', field: Field, type: string): string {
    if (kind === 'record' && field.label.kind === 'position') return type;
    if (kind === 'variant' && isNull(field.type)) return didLabel(field);
    return `${didLabel(field)} : ${type}`;
}

/** One type on one line, e.g. `record { a : nat; b : opt text; }`. */
export function printType(t: CandidType): string {
    switch (t.kind) {
        case 'primitive':
        case 'ref':
            return t.name;
        case 'opt':
            return `opt ${printType(t.inner)}`;
        case 'vec':
            return isBlob(t) ? 'blob' : `vec ${printType(t.inner)}`;
        case 'record':
        case 'variant': {
            const kind = t.kind;
            return `${kind} { ${t.fields.map((f) => `${fieldText(kind, f, printType(f.type))};`).join(' ')} }`;
        }
        case 'func':
            return `(${t.args.map(printType).join(', ')}) -> (${t.rets.map(printType).join(', ')})${t.annotations.map((a) => ` ${a}`).join('')}`;
        case 'service':
            throw new CandidSyntaxError('nested services are not printed', 0);
    }
}

/**
 * A type that starts at `column` of a line indented by `indent`: on one line if it ends within
 * `width`, else each field of its records and variants on a line of its own.
 */
function layout(t: CandidType, indent: string, column: number, width: number): string {
    const line = printType(t);
    if (column + line.length <= width) return line;
    switch (t.kind) {
        case 'opt':
        case 'vec':
            return isBlob(t) ? line : `${t.kind} ${layout(t.inner, indent, column + t.kind.length + 1, width)}`;
        case 'record':
        case 'variant': {
            const kind = t.kind;
            const inner = `${indent}  `;
            const fields = t.fields.map((f) => {
                const prefix = fieldText(kind, f, '');
                return `${inner}${fieldText(kind, f, layout(f.type, inner, inner.length + prefix.length, width))};\n`;
            });
            return `${kind} {\n${fields.join('')}${indent}}`;
        }
        default:
            return line;
    }
}

export type DidText = {
    /** Comment lines at the top (without `//`). */
    header: readonly string[];
    definitions: readonly TypeDefinition[];
    /** The service's initialisation arguments (`service : (A) -> { ... }`), if any. */
    init?: readonly CandidType[];
    methods: ReadonlyArray<{ name: string; type: CandidType }>;
    /** Records and variants that would end past this column break into one field per line (default: never). */
    width?: number;
};

/** A whole `.did` file: header, `type` definitions in the given order, then the service. */
export function printDid(file: DidText): string {
    const width = file.width ?? Infinity;
    const out: string[] = [...file.header.map((l) => `// ${l}`), ''];
    for (const d of file.definitions) {
        const start = `type ${didName(d.name)} = `;
        out.push(`${start}${layout(d.type, '', start.length, width)};`);
    }
    const init = file.init === undefined ? '' : `(${file.init.map(printType).join(', ')}) -> `;
    out.push('', `service : ${init}{`);
    for (const m of file.methods) out.push(`  ${didName(m.name)} : ${printType(m.type)};`);
    out.push('};', '');
    return out.join('\n');
}
