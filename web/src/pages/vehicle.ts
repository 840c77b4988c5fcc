import * as echarts from "echarts/core";
import { LineChart, HeatmapChart } from "echarts/charts";
import { GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, DataZoomComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import { api, ApiError, Page, RawFrame, Sample, Session, Vehicle } from "../api";
import { LiveFleet } from "../live";
import { fmt, h, state, time } from "../ui";
import { decodeFrame } from "../frames";

echarts.use([LineChart, HeatmapChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, DataZoomComponent, CanvasRenderer]);

const ranges: Record<string, number> = { "1 hour": 1, "6 hours": 6, "24 hours": 24, "7 days": 168 };
const MaxPoints = 5000;

export function renderVehicle(root: HTMLElement, vin: string, fleet: LiveFleet) {
  const charts: echarts.ECharts[] = [];
  const header = h("div", { class: "vehicle-head" }, state("loading", "Loading vehicle…"));
  const live = h("div", { class: "grid live-values", "data-testid": "live-values" });
  const range = h("select", { "aria-label": "Range", name: "range" }, ...Object.keys(ranges).map((r) => h("option", { value: String(ranges[r]) }, r)));
  range.value = "24";
  const chartBox = h("div", { class: "charts" });
  const heat = h("div", { class: "grid two" });
  const sessions = h("div");
  const frames = h("div");
  root.append(
    header,
    live,
    h("section", { class: "card wide" }, h("div", { class: "toolbar" }, h("h2", {}, "History"), range), chartBox),
    heat,
    h("div", { class: "grid" },
      ...["Alarms", "Trips", "Charges", "Data quality"].map((t) =>
        h("section", { class: "card", "data-testid": `placeholder-${t.toLowerCase().replace(" ", "-")}` }, h("h2", {}, t),
          state("na", `Not available yet — ${t.toLowerCase()} per vehicle come with the analytics API.`)))),
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
    paintHeat(vehicle.latest);
    return true;
  };

  const lineChart = (title: string, series: { name: string; unit: string; data: [string, number | null][] }[]) => {
    const el = h("div", { class: "chart", "data-testid": "chart" });
    chartBox.append(el);
    const chart = echarts.init(el);
    charts.push(chart);
    chart.setOption({
      animation: false,
      title: { text: title },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 50, top: 30, bottom: 40 },
      xAxis: { type: "time" },
      yAxis: series.map((s, i) => ({ type: "value", name: s.unit, position: i === 0 ? "left" : "right", scale: true })),
      dataZoom: [{ type: "inside" }],
      series: series.map((s, i) => ({ name: s.name, type: "line", showSymbol: false, yAxisIndex: i, data: s.data, connectNulls: false })),
    });
  };

  const loadSamples = async () => {
    for (const c of charts.splice(0)) c.dispose();
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
    lineChart("Speed and SOC", [
      { name: "Speed", unit: "km/h", data: pts((s) => s.speedKmh) },
      { name: "SOC", unit: "%", data: pts((s) => s.socPercent) },
    ]);
    lineChart("Pack voltage and current", [
      { name: "Voltage", unit: "V", data: pts((s) => s.packVoltageV) },
      { name: "Current", unit: "A", data: pts((s) => s.packCurrentA) },
    ]);
  };

  const heatChart = (title: string, testid: string, rows: { label: string; values: (number | null)[] }[], unit: string) => {
    const el = h("div", { class: "chart heat", "data-testid": testid });
    const section = h("section", { class: "card" }, h("h2", {}, title), el);
    heat.append(section);
    const data: [number, number, number][] = [];
    let min = Infinity;
    let max = -Infinity;
    rows.forEach((r, y) => r.values.forEach((v, x) => {
      if (v === null || v === undefined) return;
      data.push([x, y, v]);
      min = Math.min(min, v);
      max = Math.max(max, v);
    }));
    const width = Math.max(...rows.map((r) => r.values.length));
    const chart = echarts.init(el);
    charts.push(chart);
    chart.setOption({
      animation: false,
      tooltip: { formatter: (p: any) => `${rows[p.value[1]].label}, #${p.value[0] + 1}: ${p.value[2]} ${unit}` },
      grid: { left: 60, right: 20, top: 10, bottom: 60 },
      xAxis: { type: "category", data: Array.from({ length: width }, (_, i) => i + 1), splitArea: { show: true } },
      yAxis: { type: "category", data: rows.map((r) => r.label) },
      visualMap: { min, max: max === min ? min + 0.001 : max, calculable: true, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#313695", "#74add1", "#ffffbf", "#f46d43", "#a50026"] } },
      series: [{ type: "heatmap", data }],
    });
  };

  const paintHeat = (s?: Sample) => {
    heat.replaceChildren();
    const d = s?.detail;
    if (!d || (d.cellVoltages.length === 0 && d.temperatures.length === 0)) {
      heat.append(h("section", { class: "card", "data-testid": "heat-empty" }, h("h2", {}, "Cells and probes"), state("empty", "The latest frame carried no cell voltages or probe temperatures.")));
      return;
    }
    if (d.cellVoltages.length) {
      const packs = new Map<number, (number | null)[]>();
      for (const p of d.cellVoltages) {
        const cells = packs.get(p.pack) ?? new Array(p.totalCells).fill(null);
        p.cellsV.forEach((v, i) => (cells[p.firstCellIndex - 1 + i] = v));
        packs.set(p.pack, cells);
      }
      heatChart("Cell voltages (latest frame)", "heat-cells", [...packs.entries()].map(([p, v]) => ({ label: `Pack ${p}`, values: v })), "V");
    }
    if (d.temperatures.length) {
      heatChart("Probe temperatures (latest frame)", "heat-probes", d.temperatures.map((t) => ({ label: `Pack ${t.pack}`, values: t.probesC })), "°C");
    }
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
  const resize = () => charts.forEach((c) => c.resize());
  window.addEventListener("resize", resize);
  void loadVehicle().then((ok) => {
    if (ok) {
      void loadSamples();
      void loadSessions();
      void loadFrames();
    }
  });
  return () => {
    unsubscribe();
    window.removeEventListener("resize", resize);
    for (const c of charts) c.dispose();
  };
}
