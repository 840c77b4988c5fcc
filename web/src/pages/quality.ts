import { api, ApiError, QualitySummary } from "../api";
import { ChartSet } from "../charts";
import { fmt, h, state } from "../ui";

const pct = (v: number | undefined | null, digits = 1) => (v === undefined || v === null ? "—" : `${(v * 100).toFixed(digits)} %`);

/** Share of frames received within 30 s of their sample time (the histogram's first three buckets: ≤1 s, ≤5 s, ≤30 s). */
export function timeliness(q: QualitySummary): number | undefined {
  const total = q.latencyHistogram.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const onTime = q.latencyHistogram.filter((_, i) => q.latencyBucketsSeconds[i] >= 0 && q.latencyBucketsSeconds[i] <= 30).reduce((a, b) => a + b, 0);
  return onTime / total;
}

/** The field with the highest rate, e.g. "0.4 % speedKmh". */
function worst(rates: Record<string, number>) {
  const entries = Object.entries(rates).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0 || entries[0][1] === 0) return h("span", {}, "0 %");
  return h("span", { title: entries.map(([k, v]) => `${k}: ${pct(v, 2)}`).join("\n") }, `${pct(entries[0][1], 2)} `, h("span", { class: "muted small" }, entries[0][0]));
}

const columns: [string, (q: QualitySummary) => Node | string][] = [
  ["Online rate", (q) => pct(q.onlineRate)],
  ["Completeness", (q) => pct(q.completeness)],
  ["Timeliness (≤ 30 s)", (q) => pct(timeliness(q))],
  ["Reissue", (q) => pct(q.reissueRatio)],
  ["Invalid (worst field)", (q) => worst(q.invalidRates)],
  ["Abnormal (worst field)", (q) => worst(q.abnormalRates)],
  ["Clock drift mean / max", (q) => `${fmt(q.meanClockDriftSeconds, 1)} / ${fmt(q.maxClockDriftSeconds, 0)} s`],
  ["Drift > 60 s", (q) => String(q.clockDriftViolations)],
  ["Jumps odo / SOC / pos", (q) => `${q.odometerJumps} / ${q.socJumps} / ${q.positionJumps}`],
  ["Duplicates", (q) => `${q.duplicates} (${pct(q.duplicateRatio)})`],
  ["Frames", (q) => q.frames.toLocaleString()],
];

export function summaryTable(rows: QualitySummary[], first: string, link?: (q: QualitySummary) => string) {
  return h("div", { class: "scroll" }, h("table", { class: "quality" },
    h("thead", {}, h("tr", {}, h("th", {}, first), ...columns.map(([t]) => h("th", {}, t)))),
    h("tbody", {}, ...rows.map((q) => h("tr", { "data-key": q.key },
      h("td", {}, link ? h("a", { href: link(q) }, q.key) : q.key), ...columns.map(([, f]) => h("td", { class: "num" }, f(q))))))));
}

const explanations: [string, string][] = [
  ["Online rate", "Time covered by reports ÷ the days counted × 24 h. A gap between two reports counts up to 5 minutes."],
  ["Completeness", "Unique frames received ÷ frames expected in the covered time (one every 10 s). Above 100 % when terminals report faster."],
  ["Timeliness", "Share of frames that reached the platform within 30 s of their sample time (reissued frames are late by design)."],
  ["Reissue", "Share of frames sent as reissue (0x03): data a terminal kept while the link was down."],
  ["Invalid / abnormal", "Per field, the share of frames whose value was the protocol's \"invalid\" or \"abnormal\" sentinel; the worst field is shown (hover for all)."],
  ["Clock drift", "|receipt time − sample time| of realtime frames: mean and maximum, and how many were more than 60 s off (a wrong terminal clock)."],
  ["Jumps", "Odometer going back or faster than 250 km/h; SOC changing by more than 10 points within a minute; position moving faster than 250 km/h."],
  ["Duplicates", "Frames with the same sample time and content as one already received (counted once in the data)."],
];

export function renderQuality(root: HTMLElement, vin?: string) {
  const charts = new ChartSet();
  const search = h("input", { name: "vin", placeholder: "VIN", "aria-label": "Vehicle VIN", value: vin ?? "" });
  const form = h("form", { class: "inline" }, search, h("button", { type: "submit" }, "Show vehicle"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (search.value.trim()) location.hash = `#/quality/${encodeURIComponent(search.value.trim())}`;
  });
  const makers = h("section", { class: "card wide", "data-testid": "quality-makers" }, h("h2", {}, "Per maker"), state("loading", "Loading…"));
  const vehicle = h("section", { class: "card wide", "data-testid": "quality-vehicle" });
  root.append(
    h("div", { class: "toolbar" }, h("h1", {}, "Data quality"), form),
    vin ? vehicle : makers,
    h("section", { class: "card wide" }, h("h2", {}, "What the figures mean"),
      h("dl", { class: "explain" }, ...explanations.flatMap(([t, d]) => [h("dt", {}, t), h("dd", {}, d)]))),
  );

  if (vin) {
    vehicle.append(h("h2", {}, "Vehicle ", h("a", { href: `#/vehicles/${encodeURIComponent(vin)}`, class: "vin" }, vin)), state("loading", "Loading…"));
    void (async () => {
      try {
        const q = await api<{ summary: QualitySummary; days: QualitySummary[] }>(`/api/quality/vehicles/${encodeURIComponent(vin)}`);
        vehicle.lastElementChild!.remove();
        if (q.summary.frames === 0) {
          vehicle.append(state("empty", "No frames counted for this vehicle yet."));
          return;
        }
        vehicle.append(summaryTable([q.summary], "Summary"), h("h3", {}, "Per day (UTC)"),
          summaryTable([...q.days].reverse(), "Day"), h("h3", {}, "Receipt − sample time"));
        const labels = q.summary.latencyBucketsSeconds.map((b, i, all) => (b < 0 ? `> ${all[i - 1]} s` : `≤ ${b} s`));
        charts.bars(vehicle, labels, q.summary.latencyHistogram, "frames", "quality-latency");
      } catch (e) {
        vehicle.lastElementChild!.replaceWith(state("error", e instanceof ApiError && e.status === 404 ? `Vehicle ${vin} not found.` : `Quality unavailable: ${(e as Error).message}`));
      }
    })();
  } else {
    void (async () => {
      try {
        const rows = await api<QualitySummary[]>("/api/quality/makers");
        makers.lastElementChild!.replaceWith(rows.length === 0 ? state("empty", "No frames counted yet.") : summaryTable(rows, "Maker"));
      } catch (e) {
        makers.lastElementChild!.replaceWith(state("error", `Quality unavailable: ${(e as Error).message}`));
      }
    })();
  }
  return () => charts.close();
}
