// The live fleet: a SignalR connection to /hubs/live, kept as a map of VIN -> compact state.
import { HubConnection, HubConnectionBuilder, HubConnectionState, LogLevel } from "@microsoft/signalr";

export interface LiveVehicle {
  vin: string;
  maker?: string;
  class?: string;
  lat?: number;
  lon?: number;
  speed?: number;
  soc?: number;
  online: boolean;
  charging: boolean;
  alarm?: number;
  gcj02?: boolean;
  time?: string;
  version: number;
}

export interface LiveAlarm {
  id: string;
  vin: string;
  maker?: string;
  level: number;
  code: string;
  state: string;
  time: string;
  message?: string;
}

type Listener = () => void;

export class LiveFleet {
  readonly vehicles = new Map<string, LiveVehicle>();
  readonly alarms: LiveAlarm[] = [];
  snapshotDone = false;
  status: "connecting" | "live" | "reconnecting" | "offline" = "connecting";
  private listeners = new Set<Listener>();
  private connection: HubConnection;
  private pending = false;

  constructor() {
    this.connection = new HubConnectionBuilder()
      .withUrl("/hubs/live")
      .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 30000])
      .configureLogging(LogLevel.Warning)
      .build();
    this.connection.on("snapshot", (page: { items: LiveVehicle[]; last: boolean }) => {
      this.merge(page.items);
      if (page.last) this.snapshotDone = true;
      this.notify();
    });
    this.connection.on("changes", (items: LiveVehicle[]) => {
      this.merge(items);
      this.notify();
    });
    this.connection.on("alarm", (alarm: LiveAlarm) => {
      this.alarms.unshift(alarm);
      this.alarms.length = Math.min(this.alarms.length, 500);
      this.notify();
    });
    this.connection.onreconnecting(() => this.setStatus("reconnecting"));
    this.connection.onreconnected(() => this.setStatus("live"));
    this.connection.onclose(() => this.setStatus("offline"));
  }

  async start() {
    if (this.connection.state !== HubConnectionState.Disconnected) return;
    try {
      await this.connection.start();
      this.setStatus("live");
    } catch {
      this.setStatus("offline");
    }
  }

  async stop() {
    await this.connection.stop();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private merge(items: LiveVehicle[]) {
    for (const v of items) {
      const known = this.vehicles.get(v.vin);
      if (!known || known.version <= v.version) this.vehicles.set(v.vin, v);
    }
  }

  private setStatus(status: LiveFleet["status"]) {
    this.status = status;
    this.notify();
  }

  // Coalesce bursts (snapshot pages) into one repaint per animation frame.
  private notify() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      for (const l of this.listeners) l();
    });
  }
}
