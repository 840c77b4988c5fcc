import L from "leaflet";
import { Me } from "../api";
import { createBaseMap } from "../basemap";
import { LiveFleet, LiveVehicle } from "../live";
import { classColors, fmt, h } from "../ui";

/**
 * Redraw times of the fleet canvas, the last 500 (ms), for the 10,000-vehicle measurement
 * (test/NevHub.Web.Tests/MapScaleTests.cs) and for anyone profiling in the console: `nevhubMapDraws`.
 */
const drawTimes: { ms: number; vehicles: number }[] = [];
(window as unknown as { nevhubMapDraws: typeof drawTimes }).nevhubMapDraws = drawTimes;
function recordDraw(ms: number, vehicles: number) {
  drawTimes.push({ ms, vehicles });
  if (drawTimes.length > 500) drawTimes.splice(0, drawTimes.length - 500);
}

/**
 * The live fleet on a Leaflet map. Vehicles are drawn on one canvas over the map (not one DOM or SVG element each),
 * so 10,000+ points repaint in a few milliseconds; clicks are hit-tested in screen space.
 */
export function renderMap(root: HTMLElement, fleet: LiveFleet, me: Me) {
  const cls = h("select", { "aria-label": "Class", name: "class" }, h("option", { value: "" }, "All classes"),
    ...["Car", "Taxi", "Bus", "Motorcycle"].map((c) => h("option", { value: c }, c)));
  const maker = h("select", { "aria-label": "Maker", name: "maker" }, h("option", { value: "" }, "All makers"));
  const st = h("select", { "aria-label": "State", name: "state" },
    h("option", { value: "" }, "Any state"), h("option", { value: "online" }, "Online"), h("option", { value: "offline" }, "Offline"),
    h("option", { value: "charging" }, "Charging"), h("option", { value: "alarm" }, "Alarm level ≥ 1"));
  const count = h("span", { class: "muted", "data-testid": "map-count" });
  const mapEl = h("div", { class: "map", id: "fleet-map" });
  const popup = h("div", { class: "map-popup", hidden: true });
  root.classList.add("page-map");
  root.append(
    h("div", { class: "toolbar" }, h("h1", {}, "Live map"), cls, maker, st, count),
    h("div", { class: "map-wrap" }, mapEl, popup,
      h("div", { class: "legend" }, ...Object.entries(classColors).map(([c, col]) => h("span", {}, h("span", { class: "dot", style: `background:${col}` }), c)),
        h("span", {}, h("span", { class: "dot ring" }), "offline"))),
  );

  const base = createBaseMap(mapEl, me.map);
  const map = base.map;
  map.fitBounds(base.districtBounds.pad(-0.25));

  const canvas = h("canvas", { class: "fleet-canvas" });
  mapEl.append(canvas);
  let visible: { v: LiveVehicle; x: number; y: number }[] = [];

  const display = (v: LiveVehicle) => base.display(v.lat!, v.lon!, v.gcj02);

  const matches = (v: LiveVehicle) =>
    (!cls.value || v.class === cls.value) &&
    (!maker.value || v.maker === maker.value) &&
    (!st.value ||
      (st.value === "online" && v.online) ||
      (st.value === "offline" && !v.online) ||
      (st.value === "charging" && v.online && v.charging) ||
      (st.value === "alarm" && (v.alarm ?? 0) >= 1));

  let frame = 0;
  const draw = () => {
    frame = 0;
    const started = performance.now();
    const size = map.getSize();
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== size.x * ratio || canvas.height !== size.y * ratio) {
      canvas.width = size.x * ratio;
      canvas.height = size.y * ratio;
      canvas.style.width = `${size.x}px`;
      canvas.style.height = `${size.y}px`;
    }
    const ctx = canvas.getContext("2d")!;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size.x, size.y);
    visible = [];
    let shown = 0;
    let withPosition = 0;
    const r = map.getZoom() >= 12 ? 5 : 3.5;
    for (const v of fleet.vehicles.values()) {
      if (!matches(v)) continue;
      shown++;
      if (v.lat === undefined || v.lon === undefined) continue;
      withPosition++;
      const p = map.latLngToContainerPoint(display(v));
      if (p.x < -10 || p.y < -10 || p.x > size.x + 10 || p.y > size.y + 10) continue;
      visible.push({ v, x: p.x, y: p.y });
      ctx.beginPath();
      ctx.arc(p.x, p.y, r, 0, Math.PI * 2);
      const color = classColors[v.class ?? ""] ?? "#777";
      if (v.online) {
        ctx.fillStyle = color;
        ctx.fill();
      } else {
        ctx.strokeStyle = color;
        ctx.lineWidth = 1.5;
        ctx.stroke();
      }
      if ((v.alarm ?? 0) >= 1 && v.online) {
        ctx.strokeStyle = v.alarm! >= 3 ? "#d62728" : "#ff7f0e";
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(p.x, p.y, r + 3, 0, Math.PI * 2);
        ctx.stroke();
      }
    }
    count.textContent = fleet.snapshotDone
      ? `${shown} vehicles (${withPosition} with a position, ${visible.length} in view)`
      : "waiting for the live feed…";
    count.dataset.shown = String(visible.length);
    recordDraw(performance.now() - started, shown);
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(draw);
  };

  const refreshMakers = () => {
    const makers = new Set<string>();
    for (const v of fleet.vehicles.values()) if (v.maker) makers.add(v.maker);
    const have = new Set([...maker.options].map((o) => o.value));
    for (const m of [...makers].sort()) if (!have.has(m)) maker.append(h("option", { value: m }, m));
  };

  map.on("move zoom resize viewreset", schedule);
  for (const el of [cls, maker, st]) el.addEventListener("change", schedule);
  const unsubscribe = fleet.subscribe(() => {
    refreshMakers();
    schedule();
    if (popup.dataset.vin) showPopup(popup.dataset.vin);
  });

  const showPopup = (vin: string) => {
    const v = fleet.vehicles.get(vin);
    if (!v) return;
    popup.dataset.vin = vin;
    popup.hidden = false;
    popup.replaceChildren(
      h("button", { class: "close", type: "button", "aria-label": "Close", onclick: () => { popup.hidden = true; delete popup.dataset.vin; } }, "×"),
      h("a", { href: `#/vehicles/${encodeURIComponent(v.vin)}`, class: "vin" }, v.vin),
      h("div", { class: "muted" }, `${v.maker ?? "unregistered"} · ${v.class ?? "?"} · ${v.online ? "online" : "offline"}${v.charging ? " · charging" : ""}`),
      h("div", {}, `Speed ${fmt(v.speed, 1, " km/h")} · SOC ${fmt(v.soc, 0, " %")}${v.alarm ? ` · alarm level ${v.alarm}` : ""}`),
      h("div", { class: "muted small" }, v.time ? new Date(v.time).toLocaleString() : ""),
    );
  };
  map.on("click", (e: L.LeafletMouseEvent) => {
    const p = e.containerPoint;
    let best: LiveVehicle | undefined;
    let bestD = 12 * 12;
    for (const c of visible) {
      const d = (c.x - p.x) ** 2 + (c.y - p.y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = c.v;
      }
    }
    if (best) showPopup(best.vin);
  });

  refreshMakers();
  schedule();
  return () => {
    unsubscribe();
    map.remove();
  };
}
