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
