// A trip's route on the shared base map with a replay: play/pause, speed, a time slider, a marker moving by sample time.
import L from "leaflet";
import { MapConfig } from "./api";
import { createBaseMap } from "./basemap";
import { fmt, h } from "./ui";

export interface SeriesPoint {
  t: number;
  speedKmh?: number;
  soc?: number;
  powerKw?: number;
}

export interface Track {
  start: number;
  end: number;
  /** [lat, lon] as reported. */
  route: [number, number][];
  /** Sample time (ms) of each route point, when known (trip records); else the marker follows distance ridden. */
  routeTimes?: number[];
  series: SeriesPoint[];
}

const speeds = [1, 5, 10, 30, 60, 120, 300];

const haversineKm = (a: [number, number], b: [number, number]) => {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLon = (b[1] - a[1]) * rad;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2;
  return 12742 * Math.asin(Math.min(1, Math.sqrt(s)));
};

/** Index of the last element whose key is <= t (binary search; -1 before the first). */
function floorIndex(keys: number[], t: number) {
  let lo = 0;
  let hi = keys.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Where the vehicle was at time t: interpolated between route points by time, or by the distance ridden so far. */
function positioner(track: Track): (t: number) => [number, number] | undefined {
  const route = track.route;
  if (route.length === 0) return () => undefined;
  if (track.routeTimes && track.routeTimes.length === route.length) {
    const times = track.routeTimes;
    return (t) => {
      const i = floorIndex(times, t);
      if (i < 0) return route[0];
      if (i >= route.length - 1) return route[route.length - 1];
      const f = (t - times[i]) / Math.max(1, times[i + 1] - times[i]);
      return [route[i][0] + (route[i + 1][0] - route[i][0]) * f, route[i][1] + (route[i + 1][1] - route[i][1]) * f];
    };
  }
  // No times on the points (a trimmed public route): the share of the distance ridden by t, from ∫speed dt.
  const cumulative = [0];
  for (let i = 1; i < route.length; i++) cumulative.push(cumulative[i - 1] + haversineKm(route[i - 1], route[i]));
  const total = cumulative[cumulative.length - 1];
  const ridden = [0];
  const s = track.series;
  for (let i = 1; i < s.length; i++) ridden.push(ridden[i - 1] + (((s[i - 1].speedKmh ?? 0) + (s[i].speedKmh ?? 0)) / 2) * ((s[i].t - s[i - 1].t) / 3600_000));
  const riddenTotal = ridden[ridden.length - 1] ?? 0;
  const seriesTimes = s.map((p) => p.t);
  return (t) => {
    let share: number;
    if (riddenTotal > 0) {
      const i = floorIndex(seriesTimes, t);
      share = i < 0 ? 0 : ridden[i] / riddenTotal;
    } else {
      share = (t - track.start) / Math.max(1, track.end - track.start);
    }
    const target = Math.min(1, Math.max(0, share)) * total;
    const j = Math.max(0, floorIndex(cumulative, target));
    if (j >= route.length - 1) return route[route.length - 1];
    const f = (target - cumulative[j]) / Math.max(1e-9, cumulative[j + 1] - cumulative[j]);
    return [route[j][0] + (route[j + 1][0] - route[j][0]) * f, route[j][1] + (route[j + 1][1] - route[j][1]) * f];
  };
}

export interface Replay {
  close(): void;
  /** Called with the replay time (ms) as it moves. */
  onTime(listener: (t: number) => void): void;
}

/** Renders the map and the replay controls into parent. */
export function renderReplay(parent: HTMLElement, track: Track, config: MapConfig | undefined): Replay {
  const mapEl = h("div", { class: "route-map", "data-testid": "route-map" });
  const play = h("button", { type: "button", "data-testid": "replay-play", "aria-label": "Play" }, "▶ Play");
  const speed = h("input", { type: "range", min: 0, max: speeds.length - 1, step: 1, value: 3, "aria-label": "Replay speed", "data-testid": "replay-speed" });
  const speedLabel = h("span", { class: "muted small" });
  const slider = h("input", { type: "range", min: track.start, max: Math.max(track.end, track.start + 1), step: 1000, value: track.start,
    class: "replay-time", "aria-label": "Replay time", "data-testid": "replay-time" });
  const now = h("div", { class: "replay-now", "data-testid": "replay-now" });
  parent.append(mapEl, h("div", { class: "replay" }, play, h("label", { class: "muted small" }, "Speed ", speed, speedLabel), slider, now));

  const base = createBaseMap(mapEl, config);
  const map = base.map;
  const shown = track.route.map(([lat, lon]) => base.display(lat, lon));
  const listeners: ((t: number) => void)[] = [];
  const bounds = shown.length ? L.latLngBounds(shown).pad(0.2) : base.districtBounds.pad(-0.25);
  const fit = () => map.fitBounds(bounds, { maxZoom: 16 });
  if (shown.length) {
    L.polyline(shown, { color: "#0b6bcb", weight: 4, opacity: 0.85 }).addTo(map);
    L.circleMarker(shown[0], { radius: 6, color: "#2e7d32", fillColor: "#2e7d32", fillOpacity: 1 }).bindTooltip("start").addTo(map);
    L.circleMarker(shown[shown.length - 1], { radius: 6, color: "#c62828", fillColor: "#c62828", fillOpacity: 1 }).bindTooltip("end").addTo(map);
  } else {
    mapEl.append(h("div", { class: "map-note" }, "No valid position in this trip."));
  }
  fit();
  const marker = L.circleMarker(shown[0] ?? [29.56, 106.55], { radius: 8, color: "#fff", weight: 2, fillColor: "#f0a30a", fillOpacity: 1 });
  if (shown.length) marker.addTo(map);

  const at = positioner(track);
  const seriesTimes = track.series.map((p) => p.t);
  let t = track.start;
  let playing = false;
  let last = 0;
  let raf = 0;

  const show = () => {
    const p = at(t);
    if (p) marker.setLatLng(base.display(p[0], p[1]));
    const i = floorIndex(seriesTimes, t);
    const s = i >= 0 ? track.series[i] : undefined;
    slider.value = String(t);
    now.dataset.progress = ((t - track.start) / Math.max(1, track.end - track.start)).toFixed(3);
    now.replaceChildren(
      h("span", {}, new Date(t).toLocaleTimeString()),
      h("span", {}, "Speed ", h("b", { "data-testid": "replay-speed-now" }, fmt(s?.speedKmh, 1, " km/h"))),
      h("span", {}, "SOC ", h("b", {}, fmt(s?.soc, 0, " %"))),
      h("span", {}, "Power ", h("b", {}, fmt(s?.powerKw, 1, " kW"))),
    );
    for (const l of listeners) l(t);
  };
  const setSpeedLabel = () => (speedLabel.textContent = `${speeds[Number(speed.value)]}×`);
  const tick = (stamp: number) => {
    raf = 0;
    if (!playing) return;
    if (last) t = Math.min(track.end, t + (stamp - last) * speeds[Number(speed.value)]);
    last = stamp;
    show();
    if (t >= track.end) {
      setPlaying(false);
      return;
    }
    raf = requestAnimationFrame(tick);
  };
  const setPlaying = (on: boolean) => {
    playing = on;
    play.textContent = on ? "❚❚ Pause" : "▶ Play";
    play.setAttribute("aria-label", on ? "Pause" : "Play");
    last = 0;
    if (on && !raf) raf = requestAnimationFrame(tick);
  };
  play.addEventListener("click", () => {
    if (!playing && t >= track.end) t = track.start;
    setPlaying(!playing);
  });
  speed.addEventListener("input", setSpeedLabel);
  slider.addEventListener("input", () => {
    t = Number(slider.value);
    show();
  });
  setSpeedLabel();
  show();
  // The container's size settles after layout and changes with the screen (phone turned, window resized): keep the route framed.
  const resized = new ResizeObserver(() => {
    map.invalidateSize();
    fit();
  });
  resized.observe(mapEl);
  return {
    close: () => {
      resized.disconnect();
      playing = false;
      if (raf) cancelAnimationFrame(raf);
      map.remove();
    },
    onTime: (listener) => listeners.push(listener),
  };
}
