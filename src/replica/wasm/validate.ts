/**
 * The IC's rules for canister modules (interface spec §1.1 and §4, and the replica's
 * rs/embedders/src/wasm_utils/validation.rs). Structural Wasm validity is left to V8
 * (see prepare.ts); this file checks what a Wasm engine would happily accept but the IC
 * refuses, and collects what the engine needs to know about the module's entry points.
 */
import { InvalidWasmModuleError } from './errors.js';
import { ExternalKind, functionType, valueTypeName, type ParsedModule } from './parsed-module.js';
import { ValType } from './opcodes.js';
import { formatSignature, type SystemApiSignature, type SystemApiSignatures } from './signatures.js';

const MiB = 1024 * 1024;

/** Limits the IC enforces on modules (spec §1.1 and §4). */
export const MODULE_LIMITS = {
    /** Uncompressed module size. */
    maxWasmBytes: 100 * MiB,
    /** Size of the code section's content. */
    maxCodeSectionBytes: 10 * MiB,
    /** Defined (non-imported) functions. */
    maxFunctions: 50_000,
    /** Defined globals. */
    maxGlobals: 1_000,
    /** `icp:public` / `icp:private` custom sections. */
    maxCustomSections: 16,
    /** Total of names plus contents of the `icp:` custom sections. */
    maxCustomSectionsBytes: 1 * MiB,
    /** `canister_update` / `canister_query` / `canister_composite_query` exports. */
    maxExportedMethods: 1_000,
    /** Sum of the UTF-8 lengths of those exports' `<name>` parts. */
    maxExportedMethodNameBytes: 20_000
} as const;

/** Wasm pages of 64 KiB. */
const WASM_PAGE_BYTES = 65_536;

/** Prefix of the exports the instrumenter adds; canisters may not use it. */
const RESERVED_EXPORT_PREFIX = '__replica_';

/** Names the IC replica reserves for its own instrumentation exports. */
const IC_RESERVED_EXPORTS: ReadonlySet<string> = new Set([
    'canister counter_instructions',
    'canister counter_dirty_pages',
    'canister counter_accessed_pages',
    'canister_start',
    'stable_memory',
    'stable_bytemap_memory'
]);

/** System entry points a canister may export (besides the method prefixes). */
const SYSTEM_ENTRY_POINTS: ReadonlySet<string> = new Set([
    'canister_init',
    'canister_pre_upgrade',
    'canister_post_upgrade',
    'canister_inspect_message',
    'canister_heartbeat',
    'canister_global_timer',
    'canister_on_low_wasm_memory'
]);

const METHOD_PREFIXES = [
    ['canister_update ', 'update'],
    ['canister_query ', 'query'],
    ['canister_composite_query ', 'composite_query']
] as const;

/** What validation learns about a canister module. */
export interface CanisterModuleSummary {
    readonly updateMethods: ReadonlySet<string>;
    readonly queryMethods: ReadonlySet<string>;
    readonly compositeQueryMethods: ReadonlySet<string>;
    readonly hasInit: boolean;
    readonly hasPreUpgrade: boolean;
    readonly hasPostUpgrade: boolean;
    readonly hasInspectMessage: boolean;
    readonly hasHeartbeat: boolean;
    readonly hasGlobalTimer: boolean;
    readonly hasOnLowWasmMemory: boolean;
    readonly publicCustomSections: ReadonlyMap<string, Uint8Array>;
    readonly privateCustomSections: ReadonlyMap<string, Uint8Array>;
    /** Names plus contents of the `icp:` sections, in bytes. */
    readonly customSectionsSize: number;
    readonly importedSystemApi: ReadonlySet<string>;
}

function invalid(section: string, detail: string): InvalidWasmModuleError {
    return new InvalidWasmModuleError(`Wasm module has an invalid ${section} section. ${detail}`);
}

const utf8 = new TextEncoder();

/**
 * Checks every IC module rule and returns the module's entry points and metadata.
 *
 * @param systemApi the `ic0` functions the runtime provides (the engine's ic0 table).
 * @throws InvalidWasmModuleError naming the broken rule.
 */
