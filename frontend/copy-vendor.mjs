// Copies the browser scripts Anamnesis serves itself (no CDN) into static/vendor/.
import { copyFileSync, mkdirSync } from "node:fs";

const out = new URL("../static/vendor/", import.meta.url);
mkdirSync(out, { recursive: true });
const files = {
  "htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
  "htmx-ext-ws.js": "node_modules/htmx-ext-ws/dist/ws.min.js",
  "basecoat.min.js": "node_modules/basecoat-css/dist/js/all.min.js",
};
for (const [name, source] of Object.entries(files)) {
  copyFileSync(new URL(source, import.meta.url), new URL(name, out));
}
