/** A small element builder: `h('p', { class: 'x' }, 'text', child)`. No framework: the views are small. */
type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | boolean | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
        if (value === undefined || value === false) continue;
        if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
        else element.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children.flat()) {
        if (child === null || child === undefined || child === false) continue;
        element.append(child);
    }
    return element;
}

/** A term and its description, for `<dl>` lists. */
export function field(term: string, ...description: Array<Child | Child[]>): Node[] {
    return [h('dt', {}, term), h('dd', {}, ...description)];
}

/**
 * Replaces a region's content, keeping keyboard focus on the element with the same id (views are
 * redrawn when their data changes; a keyboard user must not be thrown back to the top).
 */
export function replaceContent(region: HTMLElement, ...children: Array<Child | Child[]>): void {
    const focused = document.activeElement;
    const focusedId = focused instanceof HTMLElement && region.contains(focused) ? focused.id : '';
    region.replaceChildren(...children.flat().filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
    if (focusedId !== '') document.getElementById(focusedId)?.focus();
}