export function validateCanisterModule(module: ParsedModule, systemApi: SystemApiSignatures): CanisterModuleSummary {
    if (module.bytes.length > MODULE_LIMITS.maxWasmBytes) {
        throw new InvalidWasmModuleError(
            `Wasm module is too large: ${module.bytes.length} bytes uncompressed, the limit is ${MODULE_LIMITS.maxWasmBytes} bytes (100 MiB).`
        );
    }
    if (module.codeSectionSize > MODULE_LIMITS.maxCodeSectionBytes) {
        throw new InvalidWasmModuleError(
            `Wasm module code section size of ${module.codeSectionSize} bytes exceeds the maximum allowed size of ${MODULE_LIMITS.maxCodeSectionBytes} bytes (10 MiB).`
        );
    }
    const importedSystemApi = validateImports(module, systemApi);
    validateMemories(module);
    validateFunctionsAndGlobals(module);
    const entryPoints = validateExports(module);
    const custom = validateCustomSections(module);
    validateDataSegments(module);
    return { ...entryPoints, ...custom, importedSystemApi };
}

function signatureOf(module: ParsedModule, typeIndex: number): SystemApiSignature | undefined {
    const type = module.types[typeIndex];
    if (type === undefined) return undefined;
    const name = (code: number): 'i32' | 'i64' | undefined => (code === ValType.I32 ? 'i32' : code === ValType.I64 ? 'i64' : undefined);
    const params = type.params.map(name);
    const results = type.results.map(name);
    if (params.includes(undefined) || results.includes(undefined)) {
        return { params: [], results: [] }; // never equal to a System API signature below
    }
    return { params: params as Array<'i32' | 'i64'>, results: results as Array<'i32' | 'i64'> };
}

function describeType(module: ParsedModule, typeIndex: number): string {
    const type = module.types[typeIndex];
    if (type === undefined) return `type ${typeIndex}`;
    return `(${type.params.map(valueTypeName).join(', ')}) -> (${type.results.map(valueTypeName).join(', ')})`;
}

function sameSignature(a: SystemApiSignature, b: SystemApiSignature): boolean {
    return (
        a.params.length === b.params.length &&
        a.results.length === b.results.length &&
        a.params.every((p, i) => p === b.params[i]) &&
        a.results.every((r, i) => r === b.results[i])
    );
}

const KIND_NAMES = ['function', 'table', 'memory', 'global', 'tag'];

function validateImports(module: ParsedModule, systemApi: SystemApiSignatures): Set<string> {
    const imported = new Set<string>();
    for (const imp of module.imports) {
        if (imp.kind !== ExternalKind.Function) {
            const kind = KIND_NAMES[imp.kind] ?? `kind ${imp.kind}`;
            throw invalid(
                'import',
                `Module imports ${kind} '${imp.name}' from '${imp.module}'; canister modules may import only functions from 'ic0'.`
            );
        }
        const expected = systemApi.get(imp.name);
        if (expected === undefined) {
            throw invalid('import', `Module imports function '${imp.name}' from '${imp.module}' that is not exported by the runtime.`);
        }
        if (imp.module !== 'ic0') {
            throw invalid('import', `Module imports function '${imp.name}' from '${imp.module}', expected to be imported from 'ic0' instead.`);
        }
        const actual = signatureOf(module, imp.typeIndex);
        if (actual === undefined || !sameSignature(actual, expected)) {
            throw invalid(
                'import',
                `Module imports function '${imp.name}' from 'ic0' with type ${describeType(module, imp.typeIndex)}, but the runtime provides it as ${formatSignature(expected)}.`
            );
        }
        imported.add(imp.name);
    }
    return imported;
}

function validateMemories(module: ParsedModule): void {
    const all = [...module.imports.flatMap((imp) => (imp.memory ? [imp.memory] : [])), ...module.memories];
    if (all.length > 1) {
        throw invalid('memory', `Module declares ${all.length} memories; at most one memory is allowed.`);
    }
    const memory = all[0];
    if (memory === undefined) return;
    if (memory.is64) {
        throw new InvalidWasmModuleError(
            'Wasm module declares a 64-bit memory (wasm64). The embedded replica supports wasm32 modules only; build the canister for wasm32.'
        );
    }
    if (memory.shared) {
        throw invalid('memory', 'Module declares a shared memory (threads), which the IC does not support.');
    }
}

