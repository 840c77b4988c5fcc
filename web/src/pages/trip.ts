import { api, ApiError, del, EnergyReport, Me, pages, post, Sample, ShareLink, Trip } from "../api";
import { SeriesPoint } from "../replay";
import { duration, figures, renderRide } from "../rideview";
import { fmt, h, state, time } from "../ui";

const expiries: [string, number][] = [["1 hour", 1], ["24 hours", 24], ["7 days", 168], ["30 days", 720]];
const MaxSamples = 20_000;

export const tripHref = (vin: string, start: string) => `#/vehicles/${encodeURIComponent(vin)}/trips/${new Date(start).getTime()}`;
/** The link to hand out: the server's `/ride/{token}` (it redirects to this UI's ride page), beside the dashboard. */
export const rideUrl = (link: ShareLink) =>
  link.url ? `${location.origin}${location.pathname.replace(/[^/]*$/, "")}${link.url.replace(/^\//, "")}` : `${location.origin}${location.pathname}#/ride/${link.token}`;

/** The series of a ride from stored samples: speed, SOC and power = V·I (kW, positive when discharging). */
export function seriesOf(samples: Sample[]): SeriesPoint[] {
  return samples.map((s) => ({
    t: new Date(s.sampleTime).getTime(),
    speedKmh: s.speedKmh,
    soc: s.socPercent,
    powerKw: s.packVoltageV !== undefined && s.packCurrentA !== undefined ? (s.packVoltageV * s.packCurrentA) / 1000 : undefined,
  }));
}

/**
 * CO₂ avoided by one trip. The energy API's figures are linear in distance (fossil baseline per km) and in pack energy
 * (grid factor ÷ charging efficiency per kWh), with the vehicle's class and the active factors; the vehicle's totals
 * give both coefficients, so the platform's method is applied without repeating it here.
 */
async function co2Avoided(trip: Trip): Promise<number | undefined> {
  const report = await api<EnergyReport>(`/api/energy?groupBy=vehicle&vin=${encodeURIComponent(trip.vin)}`);
  const row = report.rows[0];
  if (!row || row.distanceKm <= 0) return undefined;
  const perKm = row.baselineKgCo2 / row.distanceKm;
  const perKwh = row.energyKwh > 0 ? row.projectKgCo2 / row.energyKwh : 0;
  return trip.distanceKm * perKm - Math.max(0, trip.energyKwh) * perKwh;
}

export function renderTrip(root: HTMLElement, vin: string, startMs: number, me: Me) {
  const body = h("div", {}, state("loading", "Loading trip…"));
  root.append(
    h("p", { class: "crumbs" }, h("a", { href: `#/vehicles/${encodeURIComponent(vin)}` }, vin), " › trip"),
    body,
  );
  let close: (() => void) | undefined;
  let gone = false;

  const load = async () => {
    let trip: Trip;
    try {
      trip = await api<Trip>(`/api/vehicles/${encodeURIComponent(vin)}/trips/${startMs}`);
    } catch (e) {
      body.replaceChildren(state("error", e instanceof ApiError && e.status === 404 ? "Trip not found." : `Could not load the trip: ${(e as Error).message}`));
      return;
    }
    const start = new Date(trip.start).getTime();
    const end = new Date(trip.end).getTime();
    const q = new URLSearchParams({ from: trip.start, to: new Date(end + 1).toISOString(), limit: "1000" });
    const [samples, co2] = await Promise.all([
      pages<Sample>(`/api/vehicles/${encodeURIComponent(vin)}/samples?${q}`, MaxSamples).catch((e: Error) => e),
      co2Avoided(trip).catch(() => undefined),
    ]);
    if (gone) return;
    const efficiency = trip.distanceKm > 0.1 ? (trip.energyKwh / trip.distanceKm) * 100 : undefined;
    const base = `/api/vehicles/${encodeURIComponent(vin)}/trips/${startMs}`;
    body.replaceChildren(
      h("div", { class: "toolbar" },
        h("h1", {}, `Trip ${time(trip.start)}`),
        h("a", { href: `${base}/gpx`, download: `trip-${vin}-${startMs}.gpx`, class: "button", "data-testid": "download-gpx" }, "GPX"),
        h("a", { href: `${base}/geojson`, download: `trip-${vin}-${startMs}.geojson`, class: "button", "data-testid": "download-geojson" }, "GeoJSON"),
        trip.complete ? null : h("span", { class: "badge" }, "in progress")),
      h("p", { class: "muted" }, `${trip.startPlace || trip.endPlace ? `${trip.startPlace ?? "—"} → ${trip.endPlace ?? "—"} · ` : ""}${time(trip.start)} – ${time(trip.end)}`),
      figures([
        ["Distance", fmt(trip.distanceKm, 2, " km"), "fig-distance"],
        ["Duration", duration((end - start) / 1000)],
        ["Energy", fmt(trip.energyKwh, 2, " kWh"), "fig-energy"],
        ["Efficiency", efficiency === undefined ? "—" : `${efficiency.toFixed(1)} kWh/100 km`],
        ["CO₂ avoided", fmt(co2, 2, " kg"), "fig-co2"],
        ["Max / avg speed", `${fmt(trip.maxSpeedKmh, 0)} / ${fmt(trip.avgSpeedKmh, 0)} km/h`],
        ["SOC", `${fmt(trip.startSoc, 0)} → ${fmt(trip.endSoc, 0)} %`],
        ["Samples", String(trip.samples)],
      ]),
      trip.odometerAnomaly ? h("p", { class: "muted small" }, "The odometer jumped or went back during this trip; that step was bridged with the GPS distance.") : "",
    );
    const rideBox = h("div");
    body.append(rideBox);
    if (samples instanceof Error) rideBox.append(state("error", `Samples unavailable: ${samples.message}`));
    close = renderRide(rideBox, {
      start, end,
      route: trip.route.map((p) => [p.latitude, p.longitude]),
      routeTimes: trip.route.map((p) => new Date(p.time).getTime()),
      series: samples instanceof Error ? [] : seriesOf(samples.items),
    }, me.map);
    if (!(samples instanceof Error) && samples.more) rideBox.append(h("p", { class: "muted small" }, `Charts show the first ${samples.items.length} samples.`));
    body.append(sharePanel(vin, startMs));
  };
  void load();
  return () => {
    gone = true;
    close?.();
  };
}

