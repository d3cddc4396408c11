/**
 * Vite build of the open-bank SPA.
 *
 * `npm run build` writes `dist/` (served by nginx); hashed file names under
 * `dist/assets/` let nginx cache them for a year. `npm run dev` proxies `/graphql`
 * (HTTP and WebSocket) to nginx on 8080 so the dev server talks to the real stack.
 */
import { defineConfig } from "vitest/config";

/** The stack's nginx (docs/architecture.md); it proxies `/graphql` to the backend. */
const nginx = "http://127.0.0.1:8080";

export default defineConfig({
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: false,
    target: "es2022",
  },
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: true,
    proxy: {
      "/graphql": {
        target: nginx,
        ws: true,
        changeOrigin: true,
        // The backend accepts a WebSocket only from its own origin (CSWSH protection),
        // so the dev server's page presents itself as the nginx one.
        headers: { origin: nginx },
      },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
