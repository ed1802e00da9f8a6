import { io } from "socket.io-client";

const socket = io("ws://localhost:5000", { transports: ["websocket"] });
socket.emitWithAck("echo", { a: 1, b: "hello" }).then(console.log);
