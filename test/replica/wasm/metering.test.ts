/**
 * Exact instruction counts, worked out by hand from the IC cost table
 * (ic-costs-and-timings.md): block/loop/end/else 0; constants, integer arithmetic,
 * local.*, drop 1; div/rem 10; if/br/br_if/br_table 2; call 5; global.* 2;
 * memory.size 20; memory.grow 300; bulk memory 100 + n; plus 1 per function entry.
 */
import { instantiateWat } from './helpers.js';

describe('instruction metering', () => {
    it('charges one instruction for entering an empty function', async () => {
        const t = await instantiateWat(`(module (func (export "f")))`);
        expect(t.run('f').used).toBe(1n);
    });

    it('sums the costs of a straight-line body', async () => {
        const t = await instantiateWat(`(module
          (func (export "f") (param i32) (result i32)
            local.get 0     ;; 1
            i32.const 3     ;; 1
            i32.div_u       ;; 10
            i32.const 2     ;; 1
            i32.mul         ;; 1
            f32.const 1     ;; 1
            f32.sqrt        ;; 5
            drop))          ;; 1   (+1 entry) = 22
        `);
        const { result, used } = t.run('f', 12);
        expect(result).toBe(8);
        expect(used).toBe(22n);
    });

    it('charges conversions, float and global operations as the IC does', async () => {
        const t = await instantiateWat(`(module
          (global $g (mut i64) (i64.const 3))
          (func (export "f") (result f64)
            global.get $g          ;; 2
            f64.convert_i64_u      ;; 16
            f64.const 2            ;; 1
            f64.min                ;; 18
            i64.trunc_f64_s        ;; 20
            global.set $g          ;; 2
            i32.const 9            ;; 1
            f64.convert_i32_s      ;; 3
            f64.const 3            ;; 1
            f64.div))              ;; 5  (+1 entry) = 70
        `);
        const { result, used } = t.run('f');
        expect(result).toBe(3);
        expect(used).toBe(70n);
    });

    it('charges 1 + 7 N for a counting loop of N iterations', async () => {
        const t = await instantiateWat(`(module
          (func (export "count") (param $n i32)
            (loop $l
              local.get $n       ;; 1
              i32.const 1        ;; 1
              i32.sub            ;; 1
              local.set $n       ;; 1
              local.get $n       ;; 1
              br_if $l)))        ;; 2  = 7 per iteration; entry 1
        `);
        for (const n of [1, 2, 10, 1000]) {
            expect(t.run('count', n).used).toBe(BigInt(1 + 7 * n));
        }
    });

    it('charges only the branch taken by if / else', async () => {
        const t = await instantiateWat(`(module
          (func (export "pick") (param i32) (result i32)
            local.get 0            ;; 1
            (if (result i32)       ;; 2    -> entry segment 1 + 1 + 2 = 4
              (then
                i32.const 10       ;; 1
                i32.const 20       ;; 1
                i32.add)           ;; 1    -> then 3
              (else
                i32.const 5))))    ;; 1    -> else 1
        `);
        expect(t.run('pick', 1)).toEqual({ result: 30, used: 7n });
        expect(t.run('pick', 0)).toEqual({ result: 5, used: 5n });
    });

    it('charges br_table targets and dead code after return correctly', async () => {
        const t = await instantiateWat(`(module
          (func (export "sw") (param i32) (result i32)
            (block $b2
              (block $b1
                (block $b0
                  local.get 0                 ;; 1
                  br_table $b0 $b1 $b2)       ;; 2   -> entry 1 + 1 + 2 = 4
                i32.const 100                 ;; 1
                i32.const 1                   ;; 1
                i32.add                       ;; 1
                return)                       ;; 1   -> 4
              i32.const 200                   ;; 1
              return)                         ;; 1   -> 2
            i32.const 300))                   ;; 1   -> 1
        `);
        expect(t.run('sw', 0)).toEqual({ result: 101, used: 8n });
        expect(t.run('sw', 1)).toEqual({ result: 200, used: 6n });
        expect(t.run('sw', 2)).toEqual({ result: 300, used: 5n });
        expect(t.run('sw', 7)).toEqual({ result: 300, used: 5n });
    });

    it('charges the callee separately from the call', async () => {
        const t = await instantiateWat(`(module
          (func $g (result i32) i32.const 1)      ;; 1 + 1 = 2
          (func (export "f") (result i32)
            call $g                                ;; 5
            call $g                                ;; 5
            i32.add))                              ;; 1  (+1 entry) = 12, + 2 * 2
        `);
        expect(t.run('f')).toEqual({ result: 2, used: 16n });
    });

    it('charges memory.size 20 and memory.grow 300', async () => {
        const t = await instantiateWat(`(module (memory 1 4)
          (func (export "f") (result i32)
            (drop (memory.grow (i32.const 1)))     ;; 1 + 300 + 1
            memory.size))                          ;; 20   (+1 entry) = 323
        `);
        expect(t.run('f')).toEqual({ result: 2, used: 323n });
    });

    it('charges bulk memory operations 100 + n at run time', async () => {
        const t = await instantiateWat(`(module (memory 1)
          (data "0123456789")
          (func (export "fill") (param i32)
            (memory.fill (i32.const 0) (i32.const 7) (local.get 0)))        ;; 1 + 3 (+ 100 + n)
          (func (export "copy") (param i32)
            (memory.copy (i32.const 100) (i32.const 0) (local.get 0)))      ;; 1 + 3 (+ 100 + n)
          (func (export "init") (param i32)
            (memory.init 0 (i32.const 0) (i32.const 0) (local.get 0))))     ;; 1 + 3 (+ 100 + n)
        `);
        expect(t.run('fill', 1000).used).toBe(1104n);
        expect(t.run('fill', 0).used).toBe(104n);
        expect(t.run('copy', 4096).used).toBe(4200n);
        expect(t.run('init', 10).used).toBe(114n);
    });

    it('charges table.fill 100 statically plus n at run time', async () => {
        const t = await instantiateWat(`(module (table 100 funcref)
          (func (export "fill") (param i32)
            (table.fill (i32.const 0) (ref.null func) (local.get 0)))   ;; 1 + 1 + 1 + 1 + 100 (+ n)
          (func (export "size") (result i32) table.size)                 ;; 1 + 100
          (func (export "grow") (result i32)
            (table.grow (ref.null func) (i32.const 1))))                 ;; 1 + 1 + 1 + 300
        `);
        expect(t.run('fill', 50).used).toBe(154n);
        expect(t.run('size')).toEqual({ result: 100, used: 101n });
        expect(t.run('grow')).toEqual({ result: 100, used: 303n });
    });

    it('charges tail calls as the IC does', async () => {
        const t = await instantiateWat(`(module
          (func $g (param i32) (result i32) local.get 0)     ;; 1 + 1
          (func (export "f") (result i32)
            i32.const 4                                       ;; 1
            return_call $g))                                  ;; 3   (+1 entry) = 5, + 2
        `);
        expect(t.run('f')).toEqual({ result: 4, used: 7n });
    });

    describe('running out of instructions', () => {
        const loop = `(module (memory 1)
          (func (export "count") (param $n i32)
            (loop $l
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br_if $l (local.get $n))))
          (func (export "fill") (param i32)
            (memory.fill (i32.const 0) (i32.const 9) (local.get 0))))`;

        it('lets a loop finish when the budget is exactly enough', async () => {
            const t = await instantiateWat(loop);
            t.setBudget(71n); // 1 + 7 * 10
            t.fn('count')(10);
            expect(t.budget()).toBe(0n);
            expect(t.outOfInstructions()).toBe(false);
        });

        it('traps at a loop header and raises the flag when the budget runs out', async () => {
            const t = await instantiateWat(loop);
            t.setBudget(70n);
            expect(() => t.fn('count')(10)).toThrow(/unreachable/);
            expect(t.outOfInstructions()).toBe(true);
            expect(t.budget()).toBeLessThan(0n);
        });

        it('stops a long loop early', async () => {
            const t = await instantiateWat(loop);
            t.setBudget(1000n);
            expect(() => t.fn('count')(1_000_000_000)).toThrow(/unreachable/);
            expect(t.outOfInstructions()).toBe(true);
            expect(t.budget()).toBeGreaterThan(-10n);
        });

        it('refuses a bulk operation it cannot pay for, before doing any of it', async () => {
            const t = await instantiateWat(loop);
            t.setBudget(1000n);
            expect(() => t.fn('fill')(10_000)).toThrow(/unreachable/);
            expect(t.outOfInstructions()).toBe(true);
            expect(t.logicalMemory()[0]).toBe(0);
            expect(t.dirtyPages()).toEqual([]);
        });

        it('leaves the flag down for ordinary traps', async () => {
            const t = await instantiateWat(`(module (func (export "f") unreachable))`);
            expect(() => t.fn('f')()).toThrow(/unreachable/);
            expect(t.outOfInstructions()).toBe(false);
        });
    });
});
