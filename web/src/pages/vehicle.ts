import { AlarmEpisode, api, ApiError, Cells, ChargeView, Page, QualitySummary, RawFrame, Sample, Session, Vehicle } from "../api";
import { ChartSet, HeatRow } from "../charts";
import { LiveFleet } from "../live";
import { fmt, h, state, time } from "../ui";
import { decodeFrame } from "../frames";
import { level } from "./alarms";
import { summaryTable } from "./quality";
import { tripTable } from "./trips";
import { duration } from "../rideview";

const ranges: Record<string, number> = { "1 hour": 1, "6 hours": 6, "24 hours": 24, "7 days": 168 };
const MaxPoints = 5000;

export function renderVehicle(root: HTMLElement, vin: string, fleet: LiveFleet) {
  const charts = new ChartSet();
  const heatCharts = new ChartSet();
  const header = h("div", { class: "vehicle-head" }, state("loading", "Loading vehicle…"));
  const live = h("div", { class: "grid live-values", "data-testid": "live-values" });
  const range = h("select", { "aria-label": "Range", name: "range" }, ...Object.keys(ranges).map((r) => h("option", { value: String(ranges[r]) }, r)));
  range.value = "24";
  const chartBox = h("div", { class: "charts" });
  const heat = h("div", { class: "grid two" });
  const sessions = h("div");
  const frames = h("div");
  const analytics = h("div");
  root.append(
    header,
    live,
    h("section", { class: "card wide" }, h("div", { class: "toolbar" }, h("h2", {}, "History"), range), chartBox),
    heat,
    analytics,
    h("section", { class: "card wide" }, h("h2", {}, "Sessions"), sessions),
    h("section", { class: "card wide" }, h("h2", {}, "Raw frames"), frames),
  );

  let vehicle: Vehicle | undefined;
  const paintLive = () => {
    if (!vehicle) return;
    const lv = fleet.vehicles.get(vin);
    const s = vehicle.latest;
    const online = lv?.online ?? vehicle.online;
    const cell = (label: string, value: string, testid?: string) => h("div", { class: "card value", "data-testid": testid }, h("div", { class: "muted small" }, label), h("div", { class: "big" }, value));
    live.replaceChildren(
      cell("State", online ? (lv?.charging ? "charging" : "online") : "offline", "live-state"),
      cell("Speed", fmt(lv?.speed ?? s?.speedKmh, 1, " km/h"), "live-speed"),
      cell("SOC", fmt(lv?.soc ?? s?.socPercent, 0, " %"), "live-soc"),
      cell("Pack voltage", fmt(s?.packVoltageV, 1, " V")),
      cell("Pack current", fmt(s?.packCurrentA, 1, " A")),
      cell("Odometer", fmt(s?.odometerKm, 1, " km")),
      cell("Alarm level", lv?.alarm !== undefined ? String(lv.alarm) : s?.alarmLevel !== undefined ? String(s.alarmLevel) : "—"),
      cell("Last report", time(lv?.time ?? s?.sampleTime)),
    );
  };

  const loadVehicle = async () => {
    try {
      vehicle = await api<Vehicle>(`/api/vehicles/${encodeURIComponent(vin)}`);
    } catch (e) {
      header.replaceChildren(state("error", e instanceof ApiError && e.status === 404 ? `Vehicle ${vin} not found.` : `Could not load ${vin}: ${(e as Error).message}`));
      return false;
    }
    header.replaceChildren(
      h("h1", { class: "vin" }, vin),
      h("p", { class: "muted" }, `${vehicle.maker} · ${vehicle.model || "model unknown"} · ${vehicle.class} · ${vehicle.batteryCapacityKwh} kWh ${vehicle.chemistry}${vehicle.plate ? ` · ${vehicle.plate}` : ""}`),
    );
    paintLive();
    void loadCells();
    return true;
  };

  const loadSamples = async () => {
    charts.disposeAll();
    chartBox.replaceChildren(state("loading", "Loading samples…"));
    const to = new Date();
    const from = new Date(to.getTime() - Number(range.value) * 3600_000);
    const samples: Sample[] = [];
    let cursor: string | undefined;
    try {
      do {
        const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), limit: "1000" });
        if (cursor) q.set("cursor", cursor);
        const page = await api<Page<Sample>>(`/api/vehicles/${encodeURIComponent(vin)}/samples?${q}`);
        samples.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && samples.length < MaxPoints);
    } catch (e) {
      chartBox.replaceChildren(state("error", `Samples unavailable: ${(e as Error).message}`));
      return;
    }
    chartBox.replaceChildren();
    if (samples.length === 0) {
      chartBox.append(state("empty", "No samples in this range."));
      return;
    }
    if (cursor) chartBox.append(h("p", { class: "muted small" }, `Showing the first ${samples.length} samples of the range.`));
    const pts = (f: (s: Sample) => number | undefined) => samples.map((s) => [s.sampleTime, f(s) ?? null] as [string, number | null]);
    charts.line(chartBox, "Speed and SOC", [
      { name: "Speed", unit: "km/h", data: pts((s) => s.speedKmh) },
      { name: "SOC", unit: "%", data: pts((s) => s.socPercent) },
    ]);
    charts.line(chartBox, "Pack voltage and current", [
      { name: "Voltage", unit: "V", data: pts((s) => s.packVoltageV) },
      { name: "Current", unit: "A", data: pts((s) => s.packCurrentA) },
    ]);
  };

  const heatCard = (title: string, rows: HeatRow[], unit: string, testid: string) => {
    const section = h("section", { class: "card" }, h("h2", {}, title));
    heat.append(section);
    heatCharts.heat(section, rows, unit, testid);
  };

  // Cells and probes of the newest frame that carried them, per subsystem.
  const loadCells = async () => {
    heatCharts.disposeAll();
    heat.replaceChildren();
    let cells: Cells;
    try {
      cells = await api<Cells>(`/api/vehicles/${encodeURIComponent(vin)}/cells`);
    } catch (e) {
      heat.append(h("section", { class: "card" }, h("h2", {}, "Cells and probes"), state("error", `Cell data unavailable: ${(e as Error).message}`)));
      return;
    }
    const rows = {
      when: cells.time ?? undefined,
      cells: cells.subsystems.filter((s) => s.cellVoltagesV.length).map((s) => ({ label: `Subsystem ${s.number}`, values: s.cellVoltagesV })),
      probes: cells.subsystems.filter((s) => s.probeTemperaturesC.length).map((s) => ({ label: `Subsystem ${s.number}`, values: s.probeTemperaturesC })),
    };
    if (rows.cells.length === 0 && rows.probes.length === 0) {
      heat.append(h("section", { class: "card", "data-testid": "heat-empty" }, h("h2", {}, "Cells and probes"), state("empty", "No frame carried cell voltages or probe temperatures yet.")));
      return;
    }
    const at = rows.when ? ` at ${time(rows.when)}` : "";
    if (rows.cells.length) heatCard(`Cell voltages${at}`, rows.cells, "V", "heat-cells");
    if (rows.probes.length) heatCard(`Probe temperatures${at}`, rows.probes, "°C", "heat-probes");
  };

  const loadSessions = async () => {
    sessions.replaceChildren(state("loading", "Loading sessions…"));
    try {
      const list = await api<Session[]>(`/api/vehicles/${encodeURIComponent(vin)}/sessions?limit=20`);
      sessions.replaceChildren(list.length === 0 ? state("empty", "No sessions yet.") : h("div", { class: "scroll" }, h("table", {},
        h("thead", {}, h("tr", {}, ...["Login", "Logout", "Protocol", "From", "Ended because"].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...list.map((s) => h("tr", {}, h("td", {}, time(s.loginAt)), h("td", {}, s.logoutAt ? time(s.logoutAt) : "active"),
          h("td", {}, s.protocol), h("td", {}, s.remoteEndpoint), h("td", {}, s.endReason ?? "")))))));
    } catch (e) {
      sessions.replaceChildren(state("error", `Sessions unavailable: ${(e as Error).message}`));
    }
  };

  const loadFrames = async () => {
    frames.replaceChildren(state("loading", "Loading frames…"));
    try {
      const page = await api<Page<RawFrame>>(`/api/vehicles/${encodeURIComponent(vin)}/frames?limit=50&from=${encodeURIComponent(new Date(Date.now() - 86400_000).toISOString())}`);
      if (page.items.length === 0) {
        frames.replaceChildren(state("empty", "No raw frames in the last 24 hours."));
        return;
      }
      const detail = h("pre", { class: "decode", "data-testid": "frame-decode" }, "Select a frame to decode its header.");
      const rows = page.items.slice().reverse().map((f) => {
        const tr = h("tr", { class: "clickable" }, h("td", {}, time(f.receivedAt)), h("td", {}, f.protocol), h("td", {}, `0x${f.command.toString(16).padStart(2, "0")}`),
          h("td", { class: "hex" }, f.hex.length > 64 ? `${f.hex.slice(0, 64)}…` : f.hex));
        tr.addEventListener("click", () => (detail.textContent = decodeFrame(f.hex)));
        return tr;
      });
      frames.replaceChildren(h("div", { class: "scroll" }, h("table", {}, h("thead", {}, h("tr", {}, ...["Received", "Protocol", "Command", "Hex"].map((t) => h("th", {}, t)))), h("tbody", {}, ...rows))), detail);
    } catch (e) {
      frames.replaceChildren(state("error", `Frames unavailable: ${(e as Error).message}`));
    }
  };

  range.addEventListener("change", () => void loadSamples());
  const unsubscribe = fleet.subscribe(paintLive);
  void loadVehicle().then((ok) => {
    if (ok) {
      analytics.replaceWith(analyticsTabs(vin));
      void loadSamples();
      void loadSessions();
      void loadFrames();
    }
  });
  return () => {
    unsubscribe();
    charts.close();
    heatCharts.close();
  };
}

