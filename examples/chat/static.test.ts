import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveStatic } from "./static.ts";

let dir: string;
let root: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chatter-static-"));
  root = join(dir, "app");
  await mkdir(join(root, "assets"), { recursive: true });
  await writeFile(join(root, "index.html"), "<h1>app</h1>");
  await writeFile(join(root, "assets", "app-1234.js"), "console.log(1)");
  await writeFile(join(dir, "secret.txt"), "secret");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const get = async (path: string, method = "GET") => {
  const res = await serveStatic(root, path, method);
  return { status: res.status, body: await res.text(), res };
};

test("serves the app's files, hashed assets as immutable", async () => {
  const { status, body, res } = await get("/assets/app-1234.js");
  expect([status, body]).toEqual([200, "console.log(1)"]);
  expect(res.headers.get("cache-control")).toContain("immutable");
  expect(res.headers.get("content-type")).toContain("javascript");
});

test("serves index.html at / and for the app's routes, a 404 for missing files", async () => {
  expect(await get("/")).toMatchObject({ status: 200, body: "<h1>app</h1>" });
  expect(await get("/rooms/lobby")).toMatchObject({ status: 200, body: "<h1>app</h1>" });
  expect((await get("/assets/missing.js")).status).toBe(404);
});

test("never serves a file outside its folder", async () => {
  for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/assets/../../secret.txt", "/%2e%2e%5csecret.txt", "/a%00"]) {
    const { status, body } = await get(path);
    expect(body).not.toContain("secret");
    expect([400, 404]).toContain(status);
  }
  expect((await get("/%E0%A4%A")).status).toBe(400);
});

test("answers only GET and HEAD", async () => {
  expect((await get("/", "POST")).status).toBe(405);
  expect((await get("/", "HEAD")).status).toBe(200);
});

test("says how to build the app when it is missing", async () => {
  const res = await serveStatic(join(dir, "nothing"), "/", "GET");
  expect(res.status).toBe(503);
  expect(await res.text()).toContain("npm run build:web");
});
