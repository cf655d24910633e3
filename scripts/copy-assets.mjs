// Copies the front-end packages installed by `npm ci` into Django's static files.
// Run by `make assets`; the copied files are not committed (see .gitignore).
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "src/meinekammer/web/static/vendor/kern");
const kern = join(root, "node_modules/@kern-ux/native/dist");

rmSync(target, { recursive: true, force: true });
mkdirSync(join(target, "fonts"), { recursive: true });
for (const file of ["kern.min.css", "LICENSE.md"]) {
  const from = file === "LICENSE.md" ? join(kern, "..", file) : join(kern, file);
  cpSync(from, join(target, file));
}
cpSync(join(kern, "fonts/fira-sans.css"), join(target, "fonts/fira-sans.css"));
cpSync(join(kern, "fonts/fira-sans"), join(target, "fonts/fira-sans"), { recursive: true });
console.log(`front-end assets copied to ${target}`);