function validateFunctionsAndGlobals(module: ParsedModule): void {
    const functions = module.functionTypes.length;
    if (functions > MODULE_LIMITS.maxFunctions) {
        throw new InvalidWasmModuleError(
            `Wasm module defined ${functions} functions which exceeds the maximum number allowed ${MODULE_LIMITS.maxFunctions}.`
        );
    }
    const globals = module.globals.length;
    if (globals > MODULE_LIMITS.maxGlobals) {
        throw new InvalidWasmModuleError(
            `Wasm module defined ${globals} globals which exceeds the maximum number allowed ${MODULE_LIMITS.maxGlobals}.`
        );
    }
    for (const [index, global] of module.globals.entries()) {
        const t = global.valueType;
        if (t !== ValType.I32 && t !== ValType.I64 && t !== ValType.F32 && t !== ValType.F64 && t !== ValType.V128) {
            throw invalid('global', `Global ${index} has unsupported type ${valueTypeName(t)}; globals must be i32, i64, f32, f64 or v128.`);
        }
    }
}

type EntryPoints = Pick<
    CanisterModuleSummary,
    | 'updateMethods'
    | 'queryMethods'
    | 'compositeQueryMethods'
    | 'hasInit'
    | 'hasPreUpgrade'
    | 'hasPostUpgrade'
    | 'hasInspectMessage'
    | 'hasHeartbeat'
    | 'hasGlobalTimer'
    | 'hasOnLowWasmMemory'
>;

function validateExports(module: ParsedModule): EntryPoints {
    const methods = { update: new Set<string>(), query: new Set<string>(), composite_query: new Set<string>() };
    const kindOf = new Map<string, string>();
    const system = new Set<string>();
    let methodCount = 0;
    let methodNameBytes = 0;

    for (const exp of module.exports) {
        if (exp.name.startsWith(RESERVED_EXPORT_PREFIX) || IC_RESERVED_EXPORTS.has(exp.name)) {
            throw invalid('export', `Exporting reserved symbol '${exp.name}' is not allowed.`);
        }
        if (!exp.name.startsWith('canister_')) continue;
        if (exp.kind !== ExternalKind.Function) {
            throw invalid('export', `Export '${exp.name}' uses the reserved "canister_" prefix but is not a function.`);
        }

        const prefix = METHOD_PREFIXES.find(([p]) => exp.name.startsWith(p));
        if (prefix !== undefined) {
            const [text, kind] = prefix;
            const name = exp.name.slice(text.length);
            const previous = kindOf.get(name);
            if (previous !== undefined) {
                throw invalid(
                    'export',
                    previous === kind
                        ? `Function '${name}' is exported more than once as ${kind}.`
                        : `Duplicate function '${name}' exported multiple times with different call types: update, query, or composite_query.`
                );
            }
            kindOf.set(name, kind);
            methods[kind].add(name);
            methodCount++;
            methodNameBytes += utf8.encode(name).length;
        } else if (SYSTEM_ENTRY_POINTS.has(exp.name)) {
            system.add(exp.name);
        } else {
            throw invalid(
                'export',
                `Exporting reserved function '${exp.name}' with "canister_" prefix. Allowed are ${[...SYSTEM_ENTRY_POINTS].join(', ')} and 'canister_update <name>', 'canister_query <name>', 'canister_composite_query <name>' (one space before the name).`
            );
        }

        const type = functionType(module, exp.index);
        if (type === undefined) {
            throw invalid('export', `Export '${exp.name}' refers to function ${exp.index}, which does not exist.`);
        }
        if (type.params.length !== 0 || type.results.length !== 0) {
            throw invalid(
                'export',
                `Exported function '${exp.name}' must have type () -> (), but has type (${type.params.map(valueTypeName).join(', ')}) -> (${type.results.map(valueTypeName).join(', ')}).`
            );
        }
    }

    if (methodCount > MODULE_LIMITS.maxExportedMethods) {
        throw invalid(
            'export',
            `The number of exported functions called \`canister_update <name>\`, \`canister_query <name>\`, or \`canister_composite_query <name>\` is ${methodCount}, which exceeds ${MODULE_LIMITS.maxExportedMethods}.`
        );
    }
    if (methodNameBytes > MODULE_LIMITS.maxExportedMethodNameBytes) {
        throw invalid(
            'export',
            `The sum of \`<name>\` lengths in exported functions called \`canister_update <name>\`, \`canister_query <name>\`, or \`canister_composite_query <name>\` is ${methodNameBytes} bytes, which exceeds ${MODULE_LIMITS.maxExportedMethodNameBytes}.`
        );
    }

    return {
        updateMethods: methods.update,
        queryMethods: methods.query,
        compositeQueryMethods: methods.composite_query,
        hasInit: system.has('canister_init'),
        hasPreUpgrade: system.has('canister_pre_upgrade'),
        hasPostUpgrade: system.has('canister_post_upgrade'),
        hasInspectMessage: system.has('canister_inspect_message'),
        hasHeartbeat: system.has('canister_heartbeat'),
        hasGlobalTimer: system.has('canister_global_timer'),
        hasOnLowWasmMemory: system.has('canister_on_low_wasm_memory')
    };
}

