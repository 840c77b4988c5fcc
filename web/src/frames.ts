// A decode view of GB/T 32960 frames: header fields, checksum and a hex dump. The full body decode is `nevhub decode <hex>`.
const commands: Record<number, string> = {
  0x01: "vehicle login", 0x02: "realtime report", 0x03: "reissue report", 0x04: "vehicle logout",
  0x05: "platform login", 0x06: "platform logout", 0x07: "heartbeat", 0x08: "time sync",
  0x80: "query", 0x81: "set parameters", 0x82: "terminal control",
};
const flags: Record<number, string> = { 0x01: "success", 0x02: "error", 0x03: "VIN duplicate", 0xfe: "command" };
const encryption: Record<number, string> = { 0x01: "none", 0x02: "RSA", 0x03: "AES-128", 0x04: "SM2", 0x05: "SM4", 0xfe: "abnormal", 0xff: "invalid" };

export function decodeFrame(hex: string): string {
  const b = new Uint8Array(hex.match(/../g)?.map((x) => parseInt(x, 16)) ?? []);
  const lines: string[] = [];
  if (b.length >= 24 && b[0] === 0x23 && b[1] === 0x23) {
    const length = (b[22] << 8) | b[23];
    let xor = 0;
    for (let i = 2; i < b.length - 1; i++) xor ^= b[i];
    lines.push(
      `start       ## (GB/T 32960)`,
      `command     0x${b[2].toString(16).padStart(2, "0")} ${commands[b[2]] ?? "unknown"}`,
      `response    0x${b[3].toString(16).padStart(2, "0")} ${flags[b[3]] ?? "unknown"}`,
      `VIN         ${String.fromCharCode(...b.slice(4, 21))}`,
      `encryption  0x${b[21].toString(16).padStart(2, "0")} ${encryption[b[21]] ?? "unknown"}`,
      `data length ${length} bytes (frame ${b.length} bytes)`,
    );
    if (length >= 6 && b.length >= 30) {
      const t = b.slice(24, 30);
      lines.push(`data time   20${String(t[0]).padStart(2, "0")}-${String(t[1]).padStart(2, "0")}-${String(t[2]).padStart(2, "0")} ${String(t[3]).padStart(2, "0")}:${String(t[4]).padStart(2, "0")}:${String(t[5]).padStart(2, "0")} (terminal clock, Beijing time)`);
    }
    lines.push(`checksum    0x${b[b.length - 1].toString(16).padStart(2, "0")} ${xor === b[b.length - 1] ? "ok" : `MISMATCH (computed 0x${xor.toString(16)})`}`);
  } else {
    lines.push("Not a GB/T 32960 frame (JT/T 808 frames are shown as hex only).");
  }
  lines.push("", "offset  bytes");
  for (let i = 0; i < b.length; i += 16) {
    lines.push(`${i.toString(16).padStart(6, "0")}  ${Array.from(b.slice(i, i + 16), (x) => x.toString(16).padStart(2, "0")).join(" ")}`);
  }
  lines.push("", "Full body decode: nevhub decode <hex>");
  return lines.join("\n");
}
