import { AlarmEpisode, AlarmStatus, AlarmView, api, ApiError, Me, Page, post, Sample } from "../api";
import { ChartSet } from "../charts";
import { LiveFleet } from "../live";
import { duration } from "../rideview";
import { h, state, time } from "../ui";

const tabs: [AlarmStatus, string][] = [["New", "Open"], ["Acknowledged", "Acknowledged"], ["Closed", "Closed"]];
const PageSize = 50;

/** Runs f over items with at most `limit` requests in flight. */
async function mapLimit<T, R>(items: T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const level = (l: number) => h("span", { class: `lvl lvl${Math.min(l, 3)}` }, `L${l}`);
export const canHandle = (me: Me) => me.role === "admin" || me.role === "operator";

/**
 * The alarms console. The list API gives episodes; each one's handling (status, time to acknowledge) comes from
 * GET /api/alarms/{id}, fetched a few at a time for the page shown.
 */
export function renderAlarms(root: HTMLElement, fleet: LiveFleet, me: Me, initial: { vin?: string; id?: string } = {}) {
  let status: AlarmStatus = "New";
  let wanted = initial.id;
  const tabBar = h("div", { class: "tabs", role: "tablist" });
  const minLevel = h("select", { name: "minLevel", "aria-label": "Minimum level" }, h("option", { value: "" }, "Any level"),
    ...[1, 2, 3].map((l) => h("option", { value: l }, `Level ≥ ${l}`)));
  const kind = h("input", { name: "kind", placeholder: "kind (e.g. HighTemperature)", "aria-label": "Kind", list: "alarm-kinds" });
  const kinds = h("datalist", { id: "alarm-kinds" });
  const maker = h("select", { name: "maker", "aria-label": "Maker" }, h("option", { value: "" }, "All makers"));
  const vin = h("input", { name: "vin", placeholder: "VIN", "aria-label": "Vehicle", value: initial.vin ?? "" });
  const live = h("span", { class: "muted small", "data-testid": "alarms-live" });
  const list = h("div", { class: "alarm-list" });
  const detail = h("aside", { class: "card alarm-detail", "data-testid": "alarm-detail", hidden: true });
  const charts = new ChartSet();
  root.append(
    h("div", { class: "toolbar" }, h("h1", {}, "Alarms"), tabBar, live),
    h("div", { class: "toolbar" }, minLevel, kind, kinds, maker, vin),
    h("div", { class: "split" }, list, detail),
  );
  for (const [value, label] of tabs) {
    tabBar.append(h("button", { type: "button", role: "tab", class: "tab", "data-status": value, "aria-selected": value === status ? "true" : "false",
      onclick: () => {
        selectTab(value);
        paint();
      } }, label));
  }

  let views: AlarmView[] = [];
  let cursor: string | undefined;
  let selected: string | undefined;
  let generation = 0;

  const query = () => {
    const q = new URLSearchParams({ limit: String(PageSize) });
    if (minLevel.value) q.set("minLevel", minLevel.value);
    if (kind.value.trim()) q.set("kind", kind.value.trim());
    if (maker.value && !vin.value.trim()) q.set("maker", maker.value);
    if (cursor) q.set("cursor", cursor);
    const v = vin.value.trim();
    return v ? `/api/vehicles/${encodeURIComponent(v)}/alarms?${q}` : `/api/alarms?${q}`;
  };

  const selectTab = (value: AlarmStatus) => {
    status = value;
    for (const b of tabBar.querySelectorAll("button")) b.setAttribute("aria-selected", b.dataset.status === status ? "true" : "false");
  };

  const paint = () => {
    // Opened from a link to one alarm: show it, on its tab.
    const target = wanted ? views.find((v) => v.alarm.id === wanted) : undefined;
    if (target) {
      wanted = undefined;
      selected = target.alarm.id;
      selectTab(target.handling.status);
      showDetail(target);
    }
    const shown = views.filter((v) => v.handling.status === status);
    const more = cursor ? h("button", { type: "button", class: "secondary", onclick: () => void loadPage(generation) }, "Load older alarms") : null;
    if (shown.length === 0) {
      list.replaceChildren(state("empty", `No ${tabs.find((t) => t[0] === status)![1].toLowerCase()} alarms${cursor ? " among the newest loaded" : ""}.`), more ?? "");
      return;
    }
    const known = new Set([...kinds.options].map((o) => o.value));
    for (const v of views) if (!known.has(v.alarm.kind)) kinds.append(h("option", { value: v.alarm.kind }));
    list.replaceChildren(h("div", { class: "scroll tall" }, h("table", { "data-testid": "alarm-table" },
      h("thead", {}, h("tr", {}, ...["Start", "Vehicle", "Kind", "Peak", "State", "To acknowledge"].map((t) => h("th", {}, t)))),
      h("tbody", {}, ...shown.map((v) => {
        const tr = h("tr", { class: `clickable${v.alarm.id === selected ? " selected" : ""}`, "data-alarm": v.alarm.id },
          h("td", {}, time(v.alarm.start)),
          h("td", { class: "vin" }, v.alarm.vin),
          h("td", {}, v.alarm.kind),
          h("td", {}, level(v.alarm.peakLevel)),
          h("td", {}, v.alarm.open ? "active" : "cleared"),
          h("td", { class: "num" }, v.secondsToAcknowledge === undefined ? "—" : duration(v.secondsToAcknowledge)));
        tr.addEventListener("click", () => {
          selected = v.alarm.id;
          for (const r of list.querySelectorAll("tr.selected")) r.classList.remove("selected");
          tr.classList.add("selected");
          showDetail(v);
        });
        return tr;
      })))), more ?? "");
  };

  const loadPage = async (gen: number) => {
    try {
      const page = await api<Page<AlarmEpisode>>(query());
      const loaded = await mapLimit(page.items, 6, (a) => api<AlarmView>(`/api/alarms/${encodeURIComponent(a.id)}`).catch(() => undefined));
      if (gen !== generation) return;
      views.push(...loaded.filter((v): v is AlarmView => v !== undefined));
      cursor = page.nextCursor;
      paint();
    } catch (e) {
      if (gen !== generation) return;
      list.replaceChildren(state("error", e instanceof ApiError && e.status === 404 ? "No such vehicle." : `Alarms unavailable: ${(e as Error).message}`));
    }
  };

  const reload = async () => {
    generation++;
    views = [];
    cursor = undefined;
    list.replaceChildren(state("loading", "Loading alarms…"));
    await loadPage(generation);
  };

  const replaceView = (view: AlarmView) => {
    const i = views.findIndex((v) => v.alarm.id === view.alarm.id);
    if (i >= 0) views[i] = view;
    paint();
    showDetail(view);
  };

  const showDetail = (v: AlarmView) => {
    charts.disposeAll();
    const a = v.alarm;
    const hd = v.handling;
    const message = h("p", { class: "error", role: "alert" });
    const act = async (path: string, bodyOf: () => object | undefined) => {
      const body = bodyOf();
      if (!body) return;
      message.textContent = "";
      try {
        replaceView(await post<AlarmView>(`/api/alarms/${encodeURIComponent(a.id)}/${path}`, body));
      } catch (e) {
        message.textContent = (e as Error).message;
      }
    };
    const note = h("textarea", { name: "note", rows: 2, maxlength: 2000, placeholder: "note", "aria-label": "Note" });
    const cause = h("input", { name: "cause", maxlength: 2000, placeholder: "cause (required to close)", "aria-label": "Cause" });
    const history: [string, string][] = [
      ...a.levels.map((l) => [l.time, `level ${l.level}${l === a.levels[0] ? " (opened)" : ""}`] as [string, string]),
      ...(a.end ? [[a.end, "cleared by the vehicle"] as [string, string]] : []),
      ...(hd.acknowledgedAt ? [[hd.acknowledgedAt, `acknowledged by ${hd.acknowledgedBy}`] as [string, string]] : []),
      ...hd.notes.map((n) => [n.at, `note by ${n.by}: ${n.text}`] as [string, string]),
      ...(hd.closedAt ? [[hd.closedAt, `closed by ${hd.closedBy}: ${hd.cause}`] as [string, string]] : []),
    ];
    history.sort((x, y) => new Date(x[0]).getTime() - new Date(y[0]).getTime());
    const windowBox = h("div");
    detail.hidden = false;
    detail.replaceChildren(
      h("button", { class: "close", type: "button", "aria-label": "Close", onclick: () => { detail.hidden = true; selected = undefined; } }, "×"),
      h("h2", {}, a.kind, " ", level(a.peakLevel)),
      h("p", {}, h("a", { href: `#/vehicles/${encodeURIComponent(a.vin)}`, class: "vin" }, a.vin), ` · ${a.maker}`),
      h("p", { class: "small" }, `Status: `, h("b", { "data-testid": "alarm-status" }, hd.status), ` · ${a.open ? "still active" : "cleared"} · ${a.samples} samples`),
      h("h3", {}, "History"),
      h("ol", { class: "history", "data-testid": "alarm-history" }, ...history.map(([at, text]) => h("li", {}, h("span", { class: "muted small" }, time(at)), " ", text))),
      a.peakLevel >= 3 && a.windowFrom
        ? h("p", {}, h("button", { type: "button", class: "link", "data-testid": "alarm-window", onclick: () => void showWindow(a, windowBox) },
            `High-frequency samples ${time(a.windowFrom)} – ${time(a.windowTo)}`))
        : "",
      windowBox,
      canHandle(me) && hd.status !== "Closed"
        ? h("div", { class: "actions", "data-testid": "alarm-actions" }, note,
            h("div", { class: "inline" },
              hd.status === "New" ? h("button", { type: "button", "data-testid": "alarm-ack", onclick: () => void act("acknowledge", () => ({ note: note.value || undefined })) }, "Acknowledge") : "",
              h("button", { type: "button", class: "secondary", "data-testid": "alarm-note", onclick: () => void act("notes", () => {
                if (!note.value.trim()) { message.textContent = "Write a note first."; return undefined; }
                return { note: note.value };
              }) }, "Add note")),
            h("div", { class: "inline" }, cause, h("button", { type: "button", class: "danger-button", "data-testid": "alarm-close", onclick: () => void act("close", () => {
              if (!cause.value.trim()) { message.textContent = "A cause is required to close an alarm."; return undefined; }
              return { cause: cause.value, note: note.value || undefined };
            }) }, "Close")), message)
        : canHandle(me) ? "" : h("p", { class: "muted small", "data-testid": "alarm-readonly" }, "Read-only: alarms are handled by operators."),
    );
  };

  const showWindow = async (a: AlarmEpisode, box: HTMLElement) => {
    box.replaceChildren(state("loading", "Loading samples…"));
    try {
      const page = await api<Page<Sample>>(`/api/alarms/${encodeURIComponent(a.id)}/samples?limit=1000`);
      box.replaceChildren();
      if (page.items.length === 0) {
        box.append(state("empty", "No samples stored in the window."));
        return;
      }
      const pts = (f: (s: Sample) => number | undefined) => page.items.map((s) => [s.sampleTime, f(s) ?? null] as [string, number | null]);
      charts.line(box, "Alarm window", [
        { name: "Max temperature", unit: "°C", data: pts((s) => s.maxTemperatureC) },
        { name: "Alarm level", unit: "level", data: pts((s) => s.alarmLevel) },
      ], "alarm-window-chart");
      charts.line(box, "", [
        { name: "Voltage", unit: "V", data: pts((s) => s.packVoltageV) },
        { name: "Current", unit: "A", data: pts((s) => s.packCurrentA) },
      ], "alarm-window-chart");
      box.append(h("p", { class: "small" }, `${page.items.length} samples${page.nextCursor ? " (first 1,000)" : ""} · `,
        h("a", { href: `/api/alarms/${encodeURIComponent(a.id)}/samples?limit=1000`, target: "_blank" }, "JSON")));
    } catch (e) {
      box.replaceChildren(state("error", `Samples unavailable: ${(e as Error).message}`));
    }
  };

  // Live: an alarm message, or a vehicle whose reported level rises, means a new or escalated episode; the analytics
  // writer stores it within about a second, so reload shortly after (at most every few seconds).
  const levels = new Map<string, number>();
  for (const v of fleet.vehicles.values()) levels.set(v.vin, v.alarm ?? 0);
  let seenAlarms = fleet.alarms.length;
  let reloadTimer = 0;
  const onLive = () => {
    let rose = fleet.alarms.length !== seenAlarms;
    seenAlarms = fleet.alarms.length;
    for (const v of fleet.vehicles.values()) {
      const before = levels.get(v.vin) ?? 0;
      if ((v.alarm ?? 0) > before) rose = true;
      levels.set(v.vin, v.alarm ?? 0);
    }
    const have = new Set([...maker.options].map((o) => o.value));
    for (const m of new Set([...fleet.vehicles.values()].map((v) => v.maker).filter((m): m is string => !!m))) {
      if (!have.has(m)) maker.append(h("option", { value: m }, m));
    }
    if (rose && !reloadTimer) {
      live.textContent = "new alarm reported — refreshing…";
      reloadTimer = window.setTimeout(async () => {
        await reload();
        reloadTimer = 0;
        live.textContent = `updated ${new Date().toLocaleTimeString()}`;
      }, 2000);
    }
  };
  const unsubscribe = fleet.subscribe(onLive);
  onLive();
  for (const el of [minLevel, maker]) el.addEventListener("change", () => void reload());
  for (const el of [kind, vin]) el.addEventListener("change", () => void reload());
  void reload();
  return () => {
    unsubscribe();
    clearTimeout(reloadTimer);
    charts.close();
  };
}