type CustomInfo = Pick<CanisterModuleSummary, 'publicCustomSections' | 'privateCustomSections' | 'customSectionsSize'>;

function validateCustomSections(module: ParsedModule): CustomInfo {
    const publicSections = new Map<string, Uint8Array>();
    const privateSections = new Map<string, Uint8Array>();
    let total = 0;
    for (const section of module.customSections) {
        if (!section.name.startsWith('icp:')) continue;
        let name: string;
        let target: Map<string, Uint8Array>;
        if (section.name.startsWith('icp:public ')) {
            name = section.name.slice('icp:public '.length);
            target = publicSections;
        } else if (section.name.startsWith('icp:private ')) {
            name = section.name.slice('icp:private '.length);
            target = privateSections;
        } else if (section.name === 'icp:public' || section.name === 'icp:private') {
            throw invalid('custom', `'icp:' section names must have a space after the public/private scope (found '${section.name}').`);
        } else {
            throw invalid(
                'custom',
                `Custom section '${section.name}' has no public/private scope defined; use 'icp:public <name>' or 'icp:private <name>'.`
            );
        }
        if (publicSections.has(name) || privateSections.has(name)) {
            throw invalid('custom', `Custom section name '${name}' is used more than once (a name may be either public or private, once).`);
        }
        const content = module.bytes.slice(section.contentStart, section.contentEnd);
        total += content.length + utf8.encode(name).length;
        if (total > MODULE_LIMITS.maxCustomSectionsBytes) {
            throw invalid(
                'custom',
                `The total size of the 'icp:' custom sections exceeds the maximum allowed: ${total} bytes so far, allowed ${MODULE_LIMITS.maxCustomSectionsBytes} bytes (1 MiB).`
            );
        }
        target.set(name, content);
        if (publicSections.size + privateSections.size > MODULE_LIMITS.maxCustomSections) {
            throw invalid(
                'custom',
                `Module defines more than ${MODULE_LIMITS.maxCustomSections} 'icp:' custom sections, which exceeds the maximum allowed.`
            );
        }
    }
    return { publicCustomSections: publicSections, privateCustomSections: privateSections, customSectionsSize: total };
}

function validateDataSegments(module: ParsedModule): void {
    const memory = module.memories[0];
    const initialBytes = memory === undefined ? 0 : memory.min * WASM_PAGE_BYTES;
    for (const [index, segment] of module.dataSegments.entries()) {
        if (!segment.active) continue;
        if (segment.offset === null) {
            throw invalid('data', `Data segment ${index} has an offset expression other than a single i32.const, which is not supported.`);
        }
        const length = segment.dataEnd - segment.dataStart;
        if (segment.offset + length > initialBytes) {
            throw invalid(
                'data',
                `Data segment ${index} of ${length} bytes at offset ${segment.offset} does not fit in the initial memory of ${initialBytes} bytes.`
            );
        }
    }
}
