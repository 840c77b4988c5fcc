import { api, ApiError, MapConfig, PublicRide } from "../api";
import { duration, figures, renderRide } from "../rideview";
import { fmt, h, state, time } from "../ui";

/** A shared ride, signed out: no VIN, the trimmed route, figures and charts from the public API. */
export function renderPublicRide(root: HTMLElement, token: string, config: MapConfig | undefined) {
  const body = h("div", {}, state("loading", "Loading the ride…"));
  root.append(body);
  let close: (() => void) | undefined;
  let gone = false;
  void (async () => {
    let ride: PublicRide;
    try {
      ride = await api<PublicRide>(`/api/public/rides/${encodeURIComponent(token)}`);
    } catch (e) {
      body.replaceChildren(e instanceof ApiError && e.status === 404
        ? h("div", { class: "state state-error", "data-state": "expired", "data-testid": "ride-expired" },
            h("h1", {}, "This link has expired or was revoked"),
            h("p", {}, "Ask whoever shared the ride for a new link."))
        : state("error", `The ride could not be loaded: ${(e as Error).message}`));
      return;
    }
    if (gone) return;
    const start = new Date(ride.start).getTime();
    const end = new Date(ride.end).getTime();
    body.replaceChildren(
      h("h1", {}, `A ${ride.vehicleClass.toLowerCase()} ride`),
      h("p", { class: "muted" }, `${ride.maker} · ${time(ride.start)} – ${time(ride.end)}`),
      figures([
        ["Distance", fmt(ride.distanceKm, 2, " km"), "fig-distance"],
        ["Duration", duration(ride.durationS)],
        ["Energy", fmt(ride.energyKwh, 2, " kWh"), "fig-energy"],
        ["Efficiency", ride.kwhPer100Km === undefined || ride.kwhPer100Km === null ? "—" : `${ride.kwhPer100Km.toFixed(1)} kWh/100 km`],
        ["CO₂ avoided", fmt(ride.co2AvoidedKg, 2, " kg"), "fig-co2"],
        ["Max / avg speed", `${fmt(ride.maxSpeedKmh, 0)} / ${fmt(ride.avgSpeedKmh, 0)} km/h`],
      ]),
      h("p", { class: "muted small" }, "The start and end of the route are trimmed to keep home and work addresses private."),
    );
    const rideBox = h("div");
    body.append(rideBox);
    close = renderRide(rideBox, {
      start, end,
      route: ride.route.map(([lon, lat]) => [lat, lon]),
      series: ride.series.map((p) => ({ t: new Date(p.t).getTime(), speedKmh: p.speedKmh, soc: p.soc, powerKw: p.powerKw })),
    }, config);
  })();
  return () => {
    gone = true;
    close?.();
  };
}