function sharePanel(vin: string, startMs: number) {
  const expiry = h("select", { name: "expiry", "aria-label": "Link expires after" }, ...expiries.map(([label, hours]) => h("option", { value: hours }, label)));
  expiry.value = "168";
  const create = h("button", { type: "button", "data-testid": "share-create" }, "Create link");
  const created = h("div", { "data-testid": "share-created" });
  const list = h("div", { "data-testid": "share-list" });
  const message = h("p", { class: "muted small", role: "status" });

  const load = async () => {
    try {
      const links = (await api<ShareLink[]>(`/api/shares?vin=${encodeURIComponent(vin)}`)).filter((l) => new Date(l.tripStart).getTime() === startMs);
      if (links.length === 0) {
        list.replaceChildren(state("empty", "No link shares this trip."));
        return;
      }
      const now = Date.now();
      list.replaceChildren(h("div", { class: "scroll" }, h("table", {},
        h("thead", {}, h("tr", {}, ...["Link", "Created", "By", "Expires", "State", ""].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...links.map((l) => {
          const live = !l.revokedAt && new Date(l.expiresAt).getTime() > now;
          return h("tr", { "data-share": l.id ?? "" },
            h("td", { class: "hex" }, l.id ?? ""), h("td", {}, time(l.createdAt)), h("td", {}, l.createdBy), h("td", {}, time(l.expiresAt)),
            h("td", {}, l.revokedAt ? `revoked ${time(l.revokedAt)}` : live ? "active" : "expired"),
            h("td", {}, live && l.id ? h("button", { class: "link danger", type: "button", "data-testid": "share-revoke", onclick: async () => {
              if (!confirm("Revoke this link? Anyone holding it loses access at once.")) return;
              try {
                await del(`/api/shares/${encodeURIComponent(l.id!)}`);
                message.textContent = "Link revoked.";
                created.replaceChildren();
                await load();
              } catch (e) {
                message.textContent = (e as Error).message;
              }
            } }, "revoke") : ""));
        })))));
    } catch (e) {
      list.replaceChildren(state("error", e instanceof ApiError && e.status === 403 ? "Your role may not see share links." : `Share links unavailable: ${(e as Error).message}`));
    }
  };

  create.addEventListener("click", async () => {
    message.textContent = "";
    try {
      const link = await post<ShareLink>(`/api/vehicles/${encodeURIComponent(vin)}/trips/${startMs}/share`, { expiresInHours: Number(expiry.value) });
      const url = rideUrl(link);
      const input = h("input", { readonly: true, value: url, class: "share-url", "aria-label": "Share link", "data-testid": "share-url" });
      const copy = h("button", { type: "button", class: "secondary", onclick: async () => {
        input.select();
        try {
          await navigator.clipboard.writeText(url);
          message.textContent = "Copied.";
        } catch {
          message.textContent = "Select the link and copy it.";
        }
      } }, "Copy");
      created.replaceChildren(h("p", { class: "small" }, `Anyone with this link can see the ride (without the VIN) until ${time(link.expiresAt)}. It is shown only now.`),
        h("div", { class: "inline" }, input, copy));
      await load();
    } catch (e) {
      message.textContent = e instanceof ApiError && e.status === 403 ? "Your role may not share trips." : (e as Error).message;
    }
  });

  list.append(state("loading", "Loading links…"));
  void load();
  return h("section", { class: "card wide", "data-testid": "share-panel" },
    h("h2", {}, "Share"),
    h("div", { class: "inline" }, h("label", { class: "small" }, "Expires after ", expiry), create),
    created, message, list);
}
