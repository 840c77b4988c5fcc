// Thin fetch wrapper: same-origin cookie, antiforgery header on writes, typed errors.

export interface Me {
  name: string;
  role: "admin" | "operator" | "maker";
  maker?: string;
  scheme: string;
  csrfToken?: string;
  map?: MapConfig;
}

export interface MapConfig {
  tileUrl?: string;
  tileAttribution?: string;
  tileCoordinates: "Wgs84" | "Gcj02";
}

export class ApiError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

let csrf: string | undefined;
let onUnauthorized: () => void = () => {};

export function setCsrf(token: string | undefined) {
  csrf = token;
}

export function whenUnauthorized(handler: () => void) {
  onUnauthorized = handler;
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  if (init.method && init.method !== "GET" && csrf) headers.set("X-CSRF-TOKEN", csrf);
  const response = await fetch(path, { ...init, headers, credentials: "same-origin" });
  if (response.status === 401 && !path.startsWith("/api/auth/")) onUnauthorized();
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const problem = await response.json();
      const errors = problem.errors ? Object.values(problem.errors).flat().join("; ") : "";
      message = errors || problem.detail || problem.title || message;
    } catch {
      /* not JSON */
    }
    if (response.status === 429) {
      message = `Too many attempts; try again in ${response.headers.get("Retry-After") ?? "a few"} s.`;
    }
    throw new ApiError(response.status, message);
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const post = <T>(path: string, body?: unknown) =>
  api<T>(path, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) });

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface Sample {
  vin: string;
  sampleTime: string;
  receivedAt: string;
  speedKmh?: number;
  socPercent?: number;
  packVoltageV?: number;
  packCurrentA?: number;
  odometerKm?: number;
  latitude?: number;
  longitude?: number;
  alarmLevel?: number;
  charging?: string;
  vehicleState?: string;
  gear?: string;
  insulationKohm?: number;
  maxCellVoltageV?: number;
  minCellVoltageV?: number;
  maxTemperatureC?: number;
  minTemperatureC?: number;
  coordinates?: string;
  detail?: {
    cellVoltages: { pack: number; firstCellIndex: number; totalCells: number; cellsV: (number | null)[] }[];
    temperatures: { pack: number; probesC: (number | null)[] }[];
  };
}

export interface Session {
  sessionId: string;
  protocol: string;
  loginAt: string;
  logoutAt?: string;
  endReason?: string;
  remoteEndpoint: string;
  iccid?: string;
  packCodes: string[];
}

export interface Vehicle {
  vin: string;
  maker: string;
  model: string;
  class: string;
  batteryCapacityKwh: number;
  chemistry: string;
  plate?: string;
  online: boolean;
  lastSeen?: string;
  latest?: Sample;
  session?: Session;
}

export interface RawFrame {
  receivedAt: string;
  sampleTime?: string;
  protocol: string;
  command: number;
  hex: string;
}

export const del = (path: string) => api<void>(path, { method: "DELETE" });

/** Follows `nextCursor` until `max` items or the end; `path` already carries its query. */
export async function pages<T>(path: string, max: number): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api<Page<T>>(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return { items, more: cursor !== undefined };
}

// Analytics records (src/NevHub.Storage/Analytics/AnalyticsRecords.cs), as the API serialises them.
export interface RoutePoint {
  time: string;
  latitude: number;
  longitude: number;
}

export interface Trip {
  vin: string;
  maker: string;
  start: string;
  end: string;
  startPlace?: string;
  endPlace?: string;
  distanceOdometerKm: number;
  distanceGpsKm: number;
  distanceKm: number;
  maxSpeedKmh: number;
  avgSpeedKmh: number;
  energyKwh: number;
  startSoc?: number;
  endSoc?: number;
  socUsed?: number;
  samples: number;
  complete: boolean;
  odometerAnomaly: boolean;
  route: RoutePoint[];
}

export interface ChargeView {
  session: {
    vin: string;
    start: string;
    end: string;
    startSoc?: number;
    endSoc?: number;
    energyInKwh: number;
    avgPowerKw: number;
    peakPowerKw: number;
    type: "Unknown" | "AC" | "DC";
    place?: string;
    reconstructed: boolean;
    complete: boolean;
  };
  energyBySocKwh?: number;
}

export interface AlarmEpisode {
  id: string;
  vin: string;
  maker: string;
  kind: string;
  start: string;
  end?: string;
  lastSeen: string;
  firstLevel: number;
  peakLevel: number;
  levels: { time: string; level: number }[];
  samples: number;
  windowFrom?: string;
  windowTo?: string;
  open: boolean;
}

export type AlarmStatus = "New" | "Acknowledged" | "Closed";

export interface AlarmView {
  alarm: AlarmEpisode;
  handling: {
    status: AlarmStatus;
    acknowledgedAt?: string;
    acknowledgedBy?: string;
    closedAt?: string;
    closedBy?: string;
    cause?: string;
    notes: { at: string; by: string; text: string }[];
  };
  secondsToAcknowledge?: number;
}

export interface QualitySummary {
  key: string;
  days: number;
  frames: number;
  realtime: number;
  reissue: number;
  duplicates: number;
  onlineRate: number;
  completeness?: number;
  reissueRatio: number;
  duplicateRatio: number;
  latencyHistogram: number[];
  latencyBucketsSeconds: number[];
  meanClockDriftSeconds?: number;
  maxClockDriftSeconds: number;
  clockDriftViolations: number;
  odometerJumps: number;
  socJumps: number;
  positionJumps: number;
  invalidRates: Record<string, number>;
  abnormalRates: Record<string, number>;
}

export interface EnergyRow {
  key: string;
  day?: string;
  vehicles: number;
  trips: number;
  distanceKm: number;
  energyKwh: number;
  kwhPer100Km?: number;
  wallEnergyKwh: number;
  projectKgCo2: number;
  baselineKgCo2: number;
  avoidedKgCo2: number;
}

export interface EnergyReport {
  groupBy: string;
  gridFactor: { id: string; value: number; unit: string; year: number; scope: string };
  rows: EnergyRow[];
}

// Share links (POST /api/vehicles/{vin}/trips/{startMs}/share, GET /api/shares, DELETE /api/shares/{id}).
export interface ShareLink {
  id?: string;
  token?: string;
  url?: string;
  vin: string;
  tripStart: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  revokedAt?: string;
}

/** The public, anonymous view of a shared ride: no VIN, a trimmed route. */
export interface PublicRide {
  vehicleClass: string;
  maker: string;
  start: string;
  end: string;
  durationS: number;
  distanceKm: number;
  energyKwh: number;
  kwhPer100Km?: number;
  co2AvoidedKg?: number;
  maxSpeedKmh: number;
  avgSpeedKmh: number;
  route: [number, number][];
  /** t: Unix ms. */
  series: { t: number; speedKmh?: number; soc?: number; powerKw?: number }[];
}

export interface Cells {
  /** Sample time of the frame; null when no frame carried cells or probes. */
  time: string | null;
  subsystems: { number: number; cellVoltagesV: (number | null)[]; probeTemperaturesC: (number | null)[] }[];
}
