import { createBirpc } from "birpc";

const ws = new WebSocket("ws://localhost:5000");
const rpc = createBirpc<any, {}>({}, { post: (d) => ws.send(d), on: (fn) => ws.addEventListener("message", (e) => fn(e.data)), serialize: JSON.stringify, deserialize: JSON.parse });
rpc.echo({ a: 1, b: "hello" }).then(console.log);
