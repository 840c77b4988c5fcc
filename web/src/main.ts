import "leaflet/dist/leaflet.css";
import "./style.css";
import { api, ApiError, Me, post, setCsrf, whenUnauthorized } from "./api";
import { LiveFleet } from "./live";
import { h, state } from "./ui";
import { renderOverview } from "./pages/overview";
import { renderMap } from "./pages/map";
import { renderVehicle } from "./pages/vehicle";
import { renderAdmin } from "./pages/admin";
import { renderTrip } from "./pages/trip";
import { renderTrips } from "./pages/trips";
import { renderPublicRide } from "./pages/ride";
import { renderAlarms } from "./pages/alarms";
import { renderQuality } from "./pages/quality";

const app = document.getElementById("app")!;
let me: Me | undefined;
let fleet: LiveFleet | undefined;
let cleanup: (() => void) | undefined;

whenUnauthorized(() => {
  me = undefined;
  location.hash = "#/login";
});

async function loadMe(): Promise<Me | undefined> {
  try {
    const result = await api<Me>("/api/auth/me");
    setCsrf(result.csrfToken);
    return result;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return undefined;
    throw e;
  }
}

function loginPage() {
  const error = h("p", { class: "error", role: "alert" });
  const user = h("input", { name: "username", autocomplete: "username", required: true, "aria-label": "User name" });
  const pass = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, "aria-label": "Password" });
  const form = h(
    "form",
    { class: "login card" },
    h("h1", {}, "NevHub"),
    h("p", { class: "muted" }, "New-energy vehicle platform — sign in"),
    h("label", {}, "User name", user),
    h("label", {}, "Password", pass),
    h("button", { type: "submit" }, "Sign in"),
    error,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      me = await post<Me>("/api/auth/login", { userName: user.value, password: pass.value });
      setCsrf(me.csrfToken);
      location.hash = "#/";
      route();
    } catch (err) {
      error.textContent = err instanceof ApiError && err.status === 401 ? "Wrong user name or password." : String((err as Error).message);
    }
  });
  app.replaceChildren(h("main", { class: "login-page" }, form));
  user.focus();
}

function shell(active: string, content: HTMLElement) {
  const link = (href: string, text: string, key: string) => h("a", { href, class: active === key ? "active" : undefined }, text);
  const status = h("span", { class: "live-status", "data-live": fleet?.status ?? "offline" }, fleet?.status ?? "");
  fleet?.subscribe(() => {
    status.textContent = fleet!.status;
    status.dataset.live = fleet!.status;
  });
  const logout = h("button", { class: "link", type: "button" }, "Sign out");
  logout.addEventListener("click", async () => {
    await post("/api/auth/logout").catch(() => undefined);
    await fleet?.stop();
    fleet = undefined;
    me = undefined;
    location.hash = "#/login";
  });
  const nav = h(
    "nav",
    { class: "top" },
    h("a", { href: "#/", class: "brand" }, "NevHub"),
    link("#/", "Overview", "overview"),
    link("#/map", "Live map", "map"),
    link("#/trips", "Trips", "trips"),
    link("#/alarms", "Alarms", "alarms"),
    link("#/quality", "Data quality", "quality"),
    me?.role === "admin" ? link("#/admin", "Users & keys", "admin") : null,
    h("span", { class: "spacer" }),
    status,
    h("span", { class: "who", "data-testid": "who" }, `${me?.name} · ${me?.role}${me?.maker ? ` (${me.maker})` : ""}`),
    logout,
  );
  app.replaceChildren(nav, content);
}

async function route() {
  cleanup?.();
  cleanup = undefined;
  const hash = location.hash || "#/";
  if (hash === "#/login") {
    loginPage();
    return;
  }
  // A shared ride is public: it needs no sign-in and no live feed.
  const ride = hash.match(/^#\/ride\/([^/?]+)/);
  if (ride) {
    const content = h("main", { class: "page" });
    app.replaceChildren(h("nav", { class: "top" }, h("span", { class: "brand" }, "NevHub"), h("span", { class: "muted-light" }, "shared ride")), content);
    cleanup = renderPublicRide(content, decodeURIComponent(ride[1]), undefined);
    return;
  }
  if (!me) {
    app.replaceChildren(state("loading", "Loading…"));
    try {
      me = await loadMe();
    } catch (e) {
      app.replaceChildren(state("error", `The server did not answer: ${(e as Error).message}`));
      return;
    }
    if (!me) {
      location.hash = "#/login";
      return;
    }
  }
  if (!fleet) {
    fleet = new LiveFleet();
    void fleet.start();
  }
  const content = h("main", { class: "page" });
  const [path, search] = hash.split("?");
  const params = new URLSearchParams(search ?? "");
  const trip = path.match(/^#\/vehicles\/([^/]+)\/trips\/(-?\d+)$/);
  const vehicle = path.match(/^#\/vehicles\/([^/]+)/);
  const quality = path.match(/^#\/quality(?:\/([^/]+))?$/);
  if (trip) {
    shell("trips", content);
    cleanup = renderTrip(content, decodeURIComponent(trip[1]), Number(trip[2]), me);
  } else if (path === "#/trips") {
    shell("trips", content);
    cleanup = renderTrips(content, fleet);
  } else if (path === "#/alarms") {
    shell("alarms", content);
    cleanup = renderAlarms(content, fleet, me, { vin: params.get("vin") ?? undefined, id: params.get("id") ?? undefined });
  } else if (quality) {
    shell("quality", content);
    cleanup = renderQuality(content, quality[1] ? decodeURIComponent(quality[1]) : undefined);
  } else if (vehicle) {
    shell("vehicle", content);
    cleanup = renderVehicle(content, decodeURIComponent(vehicle[1]), fleet);
  } else if (hash.startsWith("#/map")) {
    shell("map", content);
    cleanup = renderMap(content, fleet, me);
  } else if (hash.startsWith("#/admin") && me.role === "admin") {
    shell("admin", content);
    cleanup = renderAdmin(content);
  } else {
    shell("overview", content);
    cleanup = renderOverview(content, fleet, me);
  }
}

window.addEventListener("hashchange", route);
void route();
