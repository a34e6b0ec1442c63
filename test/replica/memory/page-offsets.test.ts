/**
 * Page arithmetic past 2 GiB: Wasm heaps reach 4 GiB and stable memory hundreds of GiB, where
 * JavaScript's 32-bit shifts (`index << 12`) turn negative or wrap.
 */
import { PAGE_BYTES, pagesIn, pageStart } from '../../../src/replica/memory/page-store';

describe('page offsets', () => {
    it('gives the byte offset of pages at and beyond 2 GiB', () => {
        expect(pageStart(0)).toBe(0);
        expect(pageStart(2 ** 19)).toBe(2 ** 31);
        expect(pageStart(2 ** 20 - 1)).toBe(2 ** 32 - PAGE_BYTES);
        expect(pageStart(2 ** 27)).toBe(2 ** 39);
    });

    it('counts the pages of a 4 GiB heap and of a 500 GiB stable memory', () => {
        expect(pagesIn(65_536 * 65_536)).toBe(2 ** 20);
        expect(pagesIn(500 * 2 ** 30)).toBe(125 * 2 ** 20);
        expect(pagesIn(PAGE_BYTES - 1)).toBe(0);
    });
});
