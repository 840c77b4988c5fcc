/// <reference types="vite/client" />
declare module "*.geojson?raw" {
  const text: string;
  export default text;
}
