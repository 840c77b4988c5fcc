import { api, Me } from "../api";
import { LiveFleet } from "../live";
import { classColors, fmt, h, state } from "../ui";

interface Stats {
  vehiclesKnown: number;
  vehiclesOnline: number;
  framesReceived: number;
  badFrames: number;
  messagesDurable: number;
  twinLatencyP50Ms: number;
  twinLatencyP99Ms: number;
}

const card = (title: string, testid: string, ...body: (Node | string)[]) =>
  h("section", { class: "card", "data-testid": testid }, h("h2", {}, title), ...body);

// Figures whose backend (analytics: trips, charges, alarms, quality) has not landed yet say so; no number is invented.
const notYet = (what: string) => state("na", `Not available yet — ${what} comes with the analytics API.`);

export function renderOverview(root: HTMLElement, fleet: LiveFleet, me: Me) {
  const online = h("div");
  const charging = h("div");
  const alarms = h("div");
  const ingest = h("div");
  const cards = [
      card("Vehicles online by class", "online-by-class", online),
      card("Charging now", "charging-now", charging),
      card("Alarm level reported now", "alarm-levels", alarms, h("p", { class: "muted small" }, "From each vehicle's latest report (GB/T 32960 level 1–3); alarm records come with the analytics API.")),
      card("Open alarms", "open-alarms", notYet("the alarm life-cycle (open, acknowledged, cleared)")),
      card("Distance today", "distance-today", notYet("trip segmentation")),
      card("Energy today", "energy-today", notYet("trip and charge energy")),
      card("CO₂ avoided", "co2-avoided", notYet("the emission-factor calculation")),
      card("Data quality", "data-quality", notYet("the data-quality score")),
      me.role === "maker" ? null : card("Ingestion", "ingestion", ingest),
  ];
  root.append(h("h1", {}, "Overview"), h("div", { class: "grid" }, ...cards));

  const paint = () => {
    if (!fleet.snapshotDone) {
      const s = fleet.status === "offline" ? state("error", "Live feed unavailable.") : state("loading", "Waiting for the live feed…");
      online.replaceChildren(s.cloneNode(true));
      charging.replaceChildren(s.cloneNode(true));
      alarms.replaceChildren(s);
      return;
    }
    const byClass = new Map<string, { online: number; total: number }>();
    let chargingCount = 0;
    const levels = [0, 0, 0, 0];
    for (const v of fleet.vehicles.values()) {
      const c = byClass.get(v.class ?? "Unknown") ?? { online: 0, total: 0 };
      c.total++;
      if (v.online) c.online++;
      byClass.set(v.class ?? "Unknown", c);
      if (v.online && v.charging) chargingCount++;
      if (v.online && v.alarm && v.alarm >= 1 && v.alarm <= 3) levels[v.alarm]++;
    }
    if (fleet.vehicles.size === 0) {
      online.replaceChildren(state("empty", "No vehicle has reported yet."));
    } else {
      const total = [...byClass.values()].reduce((a, c) => a + c.online, 0);
      online.replaceChildren(
        h("p", { class: "big", "data-testid": "online-total" }, String(total)),
        h(
          "table",
          { class: "compact" },
          h("tbody", {}, ...[...byClass.entries()].sort().map(([cls, c]) =>
            h("tr", {}, h("td", {}, h("span", { class: "dot", style: `background:${classColors[cls] ?? "#888"}` }), cls), h("td", { class: "num" }, `${c.online} / ${c.total}`)),
          )),
        ),
      );
    }
    charging.replaceChildren(h("p", { class: "big" }, String(chargingCount)), h("p", { class: "muted small" }, "online vehicles reporting parked or driving charging"));
    alarms.replaceChildren(
      h("table", { class: "compact" }, h("tbody", {}, ...[3, 2, 1].map((l) => h("tr", {}, h("td", {}, h("span", { class: `lvl lvl${l}` }, `Level ${l}`)), h("td", { class: "num" }, String(levels[l])))))),
    );
  };
  const unsubscribe = fleet.subscribe(paint);
  paint();

  let timer: number | undefined;
  if (me.role !== "maker") {
    ingest.replaceChildren(state("loading", "Loading…"));
    const load = async () => {
      try {
        const s = await api<Stats>("/api/admin/stats");
        ingest.replaceChildren(
          h("table", { class: "compact" }, h("tbody", {},
            h("tr", {}, h("td", {}, "Vehicles known / online"), h("td", { class: "num" }, `${s.vehiclesKnown} / ${s.vehiclesOnline}`)),
            h("tr", {}, h("td", {}, "Frames received (bad)"), h("td", { class: "num" }, `${s.framesReceived} (${s.badFrames})`)),
            h("tr", {}, h("td", {}, "Messages durable"), h("td", { class: "num" }, String(s.messagesDurable))),
            h("tr", {}, h("td", {}, "Receipt→twin p50 / p99"), h("td", { class: "num" }, `${fmt(s.twinLatencyP50Ms, 1)} / ${fmt(s.twinLatencyP99Ms, 1)} ms`)),
          )),
        );
      } catch (e) {
        ingest.replaceChildren(state("error", `Statistics unavailable: ${(e as Error).message}`));
      }
    };
    void load();
    timer = window.setInterval(load, 5000);
  }
  return () => {
    unsubscribe();
    if (timer) clearInterval(timer);
  };
}