/** The vehicle's analytics in tabs, each loaded when first opened. */
function analyticsTabs(vin: string) {
  const v = encodeURIComponent(vin);
  const panes: [string, string, () => Node][] = [
    ["trips", "Trips", () => h("div", {}, tripTable(`/api/vehicles/${v}/trips?limit=20`, false))],
    ["alarms", "Alarms", () => loaded(`/api/vehicles/${v}/alarms?limit=20`, (p: Page<AlarmEpisode>) => p.items.length === 0 ? state("empty", "No alarms recorded.") :
      h("div", {}, h("div", { class: "scroll" }, h("table", {},
        h("thead", {}, h("tr", {}, ...["Start", "End", "Kind", "Peak", ""].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...p.items.map((a) => h("tr", {}, h("td", {}, time(a.start)), h("td", {}, a.end ? time(a.end) : "active"), h("td", {}, a.kind),
          h("td", {}, level(a.peakLevel)), h("td", {}, h("a", { href: `#/alarms?vin=${v}&id=${encodeURIComponent(a.id)}` }, "handle")))))))))],
    ["charges", "Charges", () => loaded(`/api/vehicles/${v}/charges?limit=20`, (p: Page<ChargeView>) => p.items.length === 0 ? state("empty", "No charging sessions recorded.") :
      h("div", { class: "scroll" }, h("table", {},
        h("thead", {}, h("tr", {}, ...["Start", "Duration", "SOC", "Energy in", "Peak power", "Type", "Place"].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...p.items.map((c) => { const s = c.session; return h("tr", {}, h("td", {}, time(s.start)),
          h("td", {}, duration((new Date(s.end).getTime() - new Date(s.start).getTime()) / 1000)),
          h("td", {}, `${fmt(s.startSoc, 0)} → ${fmt(s.endSoc, 0)} %`),
          h("td", { class: "num" }, s.reconstructed ? `${fmt(c.energyBySocKwh, 1, " kWh")} (ΔSOC)` : fmt(s.energyInKwh, 2, " kWh")),
          h("td", { class: "num" }, fmt(s.peakPowerKw, 1, " kW")), h("td", {}, s.reconstructed ? "reconstructed" : s.type), h("td", {}, s.place ?? "")); })))))],
    ["quality", "Data quality", () => loaded(`/api/quality/vehicles/${v}`, (q: { summary: QualitySummary }) => q.summary.frames === 0 ? state("empty", "No frames counted yet.") :
      h("div", {}, summaryTable([q.summary], "All days"), h("p", {}, h("a", { href: `#/quality/${v}` }, "Per day and latency histogram →"))))],
  ];
  const bar = h("div", { class: "tabs", role: "tablist" });
  const body = h("div", { class: "tab-body" });
  const cache = new Map<string, Node>();
  const select = (key: string) => {
    for (const b of bar.querySelectorAll("button")) b.setAttribute("aria-selected", b.dataset.tab === key ? "true" : "false");
    let node = cache.get(key);
    if (!node) {
      node = panes.find((p) => p[0] === key)![2]();
      cache.set(key, node);
    }
    body.replaceChildren(node);
  };
  for (const [key, label] of panes) bar.append(h("button", { type: "button", role: "tab", class: "tab", "data-tab": key, onclick: () => select(key) }, label));
  select("trips");
  return h("section", { class: "card wide", "data-testid": "vehicle-analytics" }, bar, body);
}

/** A box that shows loading, then what render makes of the answer, or the error. */
function loaded<T>(path: string, render: (value: T) => Node) {
  const box = h("div", {}, state("loading", "Loading…"));
  api<T>(path).then((v) => box.replaceChildren(render(v)), (e: Error) => box.replaceChildren(state("error", e.message)));
  return box;
}
