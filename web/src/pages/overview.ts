import { AlarmEpisode, api, EnergyReport, Me, pages, QualitySummary } from "../api";
import { LiveFleet } from "../live";
import { classColors, fmt, h, state } from "../ui";
import { timeliness } from "./quality";

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

const utcDay = (offsetDays = 0) => new Date(Date.now() + offsetDays * 86400_000).toISOString().slice(0, 10);
const row = (label: string, value: string) => h("tr", {}, h("td", {}, label), h("td", { class: "num" }, value));

/** Loads the analytics figures into their boxes: energy today, active alarms by level, data quality; errors stay in their box. */
async function loadAnalytics(distance: HTMLElement, energy: HTMLElement, co2: HTMLElement, openAlarms: HTMLElement, quality: HTMLElement) {
  const today = utcDay();
  const [report, alarms, makers] = await Promise.allSettled([
    api<EnergyReport>(`/api/energy?groupBy=fleet&from=${today}&to=${today}`),
    pages<AlarmEpisode>("/api/alarms?open=true&limit=1000", 5000),
    api<QualitySummary[]>(`/api/quality/makers?from=${utcDay(-6)}&to=${today}`),
  ]);
  if (report.status === "fulfilled") {
    const r = report.value.rows[0];
    const f = report.value.gridFactor;
    distance.replaceChildren(h("p", { class: "big", "data-testid": "distance-value" }, fmt(r?.distanceKm ?? 0, 1, " km")),
      h("p", { class: "muted small" }, `${r?.trips ?? 0} trips by ${r?.vehicles ?? 0} vehicles · UTC day ${today}`));
    energy.replaceChildren(h("p", { class: "big", "data-testid": "energy-value" }, fmt(r?.energyKwh ?? 0, 1, " kWh")),
      h("p", { class: "muted small" }, r?.kwhPer100Km ? `${r.kwhPer100Km.toFixed(1)} kWh/100 km at the pack · ${fmt(r.wallEnergyKwh, 1)} kWh from the grid` : "pack energy of today's trips"));
    co2.replaceChildren(h("p", { class: "big", "data-testid": "co2-value" }, fmt(r?.avoidedKgCo2 ?? 0, 1, " kg")),
      h("p", { class: "muted small" }, `vs. comparable petrol vehicles; grid ${f.value} ${f.unit} (${f.scope}, ${f.year})`));
  } else {
    const s = state("error", `Energy unavailable: ${(report.reason as Error).message}`);
    distance.replaceChildren(s.cloneNode(true));
    energy.replaceChildren(s.cloneNode(true));
    co2.replaceChildren(s);
  }
  if (alarms.status === "fulfilled") {
    const byLevel = [0, 0, 0, 0, 0];
    for (const a of alarms.value.items) byLevel[Math.min(4, Math.max(0, a.peakLevel))]++;
    openAlarms.replaceChildren(
      h("p", { class: "big", "data-testid": "open-alarms-total" }, `${alarms.value.items.length}${alarms.value.more ? "+" : ""}`),
      h("table", { class: "compact" }, h("tbody", {}, ...[4, 3, 2, 1].filter((l) => l < 4 || byLevel[4] > 0).map((l) =>
        h("tr", {}, h("td", {}, h("span", { class: `lvl lvl${Math.min(l, 3)}` }, `Level ${l}`)), h("td", { class: "num", "data-level": l }, String(byLevel[l])))))),
      h("p", { class: "small" }, h("a", { href: "#/alarms" }, "Alarms console →")));
  } else {
    openAlarms.replaceChildren(state("error", `Alarms unavailable: ${(alarms.reason as Error).message}`));
  }
  if (makers.status === "fulfilled") {
    const frames = makers.value.reduce((a, q) => a + q.frames, 0);
    if (frames === 0) {
      quality.replaceChildren(state("empty", "No frames counted in the last 7 days."));
    } else {
      // Frame-weighted over makers; completeness is capped at 100 % (terminals reporting faster than expected are not "better").
      const weighted = (f: (q: QualitySummary) => number | undefined) => {
        let sum = 0;
        let weight = 0;
        for (const q of makers.value) {
          const v = f(q);
          if (v === undefined || v === null) continue;
          sum += v * q.frames;
          weight += q.frames;
        }
        return weight ? sum / weight : undefined;
      };
      const completeness = weighted((q) => (q.completeness === undefined ? undefined : Math.min(1, q.completeness)));
      const pct = (v?: number) => (v === undefined ? "—" : `${(v * 100).toFixed(1)} %`);
      quality.replaceChildren(h("p", { class: "big", "data-testid": "quality-score" }, pct(completeness)),
        h("p", { class: "muted small" }, "completeness, last 7 days"),
        h("table", { class: "compact" }, h("tbody", {}, row("Online rate", pct(weighted((q) => q.onlineRate))),
          row("On time (≤ 30 s)", pct(weighted(timeliness))), row("Reissued", pct(weighted((q) => q.reissueRatio))))),
        h("p", { class: "small" }, h("a", { href: "#/quality" }, "Per maker and vehicle →")));
    }
  } else {
    quality.replaceChildren(state("error", `Quality unavailable: ${(makers.reason as Error).message}`));
  }
}

export function renderOverview(root: HTMLElement, fleet: LiveFleet, me: Me) {
  const online = h("div");
  const charging = h("div");
  const alarms = h("div");
  const ingest = h("div");
  const [openAlarms, distance, energy, co2, quality] = [0, 1, 2, 3, 4].map(() => h("div", {}, state("loading", "Loading…")));
  const cards = [
      card("Vehicles online by class", "online-by-class", online),
      card("Charging now", "charging-now", charging),
      card("Alarm level reported now", "alarm-levels", alarms, h("p", { class: "muted small" }, "From each vehicle's latest report (GB/T 32960 level 1–3).")),
      card("Active alarms by peak level", "open-alarms", openAlarms),
      card("Distance today", "distance-today", distance),
      card("Energy today", "energy-today", energy),
      card("CO₂ avoided today", "co2-avoided", co2),
      card("Data quality", "data-quality", quality),
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

  const refreshAnalytics = () => void loadAnalytics(distance, energy, co2, openAlarms, quality);
  refreshAnalytics();
  const analyticsTimer = window.setInterval(refreshAnalytics, 30_000);

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
    clearInterval(analyticsTimer);
    if (timer) clearInterval(timer);
  };
}
