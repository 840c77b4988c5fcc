import { api, Page, Trip } from "../api";
import { LiveFleet } from "../live";
import { tripHref } from "./trip";
import { duration } from "../rideview";
import { fmt, h, state, time } from "../ui";

/** A table of trips with "load more"; `query` is the list's path with its filters. */
export function tripTable(query: string, showVehicle: boolean) {
  const box = h("div", { "data-testid": "trip-table" }, state("loading", "Loading trips…"));
  const rows = h("tbody");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load more");
  let cursor: string | undefined;
  const load = async () => {
    try {
      const page = await api<Page<Trip>>(cursor ? `${query}&cursor=${encodeURIComponent(cursor)}` : query);
      if (!cursor && page.items.length === 0) {
        box.replaceChildren(state("empty", "No trips in this range."));
        return;
      }
      if (!cursor) {
        box.replaceChildren(h("div", { class: "scroll tall" }, h("table", {}, h("thead", {}, h("tr", {},
          ...[showVehicle ? "Vehicle" : null, showVehicle ? "Maker" : null, "Start", "Duration", "Distance", "Energy", "kWh/100 km", "From → to", ""]
            .filter((t) => t !== null).map((t) => h("th", {}, t!)))), rows)), more);
      }
      for (const t of page.items) {
        const href = tripHref(t.vin, t.start);
        rows.append(h("tr", { "data-trip": href },
          showVehicle ? h("td", { class: "vin" }, h("a", { href: `#/vehicles/${encodeURIComponent(t.vin)}` }, t.vin)) : null,
          showVehicle ? h("td", {}, t.maker) : null,
          h("td", {}, h("a", { href }, time(t.start))),
          h("td", {}, duration((new Date(t.end).getTime() - new Date(t.start).getTime()) / 1000)),
          h("td", { class: "num" }, fmt(t.distanceKm, 2, " km")),
          h("td", { class: "num" }, fmt(t.energyKwh, 2, " kWh")),
          h("td", { class: "num" }, t.distanceKm > 0.1 ? ((t.energyKwh / t.distanceKm) * 100).toFixed(1) : "—"),
          h("td", {}, `${t.startPlace ?? "—"} → ${t.endPlace ?? "—"}`),
          h("td", {}, t.complete ? "" : h("span", { class: "badge" }, "in progress"))));
      }
      cursor = page.nextCursor;
      more.hidden = !cursor;
    } catch (e) {
      box.replaceChildren(state("error", `Trips unavailable: ${(e as Error).message}`));
    }
  };
  more.addEventListener("click", () => void load());
  void load();
  return box;
}

const dayStart = (value: string) => (value ? new Date(`${value}T00:00:00`).toISOString() : "");
const dayEnd = (value: string) => (value ? new Date(new Date(`${value}T00:00:00`).getTime() + 86400_000).toISOString() : "");

/** Every trip the user may see, filtered by maker and local dates, with a CSV export of the same filters. */
export function renderTrips(root: HTMLElement, fleet: LiveFleet) {
  const maker = h("select", { name: "maker", "aria-label": "Maker" }, h("option", { value: "" }, "All makers"));
  const from = h("input", { type: "date", name: "from", "aria-label": "From day" });
  const to = h("input", { type: "date", name: "to", "aria-label": "To day" });
  const csv = h("a", { class: "button", "data-testid": "trips-csv" }, "CSV");
  const list = h("div");
  root.append(h("div", { class: "toolbar" }, h("h1", {}, "Trips"), maker, h("label", { class: "small" }, "from ", from),
    h("label", { class: "small" }, "to ", to), csv), list);

  const refreshMakers = () => {
    const have = new Set([...maker.options].map((o) => o.value));
    const makers = new Set<string>();
    for (const v of fleet.vehicles.values()) if (v.maker) makers.add(v.maker);
    for (const m of [...makers].sort()) if (!have.has(m)) maker.append(h("option", { value: m }, m));
  };
  const apply = () => {
    const q = new URLSearchParams({ limit: "100" });
    if (maker.value) q.set("maker", maker.value);
    if (from.value) q.set("from", dayStart(from.value));
    if (to.value) q.set("to", dayEnd(to.value));
    const exportQuery = new URLSearchParams(q);
    exportQuery.set("format", "csv");
    exportQuery.set("limit", "1000");
    csv.setAttribute("href", `/api/trips?${exportQuery}`);
    csv.setAttribute("download", "trips.csv");
    list.replaceChildren(tripTable(`/api/trips?${q}`, true));
  };
  for (const el of [maker, from, to]) el.addEventListener("change", apply);
  const unsubscribe = fleet.subscribe(refreshMakers);
  refreshMakers();
  apply();
  return unsubscribe;
}
