import { defineConfig } from "vite";

// Built into the server's static files; `npm run dev` proxies the API and the hub to a local `nevhub demo`.
export default defineConfig({
  base: "./",
  build: {
    outDir: "../src/NevHub.Server/wwwroot",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:5080",
      "/hubs": { target: "http://127.0.0.1:5080", ws: true },
    },
  },
});
