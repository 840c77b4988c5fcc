// ECharts set-up shared by the pages: time-series line charts and heat maps, disposed and resized together.
import * as echarts from "echarts/core";
import { LineChart, HeatmapChart, BarChart } from "echarts/charts";
import { GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, DataZoomComponent, MarkLineComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import { h } from "./ui";

echarts.use([LineChart, HeatmapChart, BarChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, DataZoomComponent,
  MarkLineComponent, CanvasRenderer]);

export type Point = [string | number, number | null];
export interface LineSeries {
  name: string;
  unit: string;
  data: Point[];
}
export interface HeatRow {
  label: string;
  values: (number | null | undefined)[];
}

/** The charts of one page: created into a parent, resized with the window, disposed when the page goes. */
export class ChartSet {
  private charts: echarts.ECharts[] = [];
  private readonly resize = () => this.charts.forEach((c) => c.resize());

  constructor() {
    window.addEventListener("resize", this.resize);
  }

  /** One chart with up to two y axes (left, right) over a time axis. */
  line(parent: HTMLElement, title: string, series: LineSeries[], testid = "chart"): echarts.ECharts {
    const el = h("div", { class: "chart", "data-testid": testid });
    parent.append(el);
    const chart = this.init(el);
    const units = [...new Set(series.map((s) => s.unit))];
    chart.setOption({
      animation: false,
      title: { text: title, textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      legend: { top: 0, right: 0 },
      grid: { left: 50, right: units.length > 1 ? 50 : 16, top: 34, bottom: 30 },
      xAxis: { type: "time" },
      yAxis: units.map((u, i) => ({ type: "value", name: u, position: i === 0 ? "left" : "right", scale: true, splitLine: { show: i === 0 } })),
      dataZoom: [{ type: "inside" }],
      series: series.map((s) => ({ name: s.name, type: "line", showSymbol: false, yAxisIndex: units.indexOf(s.unit), data: s.data, connectNulls: false })),
    });
    return chart;
  }

  /** A heat map of rows (packs, subsystems) × positions (cells, probes); missing values stay blank. */
  heat(parent: HTMLElement, rows: HeatRow[], unit: string, testid: string): echarts.ECharts {
    const el = h("div", { class: "chart heat", "data-testid": testid });
    parent.append(el);
    const data: [number, number, number][] = [];
    let min = Infinity;
    let max = -Infinity;
    rows.forEach((r, y) => r.values.forEach((v, x) => {
      if (v === null || v === undefined) return;
      data.push([x, y, v]);
      min = Math.min(min, v);
      max = Math.max(max, v);
    }));
    const width = Math.max(0, ...rows.map((r) => r.values.length));
    const chart = this.init(el);
    chart.setOption({
      animation: false,
      tooltip: { formatter: (p: { value: [number, number, number] }) => `${rows[p.value[1]].label}, #${p.value[0] + 1}: ${p.value[2]} ${unit}` },
      grid: { left: 80, right: 20, top: 10, bottom: 60 },
      xAxis: { type: "category", data: Array.from({ length: width }, (_, i) => i + 1), splitArea: { show: true } },
      yAxis: { type: "category", data: rows.map((r) => r.label) },
      visualMap: { min: data.length ? min : 0, max: !data.length ? 1 : max === min ? min + 0.001 : max, calculable: true, orient: "horizontal",
        left: "center", bottom: 0, inRange: { color: ["#313695", "#74add1", "#ffffbf", "#f46d43", "#a50026"] } },
      series: [{ type: "heatmap", data }],
    });
    return chart;
  }

  /** A bar chart of labelled values (e.g. a latency histogram). */
  bars(parent: HTMLElement, labels: string[], values: number[], unit: string, testid: string): echarts.ECharts {
    const el = h("div", { class: "chart small-chart", "data-testid": testid });
    parent.append(el);
    const chart = this.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 50, right: 10, top: 10, bottom: 30 },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", name: unit },
      series: [{ type: "bar", data: values, itemStyle: { color: "#0b6bcb" } }],
    });
    return chart;
  }

  disposeAll() {
    for (const c of this.charts.splice(0)) c.dispose();
  }

  close() {
    window.removeEventListener("resize", this.resize);
    this.disposeAll();
  }

  private init(el: HTMLElement) {
    const chart = echarts.init(el);
    this.charts.push(chart);
    return chart;
  }
}
