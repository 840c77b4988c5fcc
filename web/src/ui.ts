// Tiny DOM helpers: no framework, escaped text by default.
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined | ((e: Event) => void)> = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export const fmt = (v: number | undefined | null, digits = 0, unit = "") =>
  v === undefined || v === null || Number.isNaN(v) ? "—" : `${v.toFixed(digits)}${unit}`;

export const time = (iso?: string) => (iso ? new Date(iso).toLocaleString() : "—");

export function state(kind: "loading" | "empty" | "error" | "na", text: string) {
  return h("div", { class: `state state-${kind}`, "data-state": kind }, text);
}

export const classColors: Record<string, string> = {
  Car: "#2f7ed8",
  Taxi: "#f0a30a",
  Bus: "#2ca02c",
  Motorcycle: "#9467bd",
};
