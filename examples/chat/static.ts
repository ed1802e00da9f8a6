// Serves a built web app (Vite's output) from a folder: its files as they are, and
// its index.html for any other path, so client-side routes load the app.
import { stat } from "node:fs/promises";
import { extname, posix, resolve, sep } from "node:path";

/** Answers `pathname` (relative to where the app is mounted) from `root`. */
export async function serveStatic(root: string, pathname: string, method: string): Promise<Response> {
  if (method !== "GET" && method !== "HEAD") return new Response("Method not allowed", { status: 405, headers: { allow: "GET, HEAD" } });
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return new Response("Bad path", { status: 400 });
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return new Response("Bad path", { status: 400 });
  // Normalising from "/" drops every ".." that would climb above the root; the check after is the belt to those braces.
  const path = resolve(root, `.${posix.normalize(`/${decoded}`)}`);
  if (path !== root && !path.startsWith(root + sep)) return new Response("Bad path", { status: 400 });

  if (await isFile(path)) {
    const immutable = path.startsWith(resolve(root, "assets") + sep); // Vite's hashed file names
    return file(path, method, immutable ? "public, max-age=31536000, immutable" : "no-cache");
  }
  const index = resolve(root, "index.html");
  if (!(await isFile(index))) {
    return new Response("The web app is not built yet: run `npm run build:web` (or `npm start`).\n", { status: 503 });
  }
  // A missing file (it has an extension) is a 404; any other path is a route of the app.
  if (extname(decoded)) return new Response("Not found", { status: 404 });
  return file(index, method, "no-cache");
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function file(path: string, method: string, cacheControl: string): Response {
  const body = Bun.file(path);
  const headers = { "content-type": body.type, "cache-control": cacheControl, "x-content-type-options": "nosniff" };
  return new Response(method === "HEAD" ? null : body, { headers });
}
