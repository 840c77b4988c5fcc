// What the trip page and the public ride page share: the figures, the map with its replay, and the speed/SOC/power charts.
import { MapConfig } from "./api";
import { ChartSet } from "./charts";
import { renderReplay, Track } from "./replay";
import { h } from "./ui";

export type Figure = [label: string, value: string, testid?: string];

export const duration = (seconds: number) => {
  const s = Math.round(seconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return hours ? `${hours} h ${minutes} min` : minutes ? `${minutes} min ${s % 60} s` : `${s} s`;
};

export function figures(items: Figure[]) {
  return h("div", { class: "figures", "data-testid": "figures" },
    ...items.map(([label, value, testid]) => h("div", { class: "figure", "data-testid": testid }, h("div", { class: "muted small" }, label), h("div", { class: "value" }, value))));
}

/** Renders the map, replay and charts of one ride into parent; returns what closes them. */
export function renderRide(parent: HTMLElement, track: Track, config: MapConfig | undefined): () => void {
  const mapCard = h("section", { class: "card wide" }, h("h2", {}, "Route and replay"));
  const chartCard = h("section", { class: "card wide" }, h("h2", {}, "Speed, SOC and power"));
  parent.append(mapCard, chartCard);
  const replay = renderReplay(mapCard, track, config);
  const charts = new ChartSet();
  if (track.series.length === 0) {
    chartCard.append(h("div", { class: "state state-empty", "data-state": "empty" }, "No samples were stored for this ride."));
  } else {
    const pts = (f: (p: Track["series"][number]) => number | undefined) => track.series.map((p) => [p.t, f(p) ?? null] as [number, number | null]);
    const speedSoc = charts.line(chartCard, "Speed and SOC", [
      { name: "Speed", unit: "km/h", data: pts((p) => p.speedKmh) },
      { name: "SOC", unit: "%", data: pts((p) => p.soc) },
    ]);
    const power = charts.line(chartCard, "Power (V·I, positive = discharging)", [{ name: "Power", unit: "kW", data: pts((p) => p.powerKw) }]);
    // The replay time as a line on both charts, at most a few times a second (setOption is not free).
    let pending = 0;
    replay.onTime((t) => {
      if (pending) return;
      pending = window.setTimeout(() => {
        pending = 0;
        for (const c of [speedSoc, power]) {
          c.setOption({ series: [{ markLine: { silent: true, symbol: "none", animation: false, label: { show: false }, lineStyle: { color: "#f0a30a" }, data: [{ xAxis: t }] } }] });
        }
      }, 250);
    });
  }
  return () => {
    replay.close();
    charts.close();
  };
}
